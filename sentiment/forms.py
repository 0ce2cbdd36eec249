"""Forms for filing a log from a phone and for each step of the reporting flow.

The filing form is built for a thumb: kinds, categories, next steps and the grid are
radio groups drawn as big toggle buttons; today's date, the time and the worker's grid
are preset; the resident is picked from search results; only the matter is typed.
Input a user can get wrong is checked here with a message on the field; the services
check again (and alone decide who may act). Choice lists are cut to the user's
jurisdiction; a step form's choices (handlers, departments) come from the selectors
through the table of steps (``views.FLOW``), not from the form.
"""

from __future__ import annotations

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.models import Dispute, RiskLevel
from govcenter import feedback, limits
from govcenter.forms import (
    EARLIEST_DATE,
    LATEST_DATE,
    Form,
    PlausibleDateField,
    choice_buttons,
    parse_pk,
    people_count_field,
    police_verdict_field,
    text_area,
)
from govcenter.models import User
from govcenter.urgent import urgent_reason_field
from grids.models import Grid, Resident

from .models import AgencyMatter, Log
from .photos import MAX_PHOTOS, check_photo
from .services import DEFAULT_AGENCY_DAYS


def _result() -> forms.CharField:
    """The result of handling a matter: of a log fed back, or of an agency matter completed."""
    return text_area(
        _("Result"),
        max_length=limits.REASON,
        rows=3,
        required=True,
        error_messages={"required": _("Describe the result.")},
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one input; each is checked by its first bytes and size, and cleaned to
    its re-encoded copy."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png", "class": "form-control"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(files) > MAX_PHOTOS:
            raise ValidationError(_("At most %(n)d photos.") % {"n": MAX_PHOTOS}, code="too_many")
        # The re-encoded copies: the service stores them without decoding them again.
        return [check_photo(super(PhotosField, self).clean(f, initial)) for f in files]


def _local_now() -> datetime.datetime:
    return timezone.localtime()


class LogForm(Form):
    """The filing form. ``grids``: the grids the worker serves (``selectors.filing_grids``);
    ``police``: the police of those grids (``grids.selectors.police_of_grids``), who may accompany."""

    grid = forms.ModelChoiceField(
        queryset=None,
        label=_("Grid"),
        widget=choice_buttons(),
        empty_label=None,
        error_messages={"invalid_choice": _("Choose one of your grids.")},
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Log.Kind.choices, widget=choice_buttons(), initial=Log.Kind.VISIT)
    category = forms.ChoiceField(
        label=_("Category"),
        choices=Log.Category.choices,
        widget=choice_buttons(),
        error_messages={"required": _("Tap a category.")},
    )
    resident = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label=_("Resident"),
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("Pick the resident from the search results of your grid.")},
    )
    visitor_name = forms.CharField(label=_("Visitor not registered in the grid"), max_length=50, required=False)
    matter = text_area(
        _("Matter"),
        max_length=limits.NARRATIVE,
        rows=3,
        required=True,
        error_messages={"required": _("Describe the matter: what the person asked or what you found.")},
    )
    next_step = forms.ChoiceField(
        label=_("Next step"), choices=Log.NextStep.choices, widget=choice_buttons(), initial=Log.NextStep.ANSWERED
    )
    result = text_area(_("Result"), max_length=limits.REASON)
    agency_type = forms.ChoiceField(
        label=_("Agency matter"), choices=AgencyMatter.Type.choices, widget=choice_buttons(), required=False
    )
    agency_due_on = PlausibleDateField(label=_("Due on"), required=False, allow_future=True)
    dispute_category = forms.ChoiceField(
        label=_("Dispute category"),
        required=False,
        choices=[("", _("As the category suggests")), *Dispute.Category.choices],
    )
    occurred_on = PlausibleDateField(label=_("Date"))
    occurred_time = forms.TimeField(label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    place = forms.CharField(
        label=_("Place"), max_length=200, required=False, help_text=_("Left empty: the resident's address.")
    )
    accompanied_by = forms.ModelChoiceField(
        queryset=None,
        label=_("Accompanied by"),
        required=False,
        widget=choice_buttons(),
        empty_label=_("Nobody"),
        blank=True,
    )
    policy_basis = forms.CharField(label=_("Policy basis"), max_length=300, required=False)
    publicity_form = forms.ChoiceField(
        label=_("Form of publicity"), required=False, widget=choice_buttons(), choices=Log.PublicityForm.choices
    )
    participants = people_count_field(_("Participants"), required=False)
    households_reached = people_count_field(_("Households reached"), required=False)
    photos = PhotosField(label=_("Photos"), required=False)
    client_token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=36)
    urgent_reason = urgent_reason_field()

    def __init__(self, *args, grids: QuerySet[Grid], police: QuerySet[User], **kwargs):
        super().__init__(*args, **kwargs)
        self.grids = list(grids)
        self.fields["grid"].queryset = grids
        self.fields["grid"].label_from_instance = lambda g: g.name
        self.fields["resident"].queryset = Resident.objects.filter(grid__in=[g.pk for g in self.grids])
        self.fields["accompanied_by"].queryset = police.order_by("role", "full_name", "username")
        self.fields["accompanied_by"].label_from_instance = lambda u: u.display_name
        now = _local_now()
        self.fields["occurred_on"].initial = now.date()
        self.fields["occurred_time"].initial = now.strftime("%H:%M")
        self.fields["agency_due_on"].initial = now.date() + datetime.timedelta(days=DEFAULT_AGENCY_DAYS)
        if self.grids:
            self.fields["grid"].initial = self.grids[0].pk
        self.fields["matter"].widget.attrs.update({"placeholder": _("What did the person ask, or what did you find?")})
        self.fields["visitor_name"].widget.attrs.update({"autocomplete": "off"})
        self.fields["place"].widget.attrs.update({"list": "recent-places"})  # the worker's recent places
        for field in self.fields.values():
            if isinstance(field.widget, forms.RadioSelect | forms.HiddenInput | forms.ClearableFileInput):
                continue
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def clean_urgent_reason(self) -> str:
        reason = self.cleaned_data["urgent_reason"]
        d = self.cleaned_data
        if reason and not (d.get("kind") == Log.Kind.INCIDENT and d.get("next_step") == Log.NextStep.REPORT):
            raise ValidationError(_("Only an incident report that is reported up can be marked urgent."))
        return reason

    @property
    def several_grids(self) -> bool:
        return len(self.grids) > 1

    def chosen_resident(self) -> Resident | None:
        """The resident to show as picked when the page is drawn again (bound form)."""
        if not self.is_bound:
            return None
        pk = parse_pk(self.data.get("resident"))
        if pk is None:
            return None
        return self.fields["resident"].queryset.select_related("household").filter(pk=pk).first()

    def occurred_at(self) -> datetime.datetime:
        d = self.cleaned_data
        return timezone.make_aware(datetime.datetime.combine(d["occurred_on"], d["occurred_time"]))

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return dict(
            grid=d["grid"],
            occurred_at=self.occurred_at(),
            kind=d["kind"],
            category=d["category"],
            matter=d["matter"],
            next_step=d["next_step"],
            resident=d["resident"],
            visitor_name=d["visitor_name"],
            place=d["place"],
            policy_basis=d["policy_basis"],
            result=d["result"],
            accompanied_by=d["accompanied_by"],
            publicity_form=d["publicity_form"],
            participants=d["participants"],
            households_reached=d["households_reached"],
            agency_type=d["agency_type"],
            agency_due_on=d["agency_due_on"],
            dispute_category=d["dispute_category"],
            photos=d["photos"],
            client_token=d["client_token"],
            urgent_reason=d["urgent_reason"],
        )


# --- steps on the detail page -----------------------------------------------------------------


class _StepForm(Form):
    """A form of one step on the detail page (``views.FLOW`` prefixes its fields with the
    step's name, so that several sit on one page without clashing ids)."""

    def __init__(self, *args, log: Log, **kwargs):
        super().__init__(*args, **kwargs)
        self.log = log
        for field in self.fields.values():
            if isinstance(field.widget, forms.RadioSelect | forms.CheckboxInput | forms.ClearableFileInput):
                continue
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


class ReportUpForm(_StepForm):
    note = text_area(_("Why it goes up"), max_length=limits.REASON, rows=2)


class HandleHereForm(_StepForm):
    """``handlers``: whom the level may put in charge (``govcenter.levels.handler_choices``)."""

    handler = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label=_("Person in charge"),
        error_messages={"invalid_choice": _("Choose someone who works at this level.")},
    )
    note = text_area(_("Instructions"), max_length=limits.NOTE, rows=2)

    def __init__(self, *args, handlers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = handlers
        self.fields["handler"].label_from_instance = lambda u: f"{u.display_name} · {u.get_role_display()}"


class AssignDepartmentForm(_StepForm):
    """``departments``: the active departments of the log's district (``selectors.department_choices``)."""

    department = forms.ModelChoiceField(queryset=None, label=_("Functional department"))
    note = text_area(_("Instructions"), max_length=limits.NOTE, rows=2)

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments


class AssignUnitForm(_StepForm):
    """``units``: the active stations and institutes of the log's township (``selectors.unit_choices``)."""

    unit = forms.ModelChoiceField(queryset=None, label=_("Station or institute"))
    note = text_area(_("Instructions"), max_length=limits.NOTE, rows=2)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["unit"].label_from_instance = lambda u: f"{u.name} · {u.get_kind_display()}"


class FeedBackForm(_StepForm):
    result = _result()


class PartiesToldForm(_StepForm, feedback.PartiesToldForm):
    pass


class ToDisputeForm(_StepForm):
    category = forms.ChoiceField(label=_("Dispute category"), choices=Dispute.Category.choices)
    summary = forms.CharField(label=_("Summary"), max_length=200)
    respondent_name = forms.CharField(label=_("Respondent (if known)"), max_length=100, required=False)
    risk_level = forms.ChoiceField(label=_("Risk level"), choices=RiskLevel.choices, initial=RiskLevel.GENERAL)

    def __init__(self, *args, **kwargs):
        from .services import dispute_category_for

        super().__init__(*args, **kwargs)
        self.fields["category"].initial = dispute_category_for(self.log)
        self.fields["summary"].initial = self.log.summary


class DeclineCosignForm(_StepForm):
    note = text_area(
        _("Why you cannot co-sign"),
        max_length=limits.REASON,
        rows=2,
        required=True,
        error_messages={"required": _("Say why you cannot co-sign this log.")},
    )


class PoliceOpinionForm(_StepForm):
    verdict = police_verdict_field()
    opinion = text_area(
        _("Police opinion"),
        max_length=limits.REASON,
        rows=4,
        required=True,
        error_messages={"required": _("Write the opinion.")},
    )


class PhotosForm(_StepForm):
    photos = PhotosField(label=_("Photos"), required=True)


class AgencyCompleteForm(Form):
    result = _result()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["result"].widget.attrs.update(
            {
                "class": "form-control",
                "placeholder": _("e.g. application accepted by the township, allowance from next month"),
            }
        )


class MonthForm(Form):
    month = forms.CharField(required=False, widget=forms.TextInput(attrs={"type": "month", "class": "form-control"}))

    def month_start(self) -> datetime.date:
        """The first day of the chosen month (this month if none, unreadable or outside the
        dates the portal accepts: 9999-12 has no following month to end it)."""
        today = timezone.localdate()
        value = (self.data.get("month") or "").strip() if self.is_bound else ""
        if re.fullmatch(r"[0-9]{4}-[0-9]{1,2}", value):
            year, month = (int(x) for x in value.split("-"))
            if 1 <= month <= 12 and EARLIEST_DATE.year <= year <= LATEST_DATE.year:
                return datetime.date(year, month, 1)
        return today.replace(day=1)
