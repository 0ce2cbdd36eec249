"""Personal data: resident ID numbers (居民身份证号码) and mobile numbers.

ID numbers are validated against GB 11643-1999 (18 characters, ISO 7064 MOD 11-2
check digit, a plausible birth date), stored encrypted (Fernet, keys from
settings.PII_ENCRYPTION_KEYS, rotatable) with an HMAC-SHA256 beside them for exact
look-up and duplicate detection, and a masked form (``**************1234``) for
display. ``cryptography`` does the crypto; the few lines of field plumbing are
written here because the field-encryption packages for Django are unmaintained.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalize_id_number(value: str) -> str:
    return re.sub(r"\s+", "", value or "").upper()


def id_check_char(first17: str) -> str:
    return _CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def birth_date_from_id(value: str) -> datetime.date | None:
    try:
        return datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


def validate_id_number(value: str) -> str:
    """Return the normalised ID number or raise ValidationError with a message for a clerk."""
    value = normalize_id_number(value)
    if len(value) != 18:
        raise ValidationError(
            _("An ID number has 18 characters; this one has %(n)d."), code="length", params={"n": len(value)}
        )
    if not _ID_RE.match(value):
        raise ValidationError(_("An ID number has 17 digits followed by a digit or X."), code="format")
    born = birth_date_from_id(value)
    today = timezone.localdate()
    if born is None or born.year < 1900 or born > today:
        raise ValidationError(
            _("The birth date inside this ID number (digits 7 to 14) is not a real date."), code="birth_date"
        )
    if id_check_char(value[:17]) != value[17]:
        raise ValidationError(
            _("The last character of this ID number does not match the others; please check it against the card."),
            code="check_digit",
        )
    return value


def gender_from_id(value: str) -> str:
    return "M" if int(value[16]) % 2 else "F"


def normalize_mobile(value: str) -> str:
    value = re.sub(r"[\s\-()]", "", value or "")
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    return value


def validate_mobile(value: str) -> str:
    value = normalize_mobile(value)
    if not _MOBILE_RE.match(value):
        raise ValidationError(
            _("Enter an 11-digit mainland mobile number starting with 1, e.g. 13812345678."), code="mobile"
        )
    return value


@lru_cache(maxsize=4)
def _fernet(keys: str) -> MultiFernet:
    return MultiFernet([Fernet(k.strip().encode()) for k in keys.split(",") if k.strip()])


def encrypt(value: str) -> str:
    return _fernet(settings.PII_ENCRYPTION_KEYS).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(settings.PII_ENCRYPTION_KEYS).decrypt(token.encode()).decode()
    except InvalidToken:
        return ""


def keyed_hash(value: str) -> str:
    return hmac.new(settings.PII_HASH_KEY.encode(), normalize_id_number(value).encode(), hashlib.sha256).hexdigest()


def id_number_search_hash(term: str) -> str | None:
    """The keyed hash to look a person up by, if ``term`` is a complete, valid ID number;
    None for anything else. The number itself is stored encrypted and cannot be searched,
    so an admin search for a full number filters on its hash instead."""
    term = normalize_id_number(term)
    if len(term) != 18:
        return None
    try:
        return keyed_hash(validate_id_number(term))
    except ValidationError:
        return None


MASK_KEEPS = 4


def mask_id_number(value: str) -> str:
    """The number with all but its last 4 characters hidden (``**************1234``).

    Only the end is kept: the first six digits are the region (every grid code of a
    local resident starts with them) and digits 7 to 14 the birth date, so a mask that
    kept the first four, beside a birth date or a grid code, let anyone rebuild the whole
    number with the check digit (issue 9). Digits 15 to 18 alone name nobody.
    """
    if not value:
        return ""
    return "*" * (len(value) - MASK_KEEPS) + value[-MASK_KEEPS:]


class ProtectedIdNumber(models.Model):
    """Abstract: an ID number stored encrypted, hashed for look-up, and masked for display.

    Set it with ``obj.set_id_number(raw)``; read the clear text only through
    ``obj.reveal_id_number()`` after the jurisdiction module allowed it and the
    reveal was recorded (``govcenter.services.personal_data_reveal``).
    """

    id_number_encrypted = models.TextField(_("ID number (encrypted)"), blank=True, editable=False)
    id_number_hash = models.CharField(_("ID number hash"), max_length=64, blank=True, editable=False, db_index=True)
    id_number_masked = models.CharField(_("ID number"), max_length=18, blank=True, editable=False)

    class Meta:
        abstract = True

    def set_id_number(self, raw: str) -> None:
        raw = normalize_id_number(raw)
        if not raw:
            self.id_number_encrypted = self.id_number_hash = self.id_number_masked = ""
            return
        self.id_number_encrypted = encrypt(raw)
        self.id_number_hash = keyed_hash(raw)
        self.id_number_masked = mask_id_number(raw)

    def reveal_id_number(self) -> str:
        return decrypt(self.id_number_encrypted) if self.id_number_encrypted else ""

    @property
    def has_id_number(self) -> bool:
        return bool(self.id_number_hash)
