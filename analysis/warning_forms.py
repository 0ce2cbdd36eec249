"""The forms of a warning's steps (acknowledge, dispose, link its cases, close)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from govcenter import limits
from govcenter.forms import Form

from .models import Warning


class AcknowledgeForm(Form):
    note = forms.CharField(
        label=_("Note (optional)"), max_length=limits.REASON, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DisposeForm(Form):
    """研判处置: a lead handler (one of the centres' staff), joint mediation, notify the police,
    or no action with a reason."""

    disposal = forms.ChoiceField(
        label=_("Disposal"),
        choices=Warning.Disposal.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a disposal."), "invalid_choice": _("Choose a disposal.")},
    )
    handler = forms.ModelChoiceField(
        label=_("Lead handler"),
        queryset=None,
        required=False,
        error_messages={"invalid_choice": _("Choose the lead handler.")},
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=limits.REASON,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required for no action: say why."),
    )

    def __init__(self, *args, handlers=None, **kwargs):
        super().__init__(*args, **kwargs)
        from govcenter.models import User

        self.fields["handler"].queryset = handlers if handlers is not None else User.objects.none()
        self.fields["handler"].label_from_instance = lambda u: u.display_name

    def clean(self):
        data = super().clean()
        disposal = data.get("disposal")
        if disposal == Warning.Disposal.LEAD_HANDLER and not data.get("handler"):
            self.add_error("handler", _("Choose the lead handler."))
        if disposal == Warning.Disposal.NO_ACTION and not (data.get("note") or "").strip():
            self.add_error("note", _("Say why no action is needed."))
        return data


class LinkCasesForm(AcknowledgeForm):
    """The acknowledgement's optional note, saying what the step links."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].help_text = _(
            "Every case of this warning you may link is linked with the others; each case shows them."
        )


class CloseForm(Form):
    note = forms.CharField(
        label=_("How it was dealt with"),
        max_length=limits.REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say how the warning was dealt with.")},
    )
