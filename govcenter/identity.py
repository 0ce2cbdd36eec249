"""Who an organisation is: its unified social credit code and a normalised name.

Early warning asks "is the respondent of this dispute the same as of that one?". An
organisation with a unified social credit code (统一社会信用代码, GB 32100-2015) is
that code; one without is its name with the parts that vary between clerks removed,
so that 清溪宏达建筑工程有限公司 and 宏达建筑 in the same district are one company.
People are never matched here (by name alone they never are: see
``disputes.parties``). This is kernel code: logs and other apps may use it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# --- unified social credit code (GB 32100-2015) ----------------------------------------

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, Z, S, V
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
CREDIT_CODE_LENGTH = 18
_VALUE = {c: i for i, c in enumerate(CREDIT_CODE_ALPHABET)}


def normalize_credit_code(value: str) -> str:
    """Upper-cased, with every space (also full-width) and hyphen removed."""
    return re.sub(r"[\s\-]+", "", unicodedata.normalize("NFKC", value or "")).upper()


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a code whose first 17 characters are ``first17``."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> str:
    """Return the normalised code or raise ValidationError with a message for a clerk."""
    code = normalize_credit_code(value)
    if len(code) != CREDIT_CODE_LENGTH:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)d."),
            code="length",
            params={"n": len(code)},
        )
    bad = sorted({c for c in code if c not in _VALUE})
    if bad:
        raise ValidationError(
            _(
                "A unified social credit code has only digits and the capital letters "
                "A–Y without I, O, S, V and Z; this one has %(chars)s."
            ),
            code="alphabet",
            params={"chars": " ".join(bad)},
        )
    if credit_code_check_char(code[:17]) != code[17]:
        raise ValidationError(
            _(
                "The last character of this unified social credit code does not match the others; "
                "please check it against the business licence."
            ),
            code="check_char",
        )
    return code


# --- organisation names -------------------------------------------------------------

# Legal forms (组织形式) at the end of a name; longest first so that 有限责任公司 is not
# cut to 有限责任 by 公司. 分公司/支公司 too: a branch is the company for early warning.
LEGAL_FORMS = (
    "股份经济合作社",
    "有限责任公司",
    "股份有限公司",
    "集团有限公司",
    "股份合作公司",
    "农民专业合作社",
    "专业合作社",
    "经济合作社",
    "个体工商户",
    "村民委员会",
    "居民委员会",
    "有限公司",
    "合伙企业",
    "总公司",
    "经营部",
    "门市部",
    "工作室",
    "合作社",
    "公司",
    "集团",
    "总厂",
    "商行",
    "厂",
)

# Industry words (行业表述) removed from the end only, and only these: the ones that come
# and go in how a construction or trading company is written down (宏达建筑工程有限公司,
# 宏达建设, 宏达工程队). Kept short on purpose: the law (企业名称登记管理规定) lets two
# companies of different industries share a trade name in one place, so every word here
# merges 宏达X with 宏达Y. A false match costs a warning somebody reads; a missed one
# costs the warning. Words of other trades (竹木制品, 物业服务) are kept.
INDUSTRY_WORDS = (
    "建筑劳务",
    "建筑工程",
    "建设工程",
    "建筑安装",
    "劳务",
    "建筑",
    "建设",
    "工程",
    "施工",
    "实业",
    "商贸",
    "贸易",
)

# A branch (分公司) is the company for early warning; the place before it goes too
# (宏达建筑有限公司清溪分公司). Elsewhere a place at the end is part of the name.
BRANCH_FORMS = ("分公司", "支公司", "分厂", "分店")

# Administrative suffixes cut from area names to give the short form used in company names
# (清溪区 -> 清溪, 青山镇 -> 青山); longest first.
AREA_SUFFIXES = (
    "街道办事处",
    "居民委员会",
    "村民委员会",
    "自治县",
    "街道",
    "社区",
    "省",
    "市",
    "区",
    "县",
    "镇",
    "乡",
    "村",
)


def place_short_names(area_names: Iterable[str]) -> tuple[str, ...]:
    """The names of areas as they appear in company names: the full name and the name
    without its administrative suffix, two characters or more (a one-character short form
    such as 王 of 王村 would eat the start of too many names); longest first."""
    names: set[str] = set()
    for raw in area_names:
        name = _squeeze(raw)
        if len(name) >= 2:
            names.add(name)
        for suffix in AREA_SUFFIXES:
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                names.add(name[: -len(suffix)])
                break
    return tuple(sorted(names, key=lambda n: (-len(n), n)))


def _squeeze(text: str) -> str:
    """NFKC, case-folded, without spaces, punctuation, brackets or symbols (any width)."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return "".join(c for c in text if unicodedata.category(c)[0] not in "PSZC")


# The longest match decides (the lists are sorted longest first); a match that is the
# whole name cuts nothing (有限公司 stays 有限公司, not 有限).


def _cut_prefix(name: str, prefixes: tuple[str, ...]) -> str:
    for p in prefixes:
        if name.startswith(p):
            return name[len(p) :] if len(name) > len(p) else name
    return name


def _cut_suffix(name: str, suffixes: tuple[str, ...]) -> str:
    for s in suffixes:
        if name.endswith(s):
            return name[: -len(s)] if len(name) > len(s) else name
    return name


def normalise_org_name(name: str, area_names: Iterable[str] = ()) -> str:
    """The part of an organisation's name that names it (its trade name, 字号).

    1. NFKC and case-fold; drop spaces, punctuation, brackets and symbols of either width
       (宏达建筑（清溪）有限公司 -> 宏达建筑清溪有限公司).
    2. Drop from the end, repeatedly: a branch form with the place before it (the 清溪分公司
       of 宏达建筑有限公司清溪分公司), legal forms (``LEGAL_FORMS``) and the few industry
       words of ``INDUSTRY_WORDS``.
    3. Drop leading place names: ``area_names`` are the district's areas, each as given
       and without its 区/县/镇/乡/村/街道 suffix; a place in brackets anywhere goes too
       (宏达建筑（清溪）有限公司).
    Steps 2 and 3 repeat until nothing changes, and nothing is cut that would leave the
    name empty: 清溪建设有限公司 keeps 清溪, and a company named after its village
    (宏达建筑 beside 宏达村) keeps 宏达. A name that is only a place ends as its short
    form (东山村村民委员会 and 东山村民委员会 both 东山).
    """
    places = place_short_names(area_names)
    if places:
        name = _BRACKETED.sub(lambda m: "" if _squeeze(m.group(1)) in places else m.group(0), _nfkc(name))
    tails = tuple(sorted({*LEGAL_FORMS, *INDUSTRY_WORDS}, key=lambda s: (-len(s), s)))
    text = _squeeze(name)
    while True:
        cut = _cut_suffix(text, BRANCH_FORMS)
        if cut != text:
            cut = _cut_suffix(cut, places)
        else:
            cut = _cut_suffix(text, tails)
        if cut == text:
            cut = _cut_prefix(text, places)
        if cut == text:
            return _short_place(text, places)
        text = cut


_BRACKETED = re.compile(r"[(\[{【〔［]([^()\[\]{}【】〔〕［］]*)[)\]}】〕］]")


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "")


def _short_place(text: str, places: tuple[str, ...]) -> str:
    """A name that is a place, as the place's short form (东山村 -> 东山)."""
    if text in places:
        for suffix in AREA_SUFFIXES:
            if text.endswith(suffix) and len(text) - len(suffix) >= 2 and text[: -len(suffix)] in places:
                return text[: -len(suffix)]
    return text
