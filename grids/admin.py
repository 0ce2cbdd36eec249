"""Django admin for grids, grid teams, households, residents and care tags.

Team changes go through ``grids.services.membership_add`` so that the database's
slot constraints hold, and the forms check the limits first so that an administrator
reads "This grid already has a community police officer" instead of an error page.
ID numbers are shown masked only; a form field sets or replaces them. "History" lists
every version of a grid, membership, household or resident (govcenter.admin_history).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, F, OuterRef, Subquery, Value
from django.db.models.functions import Concat, Substr
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from govcenter.admin_history import AuditHistoryAdmin
from govcenter.forms import ModelForm
from govcenter.models import Area
from govcenter.pii import (
    birth_date_from_id,
    gender_from_id,
    id_number_search_hash,
)

from . import services
from .forms import clean_new_id_number
from .models import CareTag, Grid, GridMembership, Household, Resident, ResidentQuerySet
from .services import DUTY_FOR_ROLE, membership_add

Duty = GridMembership.Duty


# --- List filters -------------------------------------------------------------------


def township_filter(village_lookup: str) -> type[admin.SimpleListFilter]:
    """A "township" filter for a model whose village is reached through ``village_lookup``.

    A county has some 20 townships but 300 villages: the township is the list an
    administrator can scan; the village is found by search.
    """

    class TownshipFilter(admin.SimpleListFilter):
        title = _("township")
        parameter_name = "township"

        def lookups(self, request, model_admin):
            return [
                (a.pk, f"{a.name} ({a.code[:9]})")
                for a in Area.objects.filter(level=Area.Level.TOWNSHIP).order_by("path")
            ]

        def queryset(self, request, queryset):
            if not self.value():
                return queryset
            township = Area.objects.filter(pk=self.value(), level=Area.Level.TOWNSHIP).first()
            if township is None:
                return queryset.none()
            return queryset.filter(**{f"{village_lookup}__path__startswith": township.path})

    return TownshipFilter


class TeamFilter(admin.SimpleListFilter):
    title = _("team")
    parameter_name = "team"

    def lookups(self, request, model_admin):
        return [
            ("complete", _("complete")),
            ("incomplete", _("incomplete")),
            ("no_police", _("without a community police officer")),
            ("no_worker", _("without a grid worker")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "complete":
            return queryset.team_complete(True)
        if value == "incomplete":
            return queryset.team_complete(False)
        if value == "no_police":
            return queryset.without_police()
        if value == "no_worker":
            return queryset.without_worker()
        return queryset


class ActiveMembershipFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "active"

    def lookups(self, request, model_admin):
        return [("yes", _("serving now")), ("no", _("ended"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(ended_on__isnull=True)
        if self.value() == "no":
            return queryset.filter(ended_on__isnull=False)
        return queryset


class AgeBandFilter(admin.SimpleListFilter):
    title = _("age")
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return [("child", _("under 18")), ("adult", _("18–59")), ("senior", _("60–79")), ("old", _("80 and over"))]

    def queryset(self, request, queryset):
        if self.value() in ResidentQuerySet.AGE_BANDS:
            return queryset.in_age_band(self.value())
        return queryset


# --- Grid teams -----------------------------------------------------------------------

LIMIT_MESSAGES = {
    Duty.COMMUNITY_POLICE: _("This grid already has a community police officer. End that membership first."),
    Duty.AUXILIARY_POLICE: _(
        "This grid already has two auxiliary police officers. End one of those memberships first."
    ),
}


class MembershipForm(ModelForm):
    """One team membership. Grid, person and duty are fixed once saved (history is kept:
    a change of duty is an ended membership and a new one)."""

    # The stand-alone admin checks the free slots against the database; the inline of
    # the grid admin checks the whole team in its formset instead (a row may end the
    # membership whose slot another row takes).
    check_team_limits = True

    class Meta:
        model = GridMembership
        fields = ["grid", "user", "duty", "started_on", "ended_on", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in ("grid", "user", "duty"):
                if name in self.fields:
                    self.fields[name].disabled = True

    def clean(self):
        cleaned = super().clean()
        grid = cleaned.get("grid") or getattr(self.instance, "grid", None)
        user, duty = cleaned.get("user"), cleaned.get("duty")
        started_on, ended_on = cleaned.get("started_on"), cleaned.get("ended_on")
        if started_on and ended_on and ended_on < started_on:
            self.add_error(
                "ended_on", gettext("The end date cannot be before the start date (%(date)s).") % {"date": started_on}
            )
        if self.instance.pk and self.instance.ended_on is not None and ended_on is None:
            self.add_error("ended_on", gettext("An ended membership cannot be reopened; add a new membership instead."))
        if self.instance.pk or not (user and duty):
            return cleaned
        if DUTY_FOR_ROLE.get(user.role) != duty:
            self.add_error(
                "user",
                gettext("%(person)s is a %(role)s and cannot serve as %(duty)s.")
                % {"person": user.display_name, "role": user.get_role_display(), "duty": Duty(duty).label},
            )
            return cleaned
        if self.check_team_limits and ended_on is None and grid is not None and grid.pk:
            active = GridMembership.objects.filter(grid=grid, ended_on__isnull=True)
            if active.filter(user=user).exists():
                self.add_error(
                    "user", gettext("%(person)s already serves in this grid.") % {"person": user.display_name}
                )
            elif duty in LIMIT_MESSAGES and active.filter(duty=duty).count() >= len(GridMembership.SLOTS[duty]):
                self.add_error("duty", LIMIT_MESSAGES[duty])
        return cleaned

    def _get_validation_exclusions(self):
        # The partial unique constraints are checked in clean() (with messages a clerk
        # understands) and, finally, by the database; Django's generic "Constraint ...
        # is violated" would only repeat them, or be wrong in the inline, where one row
        # may end the membership another row replaces.
        exclude = super()._get_validation_exclusions()
        exclude.add("user")
        return exclude


def save_membership(membership: GridMembership) -> GridMembership:
    """Save an admin-edited membership; a new active one goes through membership_add,
    which takes a free slot under the database's constraints."""
    if membership.pk is not None:
        membership.save()
        return membership
    if membership.ended_on is not None:
        # History typed in after the fact holds no slot among active memberships.
        membership.slot = GridMembership.SLOTS[membership.duty][0]
        membership.save()
        return membership
    added = membership_add(
        grid=membership.grid,
        user=membership.user,
        duty=membership.duty,
        started_on=membership.started_on,
        note=membership.note,
    )
    for f in GridMembership._meta.concrete_fields:
        setattr(membership, f.attname, getattr(added, f.attname))
    membership._state.adding = False
    membership._state.db = added._state.db
    return membership


class InlineMembershipForm(MembershipForm):
    check_team_limits = False


class MembershipInlineFormSet(BaseInlineFormSet):
    def clean(self):
        """The team as it will be after this save: one police officer, two auxiliaries,
        each person once."""
        super().clean()
        if any(self.errors):
            return
        by_duty: dict[str, int] = {}
        people: set[int] = set()
        errors = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or self._should_delete_form(form) or data.get("ended_on") is not None:
                continue
            user, duty = data.get("user"), data.get("duty")
            if user is None or duty is None:
                continue
            if user.pk in people:
                errors.append(gettext("%(person)s already serves in this grid.") % {"person": user.display_name})
            people.add(user.pk)
            by_duty[duty] = by_duty.get(duty, 0) + 1
            if duty in LIMIT_MESSAGES and by_duty[duty] == len(GridMembership.SLOTS[duty]) + 1:
                errors.append(LIMIT_MESSAGES[duty])
        if errors:
            raise ValidationError(errors)


class MembershipInline(admin.TabularInline):
    model = GridMembership
    form = InlineMembershipForm
    formset = MembershipInlineFormSet
    fields = ["user", "duty", "started_on", "ended_on", "note"]
    autocomplete_fields = ["user"]
    extra = 1
    # Serving members first: SQLite sorts NULL first and PostgreSQL last, so say it.
    ordering = [F("ended_on").desc(nulls_first=True), "duty", "started_on"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


@admin.register(Grid)
class GridAdmin(AuditHistoryAdmin):
    form = ModelForm  # typed text cleaned as on the portal's pages (govcenter.forms)
    list_display = ["code", "name", "village", "township_name", "workers", "police", "auxiliaries"]
    list_filter = [township_filter("village"), TeamFilter]
    search_fields = ["code", "name", "village__name", "village__code"]
    list_select_related = ["village"]
    autocomplete_fields = ["village"]
    fields = ["village", "code", "name", "description"]
    inlines = [MembershipInline]

    def get_queryset(self, request):
        # The township's name in the same query: its code is the village code's first 9 digits + "000".
        township = Area.objects.filter(code=Concat(Substr(OuterRef("village__code"), 1, 9), Value("000"))).values(
            "name"
        )[:1]
        return super().get_queryset(request).with_team_counts().annotate(township_name=Subquery(township))

    @admin.display(description=_("township"))
    def township_name(self, obj: Grid) -> str:
        return obj.township_name or "—"

    @admin.display(description=_("grid workers"), ordering="n_workers")
    def workers(self, obj: Grid) -> int:
        return obj.n_workers

    @admin.display(description=_("community police"), ordering="n_police")
    def police(self, obj: Grid) -> int:
        return obj.n_police

    @admin.display(description=_("auxiliaries"), ordering="n_auxiliaries")
    def auxiliaries(self, obj: Grid) -> int:
        return obj.n_auxiliaries

    def save_formset(self, request, form, formset, change):
        if formset.model is not GridMembership:
            return super().save_formset(request, form, formset, change)
        memberships = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        # Existing rows first: a membership ended here frees the slot a new row takes.
        for obj in sorted(memberships, key=lambda m: m.pk is None):
            save_membership(obj)
        formset.save_m2m()


@admin.register(GridMembership)
class GridMembershipAdmin(AuditHistoryAdmin):
    form = MembershipForm
    list_display = ["grid", "duty", "user", "started_on", "ended_on"]
    list_filter = [ActiveMembershipFilter, "duty", township_filter("grid__village")]
    search_fields = ["grid__code", "grid__name", "user__username", "user__full_name"]
    list_select_related = ["grid", "user"]
    autocomplete_fields = ["grid", "user"]
    date_hierarchy = "started_on"

    def save_model(self, request, obj, form, change):
        save_membership(obj)


# --- Households and residents -------------------------------------------------------


class ResidentInline(admin.TabularInline):
    """The members of a household, for reading; a resident is edited on its own page."""

    model = Resident
    fields = ["name", "relation", "gender", "birth_date", "id_number_masked"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Household)
class HouseholdAdmin(AuditHistoryAdmin):
    form = ModelForm  # typed text cleaned as on the portal's pages (govcenter.forms)
    list_display = ["number", "head_name", "grid", "village", "phone", "member_count"]
    list_filter = [township_filter("village")]
    search_fields = ["number", "head_name", "address", "phone", "grid__code", "grid__name"]
    list_select_related = ["grid", "village"]
    autocomplete_fields = ["grid"]
    fields = ["grid", "number", "address", "head_name", "phone", "note"]
    inlines = [ResidentInline]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_members=Count("members"))

    @admin.display(description=_("members"), ordering="n_members")
    def member_count(self, obj: Household) -> int:
        return obj.n_members


class ResidentAdminForm(ModelForm):
    id_number = forms.CharField(
        label=_("ID number"),
        required=False,
        max_length=30,
        help_text=_("18 characters. Leave empty to keep the number on record; type a number to set or replace it."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    class Meta:
        model = Resident
        fields = [*services.RESIDENT_FIELDS, "care_tags"]
        widgets = {"care_tags": forms.CheckboxSelectMultiple}

    def clean_id_number(self) -> str:
        return clean_new_id_number(self.cleaned_data.get("id_number", ""), resident=self.instance)

    def clean_phone(self) -> str:
        from govcenter.pii import validate_mobile

        phone = self.cleaned_data.get("phone", "")
        return validate_mobile(phone) if phone else ""

    def clean(self):
        cleaned = super().clean()
        grid, household = cleaned.get("grid"), cleaned.get("household")
        if grid and household and household.grid_id != grid.pk:
            self.add_error(
                "household", gettext("This household belongs to another grid (%(grid)s).") % {"grid": household.grid}
            )
        id_number = cleaned.get("id_number")
        if id_number:
            born = birth_date_from_id(id_number)
            if cleaned.get("birth_date") is None:
                cleaned["birth_date"] = born
            elif cleaned["birth_date"] != born:
                self.add_error(
                    "birth_date", gettext("The birth date does not match the ID number (%(date)s).") % {"date": born}
                )
            if cleaned.get("gender") and cleaned["gender"] != gender_from_id(id_number):
                self.add_error("gender", gettext("The gender does not match the ID number (its 17th digit)."))
        return cleaned


@admin.register(Resident)
class ResidentAdmin(AuditHistoryAdmin):
    form = ResidentAdminForm
    # Never the clear number nor the ciphertext: the masked form is all admin shows.
    list_display = ["name", "gender", "birth_date", "id_number_masked", "grid", "village", "household", "phone"]
    list_filter = [township_filter("village"), "care_tags", AgeBandFilter, "gender"]
    search_fields = ["name", "phone", "address", "household__number", "grid__code"]
    search_help_text = _("Name, phone, address, household number or grid code; a full ID number finds its holder.")
    list_select_related = ["grid", "village", "household"]
    autocomplete_fields = ["grid", "household"]
    readonly_fields = ["id_number_masked", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["grid", "household", "relation", "name", "gender", "birth_date", "ethnicity"]}),
        (_("ID number"), {"fields": ["id_number_masked", "id_number"]}),
        (_("Contact"), {"fields": ["phone", "address"]}),
        (_("Care"), {"fields": ["care_tags", "note"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        # Through grids.services, as the portal's pages write: the ID number encrypted,
        # hashed and masked, the care tags, the administrator as the history's user.
        if change:
            services.resident_update(resident=obj, actor=request.user, data=form.cleaned_data)
        else:
            services.resident_create(resident=obj, actor=request.user, data=form.cleaned_data)

    def get_search_results(self, request, queryset, search_term):
        # An exact ID number is found through its keyed hash (the number itself is
        # stored encrypted and cannot be searched).
        id_hash = id_number_search_hash(search_term)
        if id_hash:
            return queryset.filter(id_number_hash=id_hash), False
        return super().get_search_results(request, queryset, search_term)


@admin.register(CareTag)
class CareTagAdmin(admin.ModelAdmin):
    form = ModelForm  # typed text cleaned as on the portal's pages (govcenter.forms)
    list_display = ["name", "code", "order"]
    list_editable = ["order"]
    search_fields = ["name", "code"]
    ordering = ["order", "code"]
