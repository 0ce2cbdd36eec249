"""Pieces every form of the portal is made of.

Every form derives from ``Form`` or ``ModelForm`` below (``tests/govcenter/test_forms.py``
checks it), so that each typed value is cleaned the same way before any other check:
line breaks made ``\n``, invisible direction and zero-width controls removed, and a NUL
character refused with a message that names it. Dates of things that happened are
``PlausibleDateField``: not before the portal's records begin, not in the future.
"""

from __future__ import annotations

import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import BLANK_CHOICE_DASH
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from .models import User
from .pii import validate_mobile
from .text import clean_text

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


NUL_MESSAGE = _(
    "This text contains an invisible NUL character (often from a copied document); remove it and try again."
)


def clean_text_field(field: forms.Field) -> None:
    """Make one form field (a per-form copy) clean its text before validating it."""
    if not isinstance(field, forms.CharField) or isinstance(field.widget, forms.PasswordInput):
        return  # passwords are taken exactly as typed
    to_python = field.to_python

    def cleaning_to_python(value):
        return to_python(clean_text(value) if isinstance(value, str) else value)

    field.to_python = cleaning_to_python
    # Django's own message ("Null characters are not allowed.", in Chinese "不允许是用空字符串")
    # does not tell the user what to look for.
    field.validators = [
        ProhibitNullCharactersValidator(message=NUL_MESSAGE) if isinstance(v, ProhibitNullCharactersValidator) else v
        for v in field.validators
    ]


# The empty choice of a select: Django's "---------" reads as a broken page to a clerk.
# The list filters (django-filter) name theirs ("Any status"), and do not come here.
CHOOSE_LABEL = pgettext_lazy("empty choice of a select", "Choose…")


def name_empty_choice(field: forms.Field) -> None:
    """Give a select's empty choice the words CHOOSE_LABEL (请选择) instead of "---------"."""
    if isinstance(field, forms.ModelChoiceField):
        if field.empty_label == BLANK_CHOICE_DASH[0][1]:
            field.empty_label = CHOOSE_LABEL
    elif isinstance(field, forms.ChoiceField) and isinstance(field.widget, forms.Select):
        choices = field.choices
        if isinstance(choices, list) and choices and tuple(choices[0]) == tuple(BLANK_CHOICE_DASH[0]):
            field.choices = [("", CHOOSE_LABEL), *choices[1:]]


class CleanTextMixin:
    """Cleans the text of every CharField (and TextField of a model form) of the form, gives
    each limited text area the words of its character count, sets the ``min`` / ``max``
    of its plausible dates for the browser's date picker, and names a select's empty
    choice (``name_empty_choice``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            clean_text_field(field)
            name_empty_choice(field)
            if isinstance(field.widget, forms.Textarea) and getattr(field, "max_length", None):
                # The words of the live count under the text area (static/js/counter.js).
                field.widget.attrs.setdefault(
                    "data-counter", gettext("%(count)s of %(max)s characters") % {"count": "{count}", "max": "{max}"}
                )
            if isinstance(field, PlausibleDateField):
                field.widget.attrs["min"] = records_begin().isoformat()
                if not field.allow_future:
                    field.widget.attrs["max"] = timezone.localdate().isoformat()


class Form(CleanTextMixin, forms.Form):
    """The base of every plain form of the portal."""


class ModelForm(CleanTextMixin, forms.ModelForm):
    """The base of every model form of the portal (the admin's included)."""


# --- dates ---------------------------------------------------------------------------


def records_begin() -> datetime.date:
    """The first day the portal holds records of (settings.RECORDS_BEGIN)."""
    return settings.RECORDS_BEGIN


def check_plausible_date(
    day: datetime.date | None, *, allow_future: bool = False, future_message=None
) -> datetime.date | None:
    """``day`` if it can be the date of a record: not before the portal's records begin,
    and (unless ``allow_future``, for due and end dates) not after today."""
    if day is None:
        return day
    begin = records_begin()
    if day < begin:
        raise ValidationError(
            _("Enter a date from %(date)s on: the portal's records begin then.") % {"date": begin.isoformat()},
            code="before_records",
        )
    if not allow_future and day > timezone.localdate():
        raise ValidationError(future_message or _("The date cannot be in the future."), code="future")
    return day


def text_area(label, *, max_length: int, rows: int = 2, required: bool = False, **kwargs) -> forms.CharField:
    """A text area of at most ``max_length`` characters (one of ``govcenter.limits``)."""
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
        **kwargs,
    )


def people_count_field(label, *, required: bool = True, negative_message=None) -> forms.IntegerField:
    """How many people or households an activity reached (a publicity activity, a sentiment
    log of kind publicity): never negative, and no single activity reaches more than 100,000
    (the column, a PositiveIntegerField, would hold up to 2147483647 on PostgreSQL)."""
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=0,
        max_value=100000,
        error_messages={"min_value": negative_message or _("This number cannot be negative.")},
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
    )


def date_input() -> forms.DateInput:
    """The browser's date picker, its value written the way it reads it (ISO)."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PlausibleDateField(forms.DateField):
    """A date picker for the date of a record (``check_plausible_date``). ``allow_future``
    for dates ahead (due dates, a campaign's period); ``future_message`` names the date."""

    def __init__(self, *, allow_future: bool = False, future_message=None, **kwargs):
        kwargs.setdefault("widget", date_input())
        super().__init__(**kwargs)
        self.allow_future = allow_future
        self.future_message = future_message

    def validate(self, value):
        super().validate(value)
        check_plausible_date(value, allow_future=self.allow_future, future_message=self.future_message)


def choice_buttons(choices=(), *, multiple: bool = False) -> forms.RadioSelect | forms.CheckboxSelectMultiple:
    """Radio buttons (or checkboxes) drawn as big toggle buttons (btn-check + btn-outline-*),
    easier to hit on a phone than a select (templates/_choice_buttons.html draws them)."""
    widget = forms.CheckboxSelectMultiple if multiple else forms.RadioSelect
    return widget(attrs={"class": "btn-check"}, choices=choices)


class ProfileForm(ModelForm):
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


class SecondFactorForm(Form):
    """A code from the authenticator app (six digits) or, on the login step, a recovery code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}),
    )


def police_verdict_field() -> forms.ChoiceField:
    """The verdict of a police opinion (研判意见), the same in every app's opinion form."""
    from .police import Verdict

    return forms.ChoiceField(
        label=_("Verdict"),
        choices=Verdict.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the verdict.")},
    )
