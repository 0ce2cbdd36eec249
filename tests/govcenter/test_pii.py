"""ID numbers (GB 11643) and mobile numbers: validation, protection at rest, masking,
and the trace every reveal leaves."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from govcenter import pii
from govcenter.models import PersonalDataAccess
from grids.models import Resident
from tests.factories import make_id_number

# A published specimen number (GB 11643-1999 example) and its check character.
SPECIMEN = "11010519491231002X"


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def with_check_digit(first17: str) -> str:
    return first17 + pii.id_check_char(first17)


# --- check digit and validation ----------------------------------------------------


def test_check_digit_of_the_standard_specimen_is_x():
    assert pii.id_check_char(SPECIMEN[:17]) == "X"


@pytest.mark.parametrize(
    "number",
    [SPECIMEN, "440524188001010014", "34052419800101001X"],
)
def test_check_digit_of_known_numbers(number):
    assert pii.id_check_char(number[:17]) == number[17]


def test_check_digit_is_the_iso_7064_mod_11_2_weighted_sum():
    first17 = "33010219800517003"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(c) * w for c, w in zip(first17, weights, strict=True))
    assert pii.id_check_char(first17) == "10X98765432"[total % 11]


def test_every_check_character_is_reachable():
    seen = {pii.id_check_char(f"3301021980051700{i}"[:17]) for i in range(10)}
    seen |= {pii.id_check_char(f"330102198005170{i:02d}") for i in range(100)}
    assert seen == set("0123456789X")


def test_valid_id_number_is_normalised():
    number = make_id_number(datetime.date(1975, 2, 28))
    assert pii.validate_id_number(f" {number[:6]} {number[6:]} ") == number
    assert pii.validate_id_number(SPECIMEN.lower()) == SPECIMEN


@pytest.mark.parametrize(
    "value,code",
    [
        ("", "length"),
        ("11010519491231002", "length"),
        ("11010519491231002XX", "length"),
        ("1101051949123100ZX", "format"),
        ("X1010519491231002X", "format"),
        (with_check_digit("11010519491331002"), "birth_date"),  # month 13
        (with_check_digit("11010519490230002"), "birth_date"),  # 30 February
        (with_check_digit("11010518991231002"), "birth_date"),  # before 1900
        (with_check_digit("11010520991231002"), "birth_date"),  # in the future
        ("110105194912310021", "check_digit"),
    ],
)
def test_bad_id_numbers_are_rejected_with_a_reason(value, code):
    with pytest.raises(ValidationError) as exc:
        pii.validate_id_number(value)
    assert exc.value.code == code


def test_birth_date_and_gender_come_from_the_number():
    assert pii.birth_date_from_id(SPECIMEN) == datetime.date(1949, 12, 31)
    assert pii.gender_from_id(SPECIMEN) == "F"  # 17th digit 2: even
    male = make_id_number(datetime.date(1990, 1, 2), female=False)
    assert pii.gender_from_id(male) == "M"
    assert pii.birth_date_from_id(with_check_digit("11010519491331002")) is None


# --- mobile numbers -------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,expected",
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("+86 199 0000 1111", "19900001111"),
        ("008615012345678", "15012345678"),
    ],
)
def test_good_mobile_numbers_are_normalised(value, expected):
    assert pii.validate_mobile(value) == expected


@pytest.mark.parametrize(
    "value", ["", "1381234567", "138123456789", "12812345678", "23812345678", "+85213812345678", "0571-88881234", "abc"]
)
def test_bad_mobile_numbers_are_rejected(value):
    with pytest.raises(ValidationError):
        pii.validate_mobile(value)


# --- masking, encryption, keyed hash ---------------------------------------------------


def test_mask_keeps_the_last_four_only():
    # Not the first four too: with the region in every grid code and the birth date they
    # rebuilt the whole number (issue 9).
    assert pii.mask_id_number("330102198005171234") == "**************1234"
    assert pii.mask_id_number(SPECIMEN) == "**************002X"
    assert pii.mask_id_number("") == ""


def test_the_migrations_remask_numbers_stored_with_the_old_mask(world):
    import importlib

    from django.apps import apps

    from disputes.models import Party
    from disputes.services import PartyData
    from tests.disputes.helpers import register

    number = make_id_number()
    dispute = register(
        world.village1_user,
        village=world.village1,
        parties=[PartyData(role="applicant", name="张三", id_number=number)],
    )
    party = dispute.parties.get()
    clear = world.resident1.reveal_id_number()
    Resident.objects.filter(pk=world.resident1.pk).update(id_number_masked=clear[:4] + "*" * 10 + clear[-4:])
    Party.objects.filter(pk=party.pk).update(id_number_masked=number[:4] + "*" * 10 + number[-4:])
    importlib.import_module("grids.migrations.0005_remask_id_numbers").remask(apps, None)
    importlib.import_module("disputes.migrations.0006_remask_party_id_numbers").remask(apps, None)
    assert Resident.objects.get(pk=world.resident1.pk).id_number_masked == pii.mask_id_number(clear)
    assert Party.objects.get(pk=party.pk).id_number_masked == "*" * 14 + number[-4:]
    assert Resident.objects.get(pk=world.resident2.pk).id_number_masked == pii.mask_id_number(
        world.resident2.reveal_id_number()
    )


def test_encrypt_decrypt_roundtrip_and_the_token_is_not_the_number():
    token = pii.encrypt(SPECIMEN)
    assert SPECIMEN not in token
    assert pii.decrypt(token) == SPECIMEN
    assert pii.encrypt(SPECIMEN) != token  # Fernet: a fresh IV each time


def test_decrypt_of_a_foreign_token_gives_nothing_instead_of_crashing():
    assert pii.decrypt("not-a-token") == ""


def test_keyed_hash_is_stable_normalised_and_distinct():
    other = make_id_number()
    assert pii.keyed_hash(SPECIMEN) == pii.keyed_hash(SPECIMEN.lower().replace("x", " x"))
    assert pii.keyed_hash(SPECIMEN) != pii.keyed_hash(other)
    assert len(pii.keyed_hash(SPECIMEN)) == 64


def test_keyed_hash_depends_on_the_key(settings):
    before = pii.keyed_hash(SPECIMEN)
    settings.PII_HASH_KEY = "another-key"
    assert pii.keyed_hash(SPECIMEN) != before


def test_stored_resident_row_holds_no_clear_number(world):
    resident = world.resident1
    clear = resident.reveal_id_number()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number_encrypted, id_number_hash, id_number_masked FROM grids_resident WHERE id = %s",
            [resident.pk],
        )
        row = cursor.fetchone()
    assert all(clear not in str(column) for column in row)
    assert row[1] == pii.keyed_hash(clear)
    assert row[2] == "*" * 14 + clear[-4:]
    assert Resident.objects.get(id_number_hash=pii.keyed_hash(clear)) == resident


def test_clearing_the_id_number_clears_all_three_columns(world):
    resident = world.resident1
    resident.set_id_number("")
    assert (resident.id_number_encrypted, resident.id_number_hash, resident.id_number_masked) == ("", "", "")
    assert not resident.has_id_number


# --- reveals leave a trace ----------------------------------------------------------------


def test_a_reveal_through_the_page_records_exactly_one_access(world, login):
    url = reverse("grids:resident_reveal_id", args=[world.resident2.pk])
    response = login(world.village2_user).post(url, HTTP_HX_REQUEST="true", REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    assert world.resident2.reveal_id_number() in response.content.decode()
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.subject, access.subject_label) == (world.village2_user, world.resident2, "李小红")
    assert access.ip_address == "10.1.2.3"


def test_grid_worker_sees_masked_number_only_in_detail_html(world, login):
    html = login(world.grid1_user).get(reverse("grids:resident_detail", args=[world.resident1.pk])).content.decode()
    assert f'<span class="masked-id">{world.resident1.id_number_masked}</span>' in html
    assert world.resident1.reveal_id_number() not in html
    assert "Show ID number" not in html


def test_clear_number_never_appears_in_list_or_detail_html(world, login):
    clear = {r.reveal_id_number() for r in (world.resident1, world.resident2)}
    for user in (world.township1_user, world.police1, world.admin):
        client = login(user)
        pages = [
            reverse("grids:resident_list"),
            reverse("grids:resident_detail", args=[world.resident1.pk]),
            reverse("grids:resident_edit", args=[world.resident1.pk]) if user != world.police1 else None,
        ]
        for page in filter(None, pages):
            html = client.get(page).content.decode()
            assert not any(number in html for number in clear), (user, page)
    assert not PersonalDataAccess.objects.exists()


def test_a_full_valid_id_number_is_searched_by_its_keyed_hash():
    assert pii.id_number_search_hash(SPECIMEN.lower()) == pii.keyed_hash(SPECIMEN)
    assert pii.id_number_search_hash(f" {SPECIMEN[:6]} {SPECIMEN[6:]} ") == pii.keyed_hash(SPECIMEN)
    assert pii.id_number_search_hash(SPECIMEN[:17] + "1") is None  # wrong check character
    assert pii.id_number_search_hash(SPECIMEN[:10]) is None and pii.id_number_search_hash("王大明") is None
