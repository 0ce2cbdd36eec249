"""Forms for grids, teams, households and residents.

Choice lists are cut to the user's jurisdiction (``grids.selectors``) and every rule a
clerk can break by typing is checked here, with a message on the field, so that bad
input re-renders the form with what was typed instead of reaching the database.
Layouts are one column on phones and two on wider screens (crispy FormHelper).
Forms only validate and normalise: the writes are ``grids.services``' (the views pass
``cleaned_data`` to one service function).
"""

from __future__ import annotations

import re

from crispy_forms.bootstrap import InlineCheckboxes
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Layout, Row
from django import forms
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from govcenter import pii
from govcenter.forms import Form, ModelForm, PlausibleDateField, parse_pk
from govcenter.jurisdiction import can_reveal_id_numbers, scope_of
from govcenter.models import Area, User

from .models import CareTag, Grid, GridMembership, Household, Resident
from .selectors import grids_visible_to, households_visible_to, villages_visible_to
from .services import DUTY_FOR_ROLE

ROLE_FOR_DUTY = {duty: role for role, duty in DUTY_FOR_ROLE.items()}

# A landline with its area code (0571-88888888); households often have one instead of a mobile.
_LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


class ValidateOnly:
    """A ModelForm whose saving is a service's job: ``save()`` would skip what the service
    adds (the ID number's encryption, the care tags, the history's user, a lost race)."""

    def save(self, commit: bool = True):
        raise TypeError(f"{type(self).__name__} only validates; save through grids.services.")


def _helper(*layout) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False  # templates own the <form>, its buttons and the cancel link
    helper.disable_csrf = True
    if layout:
        helper.layout = Layout(*layout)
    return helper


def _half(*fields) -> Row:
    """Side by side from the md breakpoint up; stacked (one column) on phones."""
    return Row(*(Column(f, css_class="col-12 col-md-6") for f in fields))


def _reloads(name: str, target: str, *, url: str) -> Field:
    """A select whose change fetches ``url`` with the form's values and swaps in the
    ``target`` field from the answer (htmx, same page): its choices follow this one."""
    return Field(
        name,
        hx_get=url,
        hx_target=f"#div_id_{target}",
        hx_select=f"#div_id_{target}",
        hx_swap="outerHTML",
        hx_trigger="change",
    )


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class GridForm(ValidateOnly, ModelForm):
    """Create or edit a grid. The village must be one the user's centre covers whole;
    it is fixed once the grid exists (its households and residents carry it)."""

    class Meta:
        model = Grid
        fields = ["village", "code", "name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        scope = scope_of(user)
        village_field = self.fields["village"]
        # Whole villages only: scope.q without a grid path leaves out villages the user sees
        # only through a grid they serve.
        whole = scope.q(village="pk")
        if self.instance.pk:
            whole |= Q(pk=self.instance.village_id)  # the (disabled) current village always validates
        village_field.queryset = villages_visible_to(user).filter(whole).order_by("code")
        village_field.label_from_instance = lambda a: f"{a.name} ({a.code})"
        if self.instance.pk:
            village_field.disabled = True
            village_field.help_text = _("A grid stays in its village; its households and residents belong there.")
        self.fields["code"].widget.attrs.update(
            {"inputmode": "numeric", "maxlength": 15, "placeholder": "330102001001001"}
        )
        self.fields["code"].help_text = _(
            "15 digits: the village's 12-digit division code followed by a 3-digit grid number."
        )
        self.helper = _helper(_half("village", "code"), "name", "description")

    def clean_village(self):
        village = self.cleaned_data["village"]
        if not self.instance.pk and not scope_of(self.user).covers_village(village.pk):
            raise forms.ValidationError(_("You can add grids only in villages your centre covers."))
        return village

    def clean_code(self):
        return re.sub(r"\s+", "", self.cleaned_data["code"])

    def clean(self):
        cleaned = super().clean()
        village = cleaned.get("village")
        code = cleaned.get("code")
        if village and code:
            if not re.fullmatch(r"\d{15}", code) or not code.startswith(village.code):
                self.add_error(
                    "code",
                    _("The grid code is the village code %(village)s followed by 3 digits, e.g. %(village)s001.")
                    % {"village": village.code},
                )
        return cleaned


class MembershipForm(Form):
    """Add a person to a grid team. The person must hold the role that fits the duty."""

    duty = forms.ChoiceField(label=capfirst(_("duty")), choices=GridMembership.Duty.choices)
    user = forms.ModelChoiceField(label=capfirst(_("person")), queryset=User.objects.none())
    started_on = PlausibleDateField(
        label=capfirst(_("start date")), future_message=_("The start date cannot be in the future.")
    )
    note = forms.CharField(label=capfirst(_("note")), max_length=200, required=False)

    def __init__(self, *args, grid: Grid, **kwargs):
        super().__init__(*args, **kwargs)
        self.grid = grid
        self.fields["started_on"].initial = timezone.localdate
        duty = (self.data.get("duty") if self.is_bound else None) or self.initial.get("duty")
        if duty not in GridMembership.Duty.values:
            duty = GridMembership.Duty.GRID_WORKER
        self.fields["duty"].initial = duty
        self.fields["user"].queryset = self.candidates(grid, duty)
        self.fields["user"].label_from_instance = lambda u: f"{u.display_name} · {u.get_role_display()}"
        self.fields["user"].help_text = _(
            "Grid workers of this village and police officers of the station covering it, who are not in this team now."
        )
        self.helper = _helper(
            # Changing the duty reloads the list of people who can take it.
            _half(_reloads("duty", "user", url=reverse("grids:membership_add", args=[grid.pk])), "user"),
            _half("started_on", "note"),
        )

    @staticmethod
    def candidates(grid: Grid, duty: str | None):
        """Active users who may take a duty in this grid: grid workers whose home is the village
        (or an area above it), police of a station covering the village; not serving here now."""
        village = grid.village
        above = Area.objects.filter(
            path__in=[village.path[:i] for i in range(Area.steplen, len(village.path) + 1, Area.steplen)]
        )
        R = User.Role
        users = User.objects.filter(is_active=True).filter(
            Q(role=R.GRID_WORKER, area__in=above)
            | Q(role__in=[R.COMMUNITY_POLICE, R.AUXILIARY_POLICE], police_station__villages=village)
        )
        if duty in ROLE_FOR_DUTY:
            users = users.filter(role=ROLE_FOR_DUTY[duty])
        serving = GridMembership.objects.filter(grid=grid, ended_on__isnull=True).values("user")
        return users.exclude(pk__in=serving).distinct().order_by("role", "full_name", "username")

    def clean(self):
        cleaned = super().clean()
        user, duty = cleaned.get("user"), cleaned.get("duty")
        if user and duty and DUTY_FOR_ROLE.get(user.role) != duty:
            self.add_error(
                "user",
                _("%(person)s is a %(role)s and cannot serve as %(duty)s.")
                % {
                    "person": user.display_name,
                    "role": user.get_role_display(),
                    "duty": GridMembership.Duty(duty).label,
                },
            )
        return cleaned


class MembershipEndForm(Form):
    ended_on = PlausibleDateField(
        label=capfirst(_("end date")),
        future_message=_("The end date cannot be in the future."),
        help_text=_("An end date ends the membership on that day; the slot is free for someone else at once."),
    )

    def __init__(self, *args, membership: GridMembership, **kwargs):
        super().__init__(*args, **kwargs)
        self.membership = membership
        self.fields["ended_on"].initial = timezone.localdate
        self.helper = _helper("ended_on")

    def clean_ended_on(self):
        ended_on = self.cleaned_data["ended_on"]
        if ended_on < self.membership.started_on:
            raise forms.ValidationError(
                _("The end date cannot be before the start date (%(date)s).") % {"date": self.membership.started_on}
            )
        return ended_on


def clean_new_id_number(raw: str, *, resident: Resident) -> str:
    """An ID number typed for ``resident`` (on the portal's form or in admin): "" when left
    empty, else the valid number, refused when another resident holds it."""
    if not pii.normalize_id_number(raw):
        return ""
    value = pii.validate_id_number(raw)
    # Exact match through the keyed hash over all residents (not only the visible ones),
    # and a message that says nothing about where the other record is.
    if Resident.objects.filter(id_number_hash=pii.keyed_hash(value)).exclude(pk=resident.pk).exists():
        raise forms.ValidationError(_("A resident with this ID number is already registered."), code="duplicate")
    return value


def _clean_phone(value: str, *, landline_ok: bool = False) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    if landline_ok and _LANDLINE_RE.match(re.sub(r"\s+", "", value)):
        return re.sub(r"\s+", "", value)
    try:
        return pii.validate_mobile(value)
    except forms.ValidationError:
        if landline_ok:
            raise forms.ValidationError(
                _("Enter an 11-digit mobile number (13812345678) or a landline with its area code (0571-88888888).")
            ) from None
        raise


class HouseholdForm(ValidateOnly, ModelForm):
    """A household of one grid; the grid comes from the page, not from the form."""

    class Meta:
        model = Household
        fields = ["number", "head_name", "address", "phone", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, grid: Grid, **kwargs):
        super().__init__(*args, **kwargs)
        self.grid = grid
        self.instance.grid = grid
        self.fields["phone"].widget.attrs["inputmode"] = "tel"
        self.helper = _helper(_half("number", "head_name"), "address", "phone", "note")

    def clean_number(self):
        number = self.cleaned_data["number"].strip()
        # The (grid, number) constraint is not checked by the ModelForm because grid is not
        # a form field; check it here so a duplicate gets a message, not an IntegrityError.
        if Household.objects.filter(grid=self.grid, number=number).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("This grid already has a household with this number."))
        return number

    def clean_phone(self):
        return _clean_phone(self.cleaned_data.get("phone"), landline_ok=True)


class ResidentForm(ValidateOnly, ModelForm):
    """Register or update a resident.

    The ID number is a plain field, never filled from the database: on edit it stays
    empty (the masked number is in the help text) and an entered value replaces the
    stored one. Birth date and gender follow from the ID number when left empty and
    must agree with it when given. A user who may not reveal the resident's ID number
    does not get the stored birth date either (it is digits 7 to 14 of the number): the
    field starts empty, shows the age, and left empty keeps the stored date.
    """

    id_number = forms.CharField(label=capfirst(_("ID number")), max_length=25, required=False)

    class Meta:
        model = Resident
        fields = [
            "grid",
            "household",
            "relation",
            "name",
            "id_number",
            "gender",
            "birth_date",
            "ethnicity",
            "phone",
            "address",
            "care_tags",
            "note",
        ]
        widgets = {
            "birth_date": _date_widget(),
            "care_tags": forms.CheckboxSelectMultiple,
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        f = self.fields
        f["grid"].queryset = grids_visible_to(user).select_related("village").order_by("code")
        f["grid"].label_from_instance = lambda g: f"{g.name} ({g.village.name})"
        f["care_tags"].queryset = CareTag.objects.all()
        f["gender"].required = False
        f["gender"].help_text = _("Leave empty to take it from the ID number.")
        f["birth_date"].help_text = _("Leave empty to take it from the ID number.")
        self.hides_birth_date = bool(
            self.instance.pk
            and self.instance.birth_date
            and not can_reveal_id_numbers(user, village_id=self.instance.village_id)
        )
        if self.hides_birth_date:
            self.initial["birth_date"] = None
            f["birth_date"].help_text = _(
                "Not shown to you (age %(age)d). Leave empty to keep it; a date entered here replaces it."
            ) % {"age": self.instance.age()}
        f["phone"].widget.attrs["inputmode"] = "tel"
        f["id_number"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false", "maxlength": 25})
        if self.instance.pk and self.instance.has_id_number:
            f["id_number"].help_text = _(
                "Leave empty to keep the current number (shown masked: %(masked)s); a number entered here replaces it."
            ) % {"masked": self.instance.id_number_masked}
        else:
            f["id_number"].help_text = _("18 characters, as on the identity card.")
        self._limit_households()
        self.helper = _helper(
            # Changing the grid reloads the household list for that grid.
            _half(_reloads("grid", "household", url=reverse("grids:resident_create")), "household"),
            _half("name", "relation"),
            _half("id_number", "phone"),
            _half("gender", "birth_date"),
            _half("ethnicity", "address"),
            InlineCheckboxes("care_tags"),
            "note",
        )

    def _limit_households(self) -> None:
        """Offer the households of the chosen grid only (a district sees 100,000 of them).

        The chosen grid comes from the submitted data, the initial value or the resident;
        a submitted household stays in the list so that ``clean`` can name the mismatch.
        """
        visible = households_visible_to(self.user).select_related("grid")
        if self.is_bound:
            grid_id = parse_pk(self.data.get(self.add_prefix("grid")))
            keep = Q(pk=parse_pk(self.data.get(self.add_prefix("household"))) or 0)
        else:
            grid = self.initial.get("grid") or (self.instance.grid_id if self.instance.pk else None)
            grid_id = parse_pk(getattr(grid, "pk", grid))
            keep = Q(pk=self.instance.household_id or 0)
        field = self.fields["household"]
        field.queryset = visible.filter(Q(grid_id=grid_id or 0) | keep).order_by("number")
        field.label_from_instance = lambda h: str(h)
        if not grid_id:
            field.help_text = _("Choose the grid first; this list then shows its households.")

    def clean_id_number(self):
        return clean_new_id_number(self.cleaned_data.get("id_number", ""), resident=self.instance)

    def clean_phone(self):
        return _clean_phone(self.cleaned_data.get("phone"))

    def clean_birth_date(self):
        born = self.cleaned_data.get("birth_date")
        if born and born > timezone.localdate():
            raise forms.ValidationError(_("The birth date cannot be in the future."))
        return born

    def clean(self):
        cleaned = super().clean()
        id_number = cleaned.get("id_number")
        if (
            self.hides_birth_date
            and not id_number
            and not cleaned.get("birth_date")
            and "birth_date" not in self.errors
        ):
            cleaned["birth_date"] = self.instance.birth_date  # kept, never sent to the page
        if id_number:
            born = pii.birth_date_from_id(id_number)
            gender = pii.gender_from_id(id_number)
            if not cleaned.get("birth_date") and "birth_date" not in self.errors:
                cleaned["birth_date"] = born
            elif cleaned.get("birth_date") and cleaned["birth_date"] != born:
                self.add_error("birth_date", _("The ID number says %(date)s.") % {"date": born.isoformat()})
            if not cleaned.get("gender"):
                cleaned["gender"] = gender
            elif cleaned["gender"] != gender:
                self.add_error(
                    "gender", _("The ID number says %(gender)s.") % {"gender": Resident.Gender(gender).label}
                )
        elif (
            not cleaned.get("gender")
            and "id_number" not in self.errors
            and not (self.instance.pk and self.instance.gender)
        ):
            self.add_error("gender", _("Choose the gender, or enter the ID number to take it from there."))
        elif not cleaned.get("gender") and self.instance.pk:
            cleaned["gender"] = self.instance.gender
        grid, household = cleaned.get("grid"), cleaned.get("household")
        if grid and household and household.grid_id != grid.pk:
            self.add_error(
                "household", _("This household belongs to another grid (%(grid)s).") % {"grid": household.grid}
            )
        return cleaned
