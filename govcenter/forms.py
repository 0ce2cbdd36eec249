from __future__ import annotations

import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import User
from .pii import validate_mobile

# The largest id the database holds: PostgreSQL's bigint and SQLite's INTEGER are 64-bit.
# A larger number in a URL names no row; sent to the database it would crash the query
# ("Python int too large to convert to SQLite INTEGER").
MAX_ID = 2**63 - 1
# The dates a filter accepts. Local midnight of 0001-01-01 or the day after 9999-12-31
# cannot be expressed as a datetime, and no record is that old or that far ahead.
EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2999, 12, 31)


def parse_pk(value) -> int | None:
    """The integer id in a submitted value, or None for anything else (too large included)."""
    value = str(value or "").strip()
    # isascii: "²".isdigit() is true, but int("²") fails.
    if not (value.isascii() and value.isdigit()) or len(value) > len(str(MAX_ID)):
        return None
    number = int(value)
    return number if number <= MAX_ID else None


def search_query(value, max_length: int = 100) -> str:
    """A search box's text read straight from the query string: trimmed, without NUL
    characters (PostgreSQL refuses them in a query: a 500) and at most ``max_length``
    characters (a name is short; a 5,000-character one is junk)."""
    return str(value or "").replace("\x00", "").strip()[:max_length]


def choice_buttons(choices=(), *, multiple: bool = False) -> forms.RadioSelect | forms.CheckboxSelectMultiple:
    """Radio buttons (or checkboxes) drawn as big toggle buttons (btn-check + btn-outline-*),
    easier to hit on a phone than a select (templates/_choice_buttons.html draws them)."""
    widget = forms.CheckboxSelectMultiple if multiple else forms.RadioSelect
    return widget(attrs={"class": "btn-check"}, choices=choices)


class ProfileForm(forms.ModelForm):
    """The user's own contact details and notification channels."""

    class Meta:
        model = User
        fields = ["full_name", "email", "phone", "notify_by_email", "notify_by_sms"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save")))

    def clean_phone(self) -> str:
        phone = self.cleaned_data.get("phone", "")
        return validate_mobile(phone) if phone else ""

    def clean(self):
        data = super().clean()
        if data.get("notify_by_email") and not data.get("email"):
            self.add_error("email", ValidationError(_("Enter an e-mail address to receive notifications by e-mail.")))
        if data.get("notify_by_sms") and not data.get("phone"):
            self.add_error("phone", ValidationError(_("Enter a mobile number to receive notifications by SMS.")))
        return data
