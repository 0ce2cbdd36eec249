from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import User
from .pii import validate_mobile


def parse_pk(value) -> int | None:
    """The integer id in a submitted value, or None for anything else."""
    value = str(value or "").strip()
    # isascii: "²".isdigit() is true, but int("²") fails.
    return int(value) if value.isascii() and value.isdigit() else None


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


class SecondFactorForm(forms.Form):
    """A code from the authenticator app (six digits) or, on the login step, a recovery code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}),
    )
