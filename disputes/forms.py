"""Forms for registering a dispute and for every step of its handling.

Everything a clerk can get wrong by typing is checked here, with a message on the
field, so that bad input re-renders the page with what was typed instead of reaching
a service. The services check again (and alone decide who may act); the forms only
spare the user a round trip. Choice lists are cut to the user's jurisdiction; a step
form's choices (handlers, departments, places) come from ``selectors`` through the
table of steps (``views.FLOW``), not from the form.
"""

from __future__ import annotations

import datetime
import re
from functools import partial

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govcenter import feedback, identity, limits, pii
from govcenter.forms import (
    CHOOSE_LABEL,
    Form,
    PlausibleDateField,
    choice_buttons,
    parse_pk,
    police_verdict_field,
    text_area,
)
from govcenter.jurisdiction import is_admin
from govcenter.models import Area, Department, PoliceStation, User
from govcenter.urgent import urgent_reason_field
from grids.models import Grid, Resident
from grids.selectors import residents_visible_to

from . import rules
from .files import validate_upload
from .models import Attachment, CourtReferral, Dispute, FollowUp, Level, MediationRecord, Party
from .selectors import grids_for, station_villages, townships_for, villages_for

Role = User.Role

# --- shared pieces ------------------------------------------------------------------

# A landline with its area code (0571-88888888): many rural parties have one instead of a mobile.
_LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def _today() -> datetime.date:
    return timezone.localdate()


def _date_field(label, *, future_message) -> PlausibleDateField:
    """The date of something that happened: not before the portal's records, not in the future."""
    return PlausibleDateField(label=label, future_message=future_message)


# The step forms' text areas: three rows, and required unless said otherwise.
_text = partial(text_area, rows=3, required=True)


class _StepForm(Form):
    """A form of one step on the detail page. Field names are plain ("reason", "result"),
    so that a step is easy to post from a script; each form's element ids carry its own
    ``id_prefix`` so that several forms sit on one page without clashing ids."""

    id_prefix = "step"

    def __init__(self, *args, dispute: Dispute, user: User | None = None, **kwargs):
        kwargs.setdefault("auto_id", f"id_{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)
        self.dispute = dispute
        self.user = user
        for field in self.fields.values():
            if isinstance(field.widget, forms.DateInput):
                field.widget.attrs["max"] = _today().isoformat()
            elif isinstance(field.widget, forms.RadioSelect):  # CheckboxSelectMultiple included
                # Thumb-sized toggle buttons (templates/_choice_buttons.html), not 16-px radios.
                field.widget.attrs["class"] = "btn-check"


class _CascadingPlaces:
    """A form whose village and grid choices follow the township and village chosen above
    them (the registration and diversion forms)."""

    def _chosen(self, name: str, queryset):
        """The object currently chosen in field ``name`` (submitted or initial), if allowed."""
        raw = self.data.get(self.add_prefix(name)) if self.is_bound else self.initial.get(name)
        pk = parse_pk(getattr(raw, "pk", raw))
        return queryset.filter(pk=pk).first() if pk else None

    def _cascade(self) -> None:
        """Style the place selects and let them reload (``cascade_places``)."""
        for name in ("township", "village", "grid"):
            if name in self.fields:
                self.fields[name].widget.attrs["class"] = "form-select"
        cascade_places(self)


# --- registration ----------------------------------------------------------------------


class RegisterForm(_CascadingPlaces, Form):
    """The facts of a new dispute; the parties come in ``PartyFormSet`` beside it.

    Where it is depends on who registers: a grid worker picks one of their grids; a
    village clerk may name a grid of their village; township staff may name a village
    (and grid) of their township; district staff may name a township, village and grid
    of the district, or nothing (a hotline item handled at district level).
    """

    source = forms.ChoiceField(
        label=_("Source"), choices=Dispute.Source.choices, widget=choice_buttons(Dispute.Source.choices)
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=Dispute.Category.choices, widget=choice_buttons(Dispute.Category.choices)
    )
    risk_level = forms.ChoiceField(
        label=_("Risk level"),
        choices=Dispute.RiskLevel.choices,
        widget=choice_buttons(Dispute.RiskLevel.choices),
        initial=Dispute.RiskLevel.GENERAL,
    )
    risk_criminal = forms.BooleanField(label=_("Risk of turning criminal"), required=False)
    risk_mass_incident = forms.BooleanField(label=_("Risk of a mass incident"), required=False)
    vulnerable_party = forms.BooleanField(label=_("Vulnerable party involved"), required=False)
    people_involved = forms.IntegerField(
        label=_("People involved"),
        required=False,
        min_value=1,
        max_value=100000,
        help_text=_("Number of people on the applicant side, e.g. the workers owed wages."),
        error_messages={"invalid": _("Enter the number of people as a whole number, e.g. 12.")},
    )
    urgent_reason = urgent_reason_field()
    summary = forms.CharField(
        label=_("Summary"),
        max_length=200,
        help_text=_("One line, e.g. 'Boundary of two plots behind house 12'."),
        error_messages={"required": _("Write a one-line summary.")},
    )
    description = _text(
        _("What happened"),
        max_length=limits.NARRATIVE,
        rows=4,
        error_messages={"required": _("Describe what happened.")},
    )
    occurred_on = _date_field(
        _("Date it arose"), future_message=_("The date the dispute arose cannot be in the future.")
    )
    location = forms.CharField(label=_("Place"), max_length=200, required=False)
    township = forms.ModelChoiceField(label=_("Township"), queryset=Area.objects.none(), required=False)
    village = forms.ModelChoiceField(label=_("Village"), queryset=Area.objects.none(), required=False)
    grid = forms.ModelChoiceField(label=_("Grid"), queryset=Grid.objects.none(), required=False)
    source_reference = forms.CharField(
        label=_("Source reference"), max_length=50, required=False, help_text=_("e.g. the 12345 work-order number")
    )
    # The police's 110 calls (removed from the form for everyone else).
    alarm_number = forms.CharField(
        label=_("Alarm receipt number (接警单号)"),
        max_length=50,
        error_messages={"required": _("Enter the alarm receipt number (接警单号).")},
    )
    alarm_at = forms.DateTimeField(
        label=_("Alarm received at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        error_messages={"required": _("Enter when the alarm was received.")},
    )

    # The place fields each role fills in; the others are removed from the form.
    PLACE_FIELDS = {
        Role.GRID_WORKER: ("grid",),
        Role.VILLAGE_CLERK: ("grid",),
        Role.TOWNSHIP_STAFF: ("village", "grid"),
        Role.DISTRICT_STAFF: ("township", "village", "grid"),
        Role.STATION_STAFF: ("village", "grid"),
        Role.COMMUNITY_POLICE: ("village", "grid"),
    }
    DEFAULT_SOURCE = {
        Role.GRID_WORKER: Dispute.Source.GRID_INSPECTION,
        Role.VILLAGE_CLERK: Dispute.Source.WALK_IN,
        Role.TOWNSHIP_STAFF: Dispute.Source.WALK_IN,
        Role.DISTRICT_STAFF: Dispute.Source.HOTLINE_12345,
        Role.STATION_STAFF: Dispute.Source.POLICE_110,
        Role.COMMUNITY_POLICE: Dispute.Source.POLICE_110,
    }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        admin = is_admin(user)
        places = ("township", "village", "grid") if admin else self.PLACE_FIELDS.get(user.role, ())
        for name in ("township", "village", "grid"):
            if name not in places:
                del self.fields[name]
        self.fields["source"].initial = self.DEFAULT_SOURCE.get(user.role, Dispute.Source.WALK_IN)
        self.fields["occurred_on"].initial = _today
        self.fields["occurred_on"].widget.attrs["max"] = _today().isoformat()
        self.fields["summary"].widget.attrs["autocomplete"] = "off"
        self.police = not admin and user.role in rules.POLICE_REGISTERING_ROLES
        if self.police:
            # The police register 110 calls, in a village their station covers.
            police_110 = Dispute.Source.POLICE_110
            self.fields["source"].choices = [(police_110, Dispute.Source(police_110).label)]
            self.fields["source"].widget = choice_buttons(self.fields["source"].choices)
            self.fields["village"].required = True
            self.fields["alarm_at"].widget.attrs["max"] = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
        else:
            del self.fields["alarm_number"]
            del self.fields["alarm_at"]

        # Choices the page shows are cut to what is chosen above them (htmx reloads them on
        # change, see views.place_options); validating against the cut list is also what
        # keeps a grid inside the chosen village and a village inside the chosen township.
        township = village = None
        if "township" in self.fields:
            self.fields["township"].queryset = townships_for(user)
            township = self._chosen("township", self.fields["township"].queryset)
        if "village" in self.fields:
            self.fields["village"].queryset = (
                station_villages(user) if self.police else villages_for(user, township=township)
            )
            village = self._chosen("village", self.fields["village"].queryset)
        if "grid" in self.fields:
            grids = grids_for(user, village=village, township=township)
            if self.police:
                grids = grids.filter(village=village) if village else grids.none()
            self.fields["grid"].queryset = grids
            if user.role == Role.GRID_WORKER and not admin:
                self.fields["grid"].required = True
                self.fields["grid"].empty_label = None if len(grids) == 1 else CHOOSE_LABEL
                if len(grids) == 1:
                    self.fields["grid"].initial = grids[0].pk
        self._cascade()

    def place_kwargs(self) -> dict:
        """The grid / village / township arguments of ``dispute_register`` for this user."""
        data = self.cleaned_data
        user = self.user
        kwargs = {"grid": data.get("grid"), "village": data.get("village"), "township": data.get("township")}
        if not is_admin(user):
            if user.role == Role.VILLAGE_CLERK:
                kwargs["village"] = user.area
            elif user.role == Role.TOWNSHIP_STAFF:
                kwargs["township"] = user.area
        return kwargs

    def alarm_kwargs(self) -> dict:
        """The alarm receipt of a 110 call the police register (``dispute_register``)."""
        if "alarm_number" not in self.fields:
            return {}
        return {"alarm_number": self.cleaned_data["alarm_number"], "alarm_at": self.cleaned_data["alarm_at"]}


def cascade_places(form) -> None:
    """Let the village and grid selects of ``form`` reload their options (htmx, see
    ``views.place_options``) when the township or village above them changes."""
    url = reverse("disputes:place_options")
    fields = form.fields

    def ref(name: str) -> str:
        return f"#{form[name].auto_id}"

    if "village" in fields and "township" in fields:
        fields["village"].widget.attrs.update(
            {
                "hx-get": f"{url}?field=village",
                "hx-trigger": f"change from:{ref('township')}",
                "hx-include": ref("township"),
            }
        )
    if "grid" in fields and "village" in fields:
        above = ", ".join(ref(n) for n in ("township", "village") if n in fields)
        fields["grid"].widget.attrs.update(
            {
                "hx-get": f"{url}?field=grid",
                "hx-trigger": f"change from:{ref('village')}, htmx:afterSwap from:{ref('village')}",
                "hx-include": above,
            }
        )


class PartyForm(Form):
    role = forms.ChoiceField(label=_("Role"), choices=Party.Role.choices)
    kind = forms.ChoiceField(label=_("Kind"), choices=Party.Kind.choices, initial=Party.Kind.PERSON)
    name = forms.CharField(label=_("Name"), max_length=100, error_messages={"required": _("Enter the name.")})
    id_number = forms.CharField(
        label=_("ID number"), max_length=30, required=False, help_text=_("Optional; people only.")
    )
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=40,
        required=False,
        help_text=_("Optional; organisations only. 18 characters, on the business licence."),
    )
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    resident = forms.ModelChoiceField(queryset=Resident.objects.none(), required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resident"].queryset = residents_visible_to(user)
        for name in ("role", "kind"):
            self.fields[name].widget.attrs["class"] = "form-select"
        self.fields["id_number"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false", "maxlength": 18})
        self.fields["credit_code"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})

    def clean_id_number(self):
        value = self.cleaned_data["id_number"]
        return pii.validate_id_number(value) if value.strip() else ""

    def clean_credit_code(self):
        value = self.cleaned_data["credit_code"]
        return identity.validate_credit_code(value) if value.strip() else ""

    def clean_phone(self):
        value = self.cleaned_data["phone"].strip()
        if not value:
            return ""
        if _LANDLINE_RE.match(value.replace(" ", "")):
            return value.replace(" ", "")
        return pii.validate_mobile(value)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == Party.Kind.ORGANISATION and cleaned.get("id_number"):
            self.add_error("id_number", _("An organisation has no ID number; leave it empty."))
        if cleaned.get("kind") == Party.Kind.PERSON and cleaned.get("credit_code"):
            self.add_error(
                "credit_code", _("A person has no unified social credit code; choose Organisation or leave it empty.")
            )
        return cleaned


class BasePartyFormSet(forms.BaseFormSet):
    # The first row is the applicant, the second the respondent; more rows can be added.
    DEFAULT_ROLES = (Party.Role.APPLICANT, Party.Role.RESPONDENT)

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        kwargs["user"] = self.user
        if index is not None and index < len(self.DEFAULT_ROLES):
            kwargs["initial"] = {"role": self.DEFAULT_ROLES[index], "kind": Party.Kind.PERSON}
        else:
            kwargs["initial"] = {"role": Party.Role.OTHER, "kind": Party.Kind.PERSON}
        return kwargs

    def filled(self) -> list[dict]:
        return [f.cleaned_data for f in self.forms if f.cleaned_data and f.cleaned_data.get("name")]

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not any(p["role"] == Party.Role.APPLICANT for p in self.filled()):
            raise ValidationError(_("A dispute needs at least one applicant."), code="no_applicant")


PartyFormSet = forms.formset_factory(PartyForm, formset=BasePartyFormSet, extra=2, max_num=20, validate_max=True)


# --- steps ------------------------------------------------------------------------------


class AcceptForm(_StepForm):
    id_prefix = "accept"
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class AssignHandlerForm(_StepForm):
    id_prefix = "assign"
    handler = forms.ModelChoiceField(label=_("Handler"), queryset=User.objects.none())

    def __init__(self, *args, handlers, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["handler"]
        field.queryset = handlers
        field.label_from_instance = lambda u: f"{u.display_name} · {u.get_role_display()}"
        field.initial = self.dispute.handler_id


class MediationForm(_StepForm):
    id_prefix = "mediation"
    held_on = _date_field(_("Date"), future_message=_("The mediation date cannot be in the future."))
    method = forms.ChoiceField(label=_("Method"), choices=MediationRecord.Method.choices, widget=forms.RadioSelect)
    mediator_kinds = forms.MultipleChoiceField(
        label=_("Mediators present"),
        choices=MediationRecord.MediatorKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    mediators = forms.CharField(
        label=_("Mediators' names"), max_length=200, error_messages={"required": _("Name the mediators.")}
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=MediationRecord.Outcome.choices, widget=forms.RadioSelect)
    notes = _text(_("Record"), max_length=limits.NARRATIVE, required=False)
    agreement = forms.FileField(
        label=_("Mediation agreement"), required=False, help_text=_("PDF, JPG or PNG, up to 10 MB.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["held_on"].initial = _today
        self.fields["held_on"].widget.attrs["min"] = self.dispute.occurred_on.isoformat()
        if self.user is not None and rules.police_linkage_only(self.user, self.dispute):
            # Police record their part as police-mediation linkage (警调联动) only.
            linkage = MediationRecord.Method.POLICE_LINKAGE
            self.fields["method"].choices = [(linkage, MediationRecord.Method(linkage).label)]
            self.fields["method"].initial = linkage

    def clean_held_on(self):
        day = self.cleaned_data["held_on"]
        if day < self.dispute.occurred_on:
            raise ValidationError(
                _("The mediation date cannot be before the dispute arose (%(day)s).")
                % {"day": self.dispute.occurred_on.isoformat()},
                code="before_dispute",
            )
        return day

    def clean_agreement(self):
        upload = self.cleaned_data.get("agreement")
        return validate_upload(upload) if upload else None


class EscalateForm(_StepForm):
    id_prefix = "escalate"
    reason = _text(
        _("Reason"),
        max_length=limits.REASON,
        help_text=_("Why it cannot be resolved at this level."),
        error_messages={"required": _("Give the reason for escalating.")},
    )
    department = forms.ModelChoiceField(label=_("Functional department"), queryset=Department.objects.none())

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        if self.dispute.next_level() == Level.DEPARTMENT:
            # The district assigns (交办) the case to a department; it does not report up.
            self.fields["reason"].label = _("Instructions to the department")
            self.fields["reason"].help_text = _("What the department is to do; it returns its result to the district.")
            self.fields["reason"].error_messages["required"] = _("Say what the department is to do.")
            self.fields["department"].queryset = departments
            self.fields["department"].error_messages["required"] = _(
                "Choose the functional department that will handle it."
            )
        else:
            del self.fields["department"]


class AssignUnitForm(_StepForm):
    """The township centre assigns (交办) the case to one of its stations and institutes;
    ``units``: the township's active ones (``selectors.unit_choices``)."""

    id_prefix = "unit"
    unit = forms.ModelChoiceField(
        label=_("Station or institute"),
        queryset=Department.objects.none(),
        error_messages={"required": _("Choose the station or institute that will handle it.")},
    )
    note = _text(
        _("Instructions to the station or institute"),
        max_length=limits.REASON,
        help_text=_("What it is to do; it returns its result to the township centre."),
        error_messages={"required": _("Say what the station or institute is to do.")},
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["unit"].label_from_instance = lambda u: f"{u.name} · {u.get_kind_display()}"


class FeedbackForm(_StepForm):
    id_prefix = "feedback"
    result = _text(
        _("Handling result"),
        max_length=limits.REASON,
        help_text=_("Sent down to the level that escalated it, for confirmation."),
        error_messages={"required": _("Describe the result.")},
    )


class HandOverForm(_StepForm):
    """The police station hands a 110 dispute to mediation (警调联动)."""

    id_prefix = "handover"
    handed_to = forms.ChoiceField(
        label=_("Mediated by"),
        choices=Dispute.HandedTo.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose who mediates the dispute.")},
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class StationConfirmForm(_StepForm):
    id_prefix = "stationconfirm"
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class ConfirmForm(_StepForm):
    id_prefix = "confirm"
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class PartiesToldForm(_StepForm, feedback.PartiesToldForm):
    id_prefix = "told"


class RejectForm(_StepForm):
    id_prefix = "reject"
    reason = _text(
        _("Why the result does not settle the dispute"),
        max_length=limits.REASON,
        error_messages={"required": _("Say why the result does not settle the dispute.")},
    )


class ResolveForm(_StepForm):
    id_prefix = "resolve"
    result = _text(
        _("Result"), max_length=limits.REASON, rows=4, error_messages={"required": _("Describe the result.")}
    )
    agreement = forms.FileField(
        label=_("Mediation agreement"), required=False, help_text=_("PDF, JPG or PNG, up to 10 MB.")
    )

    def clean_agreement(self):
        upload = self.cleaned_data.get("agreement")
        return validate_upload(upload) if upload else None


class UnresolvedForm(_StepForm):
    id_prefix = "unresolved"
    referral = forms.ChoiceField(label=_("Referred to"), choices=Dispute.Referral.choices, widget=forms.RadioSelect)
    result = _text(
        _("Why it could not be resolved"),
        max_length=limits.REASON,
        error_messages={"required": _("Describe why it could not be resolved.")},
    )
    # A referral to litigation (诉调对接) names the court and the date; other referrals leave them empty.
    court = forms.CharField(
        label=_("Court"), max_length=100, required=False, help_text=_("For a referral to litigation.")
    )
    referred_on = PlausibleDateField(
        label=_("Referred to court on"),
        required=False,
        future_message=_("The referral date cannot be in the future."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["referred_on"].initial = _today

    def clean(self):
        data = super().clean()
        if data.get("referral") == Dispute.Referral.LITIGATION:
            if not (data.get("court") or "").strip():
                self.add_error("court", _("Name the court the parties were referred to."))
            day = data.get("referred_on")
            if day is None and "referred_on" not in self.errors:
                self.add_error("referred_on", _("Give the date of the referral to court."))
            elif day is not None and day < self.dispute.occurred_on:
                self.add_error("referred_on", _("The referral date cannot be before the dispute arose."))
        else:
            data["court"], data["referred_on"] = "", None
        return data


class CourtOutcomeForm(_StepForm):
    id_prefix = "court"
    outcome = forms.ChoiceField(
        label=_("Court outcome"), choices=CourtReferral.Outcome.choices, widget=forms.RadioSelect
    )
    decided_on = _date_field(_("Date of the outcome"), future_message=_("The date cannot be in the future."))
    note = forms.CharField(label=_("Note"), max_length=limits.REASON, required=False)


class TransferToPoliceForm(_StepForm):
    id_prefix = "transfer"
    station = forms.ModelChoiceField(
        label=_("Police station"),
        queryset=PoliceStation.objects.none(),
        error_messages={"required": _("Choose the police station.")},
    )
    reason = _text(
        _("Why the police take it over"),
        max_length=limits.REASON,
        help_text=_("The facts that make it a criminal matter. The mediation side closes with this transfer."),
        error_messages={"required": _("Say why the dispute goes to the police.")},
    )

    def __init__(self, *args, stations, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["station"]
        field.queryset = stations
        if len(stations) == 1:
            field.initial, field.empty_label = stations[0].pk, None


class AcknowledgeTransferForm(_StepForm):
    id_prefix = "acknowledge"
    case_number = forms.CharField(
        label=_("Station case number (受案/立案编号)"),
        max_length=50,
        error_messages={"required": _("Give the station's case number.")},
    )
    case_registered_on = _date_field(
        _("Registered by the station on"), future_message=_("The date cannot be in the future.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case_registered_on"].initial = _today


class FollowUpForm(_StepForm):
    visited_on = _date_field(_("Visited on"), future_message=_("The visit date cannot be in the future."))
    finding = forms.ChoiceField(label=_("Finding"), choices=FollowUp.Finding.choices, widget=forms.RadioSelect)
    notes = _text(_("Notes"), max_length=limits.NOTE, required=False)

    def __init__(self, *args, follow_up: FollowUp, **kwargs):
        self.id_prefix = f"followup{follow_up.pk}"
        super().__init__(*args, **kwargs)
        self.follow_up = follow_up
        self.fields["visited_on"].initial = _today
        resolved = self.resolved_on
        if resolved:
            self.fields["visited_on"].widget.attrs["min"] = resolved.isoformat()

    @property
    def resolved_on(self) -> datetime.date | None:
        at = self.dispute.resolved_at
        return timezone.localtime(at).date() if at else None

    def clean_visited_on(self):
        day = self.cleaned_data["visited_on"]
        resolved = self.resolved_on
        if resolved and day < resolved:
            raise ValidationError(
                _("The visit date cannot be before the dispute was resolved (%(day)s).")
                % {"day": resolved.isoformat()},
                code="before_resolution",
            )
        return day


class PoliceReviewForm(_StepForm):
    id_prefix = "police"
    verdict = police_verdict_field()
    opinion = _text(
        _("Police opinion"), max_length=limits.REASON, rows=4, error_messages={"required": _("Write the opinion.")}
    )
    flags_criminal_risk = forms.BooleanField(label=_("Risk of turning criminal (民转刑)"), required=False)
    flags_mass_incident = forms.BooleanField(label=_("Risk of a mass incident"), required=False)


class DivertForm(_CascadingPlaces, _StepForm):
    """District staff send a district-level item down to a township, or a village and grid."""

    id_prefix = "divert"
    township = forms.ModelChoiceField(label=_("Township"), queryset=Area.objects.none())
    village = forms.ModelChoiceField(label=_("Village"), queryset=Area.objects.none(), required=False)
    grid = forms.ModelChoiceField(label=_("Grid"), queryset=Grid.objects.none(), required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, townships, villages, grids, **kwargs):
        """``townships``, ``villages`` and ``grids`` of the dispute's district
        (``selectors.district_places``); villages and grids are cut to the choice above."""
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = townships
        township = self._chosen("township", townships)
        villages = villages.filter(path__startswith=township.path) if township else villages.none()
        self.fields["village"].queryset = villages
        village = self._chosen("village", villages)
        self.fields["grid"].queryset = grids.filter(village=village) if village else grids.none()
        self._cascade()


class AttachmentForm(_StepForm):
    id_prefix = "attach"
    kind = forms.ChoiceField(label=_("Kind"), choices=Attachment.Kind.choices, initial=Attachment.Kind.PHOTO)
    file = forms.FileField(label=_("File"), help_text=_("PDF, JPG or PNG, up to 10 MB."))

    def clean_file(self):
        return validate_upload(self.cleaned_data["file"])


# --- linked cases (关联) and merged cases (并案) ------------------------------------------------


class LinkNoteForm(_StepForm):
    """Unlink, unmerge: a note only."""

    id_prefix = "link"
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class MergeForm(_StepForm):
    """Merge (并案) chosen linked cases into this one, the lead."""

    id_prefix = "merge"
    others = forms.ModelMultipleChoiceField(
        label=_("Linked disputes to merge into this one"),
        queryset=Dispute.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("From now on this dispute's steps and result apply to them too."),
        error_messages={"required": _("Choose the linked disputes to merge into this one.")},
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, mergeable, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["others"]
        field.queryset = mergeable
        field.label_from_instance = lambda d: f"{d.number} · {d.summary}"


class LinkForm(Form):
    """The link picker's note. The ticked disputes come as ``disputes`` ids, which the view
    looks up in the user's jurisdiction (404 outside it), as every dispute is looked up."""

    note = forms.CharField(label=_("Note"), max_length=500, required=False)
