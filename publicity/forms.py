"""Forms of the publicity pages.

Everything a clerk can get wrong by typing is checked here, with a message on the
field, so that bad input re-renders the page with what was typed instead of reaching
a service. The services check again (and alone decide who may act); choice lists are
cut to what the user may choose by ``publicity.selectors`` and passed in by the view
(forms hold no queries of their own).
"""

from __future__ import annotations

import datetime
from functools import partial

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govcenter import limits
from govcenter.forms import Form, PlausibleDateField, choice_buttons, people_count_field, text_area
from govcenter.models import Area, User
from grids.models import Grid

from .files import leaflet_max_bytes, validate_leaflet
from .models import Assignment, Audience, Campaign, PublicityForm, Topic
from .services import CampaignData


def _today() -> datetime.date:
    return timezone.localdate()


def _date_widget(**attrs) -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date", **attrs}, format="%Y-%m-%d")


_note = partial(text_area, max_length=limits.NOTE)


class CampaignForm(Form):
    # A text field strips its value, so blanks alone are "required": the message says what to give.
    title = forms.CharField(
        label=_("Title"), max_length=200, error_messages={"required": _("Give the campaign a title.")}
    )
    topic = forms.ChoiceField(label=_("Topic"), choices=Topic.choices, widget=choice_buttons(Topic.choices))
    content = forms.CharField(
        label=_("Content"),
        max_length=limits.NARRATIVE,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What the grid teams tell people: key points, policies, phone numbers."),
        error_messages={"required": _("Write the content of the campaign.")},
    )
    audiences = forms.MultipleChoiceField(
        label=_("Target audience"), choices=Audience.choices, widget=choice_buttons(Audience.choices, multiple=True)
    )
    allowed_forms = forms.MultipleChoiceField(
        label=_("Forms of activity"),
        choices=PublicityForm.choices,
        widget=choice_buttons(PublicityForm.choices, multiple=True),
    )
    starts_on = PlausibleDateField(label=_("Start date"), allow_future=True)
    ends_on = PlausibleDateField(label=_("End date"), allow_future=True)
    leaflet = forms.FileField(
        label=_("Leaflet"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}),
    )
    remove_leaflet = forms.BooleanField(label=_("Remove the current leaflet"), required=False)

    def __init__(self, *args, campaign: Campaign | None = None, **kwargs):
        if campaign is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "title": campaign.title,
                "topic": campaign.topic,
                "content": campaign.content,
                "audiences": campaign.audiences,
                "allowed_forms": campaign.allowed_forms,
                "starts_on": campaign.starts_on,
                "ends_on": campaign.ends_on,
            }
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.fields["leaflet"].help_text = _("PDF, JPG or PNG, up to %(mb)s MB.") % {
            "mb": f"{leaflet_max_bytes() / (1024 * 1024):g}"
        }
        if campaign is None or not campaign.leaflet:
            del self.fields["remove_leaflet"]

    def clean_leaflet(self):
        upload = self.cleaned_data.get("leaflet")
        # The re-encoded copy of an image: the service stores it without decoding it again.
        return validate_leaflet(upload) if upload else upload

    def clean(self):
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The end date cannot be before the start date."))
        return data

    def campaign_data(self) -> CampaignData:
        d = self.cleaned_data
        return CampaignData(
            title=d["title"],
            topic=d["topic"],
            content=d["content"],
            starts_on=d["starts_on"],
            ends_on=d["ends_on"],
            audiences=list(d["audiences"]),
            allowed_forms=list(d["allowed_forms"]),
        )


class NoteForm(Form):
    note = _note(_("Note"))


class ReturnForm(Form):
    note = _note(_("What should be changed"), required=True, rows=3)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].error_messages["required"] = _("Say what should be changed.")

    def clean_note(self):
        value = self.cleaned_data["note"].strip()
        if not value:
            raise ValidationError(_("Say what should be changed."), code="required")
        return value


class AreaChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Area) -> str:
        return obj.name


class DistributeForm(Form):
    """Townships (every village of each) and single villages of the campaign's district."""

    townships = AreaChoiceField(
        label=_("Whole townships"),
        queryset=Area.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    villages = AreaChoiceField(
        label=_("Single villages"),
        queryset=Area.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, campaign: Campaign, townships: QuerySet[Area], villages: QuerySet[Area], **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.fields["townships"].queryset = townships
        self.fields["villages"].queryset = villages

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("townships") and not data.get("villages"):
            raise ValidationError(_("Choose at least one township or village."), code="required")
        return data

    def areas(self) -> list[Area]:
        return [*self.cleaned_data.get("townships", []), *self.cleaned_data.get("villages", [])]


class GridChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Grid) -> str:
        return obj.name


class HandOutForm(Form):
    """Some of ``grids`` (those of the village that have not had the campaign yet), and a due date."""

    grids = GridChoiceField(label=_("Grids"), queryset=Grid.objects.none(), widget=forms.CheckboxSelectMultiple)
    due_on = PlausibleDateField(label=_("Due on"), allow_future=True)

    def __init__(self, *args, campaign: Campaign, grids: QuerySet[Grid], **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.fields["grids"].queryset = grids
        self.fields["grids"].error_messages["required"] = _("Choose at least one grid.")
        today = _today()
        self.fields["due_on"].initial = max(campaign.ends_on, today)
        self.fields["due_on"].widget.attrs.update(
            {"min": max(today, campaign.starts_on).isoformat(), "max": campaign.ends_on.isoformat()}
        )
        if not self.is_bound:
            self.initial.setdefault("grids", list(self.fields["grids"].queryset.values_list("pk", flat=True)))

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        c = self.campaign
        if due_on < _today():
            raise ValidationError(_("The due date cannot be in the past."), code="past")
        if not c.starts_on <= due_on <= c.ends_on:
            raise ValidationError(
                _("The due date must fall within the campaign period (%(start)s to %(end)s).")
                % {"start": c.starts_on, "end": c.ends_on},
                code="period",
            )
        return due_on


class CompleteForm(Form):
    note = _note(_("Summary (optional)"))


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by the sentiment log's photo rules."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png", "multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class ActivityForm(Form):
    """One activity of a grid team: what the people's-sentiment log of kind publicity records."""

    form = forms.ChoiceField(
        label=_("Form"), choices=PublicityForm.choices, widget=choice_buttons(PublicityForm.choices)
    )
    held_on = PlausibleDateField(label=_("Date"))
    held_time = forms.TimeField(
        label=_("Time"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    place = forms.CharField(
        label=_("Place"),
        max_length=200,
        required=False,  # but for door-to-door publicity, which has no single place (clean)
        help_text=_("Not needed for door-to-door publicity."),
    )
    participants = people_count_field(
        _("Participants"), negative_message=_("The number of participants cannot be negative.")
    )
    households = people_count_field(
        _("Households reached"), negative_message=_("The number of households reached cannot be negative.")
    )
    matter = forms.CharField(
        label=_("What was done"),
        required=False,
        max_length=limits.REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional: leaflets handed out, questions people asked, who helped."),
    )
    accompanied_by = forms.ModelChoiceField(
        label=_("Accompanied by"), queryset=User.objects.none(), required=False, empty_label=_("Nobody")
    )
    photos = MultipleFileField(label=_("Photos"), required=False, help_text=_("JPG or PNG, up to 6."))

    def __init__(self, *args, assignment: Assignment, companions: QuerySet[User], **kwargs):
        super().__init__(*args, **kwargs)
        self.assignment = assignment
        campaign = assignment.campaign
        self.campaign = campaign
        allowed = [(v, label) for v, label in PublicityForm.choices if v in campaign.allowed_forms]
        self.fields["form"].choices = allowed
        self.fields["form"].widget.choices = allowed
        if len(allowed) == 1:
            self.fields["form"].initial = allowed[0][0]
        today = _today()
        self.fields["held_on"].initial = today
        self.fields["held_on"].widget.attrs.update({"max": today.isoformat(), "min": campaign.starts_on.isoformat()})
        self.fields["held_time"].initial = timezone.localtime().strftime("%H:%M")
        self.fields["accompanied_by"].queryset = companions
        self.fields["accompanied_by"].widget.attrs["class"] = "form-select"

    def clean_held_on(self):
        held_on = self.cleaned_data["held_on"]
        if held_on < self.campaign.starts_on:
            raise ValidationError(
                _("The campaign starts on %(date)s; the activity cannot be earlier.")
                % {"date": self.campaign.starts_on},
                code="before_start",
            )
        return held_on

    def clean(self):
        data = super().clean()
        held_on = data.get("held_on")
        if held_on is not None:
            now = timezone.localtime()
            held_time = data.get("held_time") or (now.time() if held_on == now.date() else datetime.time(10, 0))
            held_at = timezone.make_aware(datetime.datetime.combine(held_on, held_time))
            if held_at > now + datetime.timedelta(minutes=10):
                self.add_error("held_time", _("The time cannot be in the future."))
            data["held_at"] = held_at
        if not data.get("place") and data.get("form") and data["form"] != PublicityForm.DOOR_TO_DOOR:
            self.add_error("place", _("Say where the activity took place."))
        return data
