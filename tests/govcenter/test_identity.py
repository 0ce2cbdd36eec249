"""Organisation identity (govcenter.identity): the unified social credit code's check
character (GB 32100-2015) and the normalised organisation name early warning matches on."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from govcenter.identity import (
    CREDIT_CODE_ALPHABET,
    CREDIT_CODE_WEIGHTS,
    credit_code_check_char,
    normalise_org_name,
    place_short_names,
    validate_credit_code,
)

# Codes published on real business licences (the first is the standard's commonly cited example).
REAL_CODES = ["91350100M000100Y43", "91110000600037341L"]


def _check_by_hand(first17: str) -> str:
    """The standard's formula written out again: C18 = 31 - MOD(sum(Ci * Wi), 31), 31 -> 0."""
    total = 0
    for i in range(17):
        total += CREDIT_CODE_ALPHABET.index(first17[i]) * CREDIT_CODE_WEIGHTS[i]
    c18 = 31 - total % 31
    return CREDIT_CODE_ALPHABET[0 if c18 == 31 else c18]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_credit_codes_are_valid(code):
    assert validate_credit_code(code) == code
    assert _check_by_hand(code[:17]) == code[17]


@pytest.mark.parametrize(
    "first17", ["91330102MA2GXXXXX".replace("X", "1"), "12330102000000000", "52330102MA0000000", "93330102MA2H8Y9JK"]
)
def test_computed_codes_are_valid(first17):
    code = first17 + credit_code_check_char(first17)
    assert code[17] == _check_by_hand(first17)
    assert validate_credit_code(code) == code


def test_input_is_upper_cased_and_spaces_removed():
    assert validate_credit_code(" 91350100m000100y43 ") == "91350100M000100Y43"
    assert validate_credit_code("9135 0100 M000 100Y43") == "91350100M000100Y43"
    assert validate_credit_code("９１３５０１００Ｍ０００１００Ｙ４３") == "91350100M000100Y43"  # full width
    assert validate_credit_code("91350100-M000100Y43") == "91350100M000100Y43"


@pytest.mark.parametrize("wrong", [c for c in CREDIT_CODE_ALPHABET if c != "3"][:6])
def test_a_wrong_check_char_is_refused(wrong):
    with pytest.raises(ValidationError) as e:
        validate_credit_code("91350100M000100Y4" + wrong)
    assert e.value.code == "check_char"
    assert "business licence" in e.value.messages[0]


@pytest.mark.parametrize("letter", list("IOZSV"))
def test_letters_outside_the_alphabet_are_refused(letter):
    code = "91350100M000100Y4" + letter
    with pytest.raises(ValidationError) as e:
        validate_credit_code(code)
    assert e.value.code == "alphabet"
    assert letter in e.value.messages[0]
    with pytest.raises(ValidationError):
        validate_credit_code(letter + "1350100M000100Y43")


@pytest.mark.parametrize("code", ["", "91350100M000100Y4", "91350100M000100Y433", "9"])
def test_a_wrong_length_is_refused(code):
    with pytest.raises(ValidationError) as e:
        validate_credit_code(code)
    assert e.value.code == "length"
    assert f"this one has {len(code)}" in e.value.messages[0]


def test_every_single_character_change_is_caught():
    code = REAL_CODES[0]
    for i in range(17):
        for c in CREDIT_CODE_ALPHABET:
            if c != code[i]:
                with pytest.raises(ValidationError):
                    validate_credit_code(code[:i] + c + code[i + 1 :])


@given(st.text(max_size=40))
def test_any_text_is_a_clean_code_or_a_validation_error(text):
    try:
        code = validate_credit_code(text)
    except ValidationError:
        return
    assert len(code) == 18 and set(code) <= set(CREDIT_CODE_ALPHABET)
    assert code[17] == _check_by_hand(code[:17])


@given(st.text(alphabet=CREDIT_CODE_ALPHABET, min_size=17, max_size=17))
def test_every_code_with_its_check_char_is_valid(first17):
    assert validate_credit_code(first17 + credit_code_check_char(first17)) == first17 + _check_by_hand(first17)


# --- names ----------------------------------------------------------------------------

# The test world's district and a few of its places (tests.factories) and the demo's.
PLACES = ["清溪区", "桃源镇", "石门乡", "东山村", "西岭村", "青山镇", "宏达村"]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("清溪宏达建筑工程有限公司", "宏达建筑"),
        ("清溪宏达建筑工程有限公司", "宏达建筑工程有限公司"),
        ("清溪区宏达建筑工程有限公司", "宏达建设"),
        ("宏达建筑工程有限公司清溪分公司", "宏达建筑"),
        ("宏达建筑（清溪）有限公司", "清溪宏达建筑有限责任公司"),
        ("清溪 宏达 建筑", "宏达建筑"),
        ("【清溪】宏达建筑", "宏达建筑"),
        ("宏达建筑劳务有限公司", "宏达工程"),
        ("青山绿源竹木制品厂", "青山绿源竹木制品"),
        ("青山绿源竹木制品厂", "青山镇绿源竹木制品有限公司"),
        ("桃源鑫诚建设有限公司", "鑫诚建设"),
        ("桃源镇鑫诚建设有限公司", "鑫诚"),
        ("清溪锦绣物业服务有限公司", "锦绣物业服务有限公司"),
        ("ABC建筑有限公司", "abc建筑"),
        ("ＡＢＣ建筑", "ABC建筑"),
        ("东山村股份经济合作社", "东山股份经济合作社"),
        ("清溪宏达集团有限公司", "宏达集团"),
    ],
)
def test_names_that_match(a, b):
    assert normalise_org_name(a, PLACES) == normalise_org_name(b, PLACES) != ""


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("宏达建筑", "宏远建筑"),
        ("清溪宏达建筑工程有限公司", "清溪宏远建筑工程有限公司"),
        ("青山绿源竹木制品厂", "青山绿源家具厂"),
        ("清溪锦绣物业服务有限公司", "清溪锦绣建筑有限公司"),  # other trades keep their words
        ("宏达建筑", "宏达物业服务"),
        ("桃源鑫诚建设有限公司", "桃源鑫达建设有限公司"),
    ],
)
def test_names_that_do_not_match(a, b):
    assert normalise_org_name(a, PLACES) != normalise_org_name(b, PLACES)


@pytest.mark.parametrize(
    ("name", "normalised"),
    [
        ("清溪宏达建筑工程有限公司", "宏达"),
        ("青山绿源竹木制品厂", "绿源竹木制品"),
        ("清溪建设有限公司", "清溪"),  # nothing is cut to empty
        ("有限公司", "有限公司"),
        ("宏达村宏达建筑", "宏达"),  # named after its village: the name stays
        ("宏达建筑", "宏达"),
        ("", ""),
        ("（ ）", ""),
        ("某财产保险股份有限公司清溪支公司", "某财产保险"),
    ],
)
def test_normalised_names(name, normalised):
    assert normalise_org_name(name, PLACES) == normalised


def test_without_place_names_only_forms_and_industry_words_go():
    assert normalise_org_name("清溪宏达建筑工程有限公司") == "清溪宏达"


def test_place_short_names_drop_the_administrative_suffix_but_keep_two_characters():
    short = place_short_names(["清溪区", "青山镇", "王村", "城关街道", "东山村"])
    assert {"清溪", "清溪区", "青山", "城关", "东山"} <= set(short)
    assert "王" not in short and "王村" in short
    assert list(short) == sorted(short, key=lambda n: (-len(n), n))


@given(st.text(max_size=60), st.lists(st.text(max_size=8), max_size=5))
def test_any_name_normalises_without_error_and_is_stable(name, places):
    once = normalise_org_name(name, places)
    assert isinstance(once, str)
    assert len(once) <= len(name) * 3 + 3  # NFKC may expand a little, never invent text


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("东山村村民委员会", "东山村民委员会"),
        ("东山村村民委员会", "东山村"),
        ("宏达建筑(桃源镇)有限公司", "宏达建筑"),
    ],
)
def test_village_committees_and_bracketed_places_match(a, b):
    assert normalise_org_name(a, PLACES) == normalise_org_name(b, PLACES)


def test_a_bracketed_word_that_is_no_place_stays():
    assert normalise_org_name("宏达建筑(二部)", ["清溪区"]) == "宏达建筑二部"
