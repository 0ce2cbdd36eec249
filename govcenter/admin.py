"""Django admin for the project package: users, areas, police stations, departments,
the working-day calendar, and the read-only trails (notifications, personal-data accesses).

Sized for a county (300 villages, thousands of users) and beyond: every foreign key to
a big table is an autocomplete, list pages select their related rows in the same
query, and large append-only tables skip the unfiltered COUNT(*).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Count, Q, QuerySet
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .admin_history import AuditHistoryAdmin
from .calendar_import import CalendarFileError, calendar_import, read_calendar_file
from .forms import CleanTextMixin, ModelForm, parse_pk
from .models import (
    Area,
    CalendarDay,
    Department,
    ImportJob,
    Notification,
    PersonalDataAccess,
    PoliceStation,
    ReminderSent,
    Supervision,
    User,
)
from .services import area_add_or_update

# --- Areas ------------------------------------------------------------------------


class AreaAddForm(ModelForm):
    """Code and name only: the level and the parent follow from the code."""

    class Meta:
        model = Area
        fields = ["code", "name"]
        help_texts = {
            "code": _(
                "12 digits: 6 for the district, 3 for the township, 3 for the village "
                "(e.g. 330102001001). The parent area must exist already."
            ),
        }

    def _post_clean(self):
        # First the model's own checks (12 digits, a code of some level, not taken yet),
        # then the one precondition of area_add_or_update they leave out, so that it
        # comes back as a form error; the service itself does the insert (save_model).
        # Not in clean(): an error on "code" there would keep the code off the instance
        # and Area.clean() would then report a wrong code as well.
        super()._post_clean()
        code = self.instance.code
        if "code" in self._errors or not code:
            return
        parent_code = Area.parent_code_of(code)
        if parent_code and not Area.objects.filter(code=parent_code).exists():
            self.add_error(
                "code",
                gettext("Its parent area %(parent)s does not exist; add that first.") % {"parent": parent_code},
            )


class AreaChangeForm(ModelForm):
    """Only the name changes: a new code would move the area in the tree and break the
    prefix rule of its children, so a wrong code is fixed by adding a new area."""

    class Meta:
        model = Area
        fields = ["name"]


class LevelFilter(admin.SimpleListFilter):
    title = _("level")
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return Area.Level.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(level=self.value())
        return queryset


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    # A plain ModelAdmin, not treebeard's TreeAdmin: its move-node form would let an
    # administrator put a village under a township whose code it does not start with.
    list_display = ["code", "name", "level", "parent_code", "sub_areas"]
    list_filter = [LevelFilter]
    search_fields = ["code", "name"]
    ordering = ["path"]
    list_per_page = 100
    actions = None  # no bulk delete: deleting a node deletes its whole subtree

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = AreaChangeForm if obj is not None else AreaAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["code", "name"]
        return ["code", "level", "parent_code", "name"]

    def get_readonly_fields(self, request, obj=None):
        return ["code", "level", "parent_code"] if obj is not None else []

    @admin.display(description=_("parent area code"))
    def parent_code(self, obj: Area) -> str:
        return Area.parent_code_of(obj.code) or "—"

    @admin.display(description=_("sub-areas"), ordering="numchild")
    def sub_areas(self, obj: Area) -> int:
        return obj.numchild

    def save_model(self, request, obj, form, change):
        # The form checked the service's preconditions; an AreaError here means a
        # concurrent change, and the admin's transaction rolls back.
        area, _created = area_add_or_update(code=obj.code, name=obj.name)
        # The admin goes on with ``obj`` (log entry, redirect): make it the saved row.
        for f in Area._meta.concrete_fields:
            setattr(obj, f.attname, getattr(area, f.attname))
        obj._state.adding = False
        obj._state.db = area._state.db

    def has_delete_permission(self, request, obj=None):
        # Only leaves: treebeard would silently delete a township's villages with it.
        if obj is not None and obj.numchild:
            return False
        return super().has_delete_permission(request, obj)


# --- Police stations and departments ----------------------------------------------


@admin.register(PoliceStation)
class PoliceStationAdmin(admin.ModelAdmin):
    form = ModelForm  # typed text cleaned as on the portal's pages (govcenter.forms)
    list_display = ["name", "district", "phone", "village_count"]
    list_filter = ["district"]
    search_fields = ["name", "phone", "villages__name", "villages__code"]
    list_select_related = ["district"]
    # Autocomplete rather than a select of every area; limit_choices_to on the fields
    # keeps the choices to districts and to villages.
    autocomplete_fields = ["district", "villages"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_villages=Count("villages", distinct=True))

    @admin.display(description=_("villages covered"), ordering="n_villages")
    def village_count(self, obj: PoliceStation) -> int:
        return obj.n_villages


class DepartmentStaffInline(admin.TabularInline):
    """The people of a department or township unit, read-only: a person is given to a unit
    on their own user page (role "station or institute staff" and this unit)."""

    model = User
    fk_name = "department"
    fields = ["username", "full_name", "role", "phone", "is_active"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True
    verbose_name = _("staff member")
    verbose_name_plural = _("staff")


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    """The district's functional departments and, with a township, each township's
    stations and institutes (站所: 司法所, 派出所, 民政办, 农业站 …)."""

    form = ModelForm  # typed text cleaned as on the portal's pages (govcenter.forms)
    list_display = ["name", "kind", "township", "district", "staff_count", "is_active"]
    list_filter = ["is_active", "kind", "district", "township"]
    list_editable = ["is_active"]
    search_fields = ["name", "township__name"]
    list_select_related = ["district", "township"]
    autocomplete_fields = ["district", "township"]
    fields = ["district", "township", "kind", "name", "is_active"]
    inlines = [DepartmentStaffInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_staff=Count("users", filter=Q(users__is_active=True)))

    @admin.display(description=_("active staff"), ordering="n_staff")
    def staff_count(self, obj: Department) -> int:
        return obj.n_staff


# --- Users --------------------------------------------------------------------------


class UserHomeMixin:
    """Checks of the admin's user forms beyond the model's own (``User.clean``: the home area
    of centre staff, the station of station staff, the department of department and unit
    staff): the home each other role needs to see anything (without it the user meets a
    bare 403 on their first tap), and an e-mail address for notifications by e-mail."""

    # Role -> (field, message) for the roles User.clean does not cover.
    HOME_REQUIRED = {
        User.Role.GRID_WORKER: ("area", _("A grid worker needs a home area: the village of their grid.")),
        User.Role.COMMUNITY_POLICE: ("police_station", _("A police officer needs a police station.")),
        User.Role.AUXILIARY_POLICE: ("police_station", _("A police officer needs a police station.")),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound:
            # The home fields are autocomplete selects, which redraw a refused form by looking
            # the submitted value up as an id: a value that is no id at all (":") would be a
            # server error instead of "Select a valid choice" (found by hypothesis).
            data = self.data.copy()
            for name in ("area", "police_station", "department"):
                if data.get(name) and parse_pk(data.get(name)) is None:
                    data[name] = ""
            self.data = data

    def clean(self):
        data = super().clean()
        role = data.get("role")
        if role in self.HOME_REQUIRED:
            field, message = self.HOME_REQUIRED[role]
            home = data.get(field)
            if field in self.fields and home is None:
                self.add_error(field, message)
            elif field == "area" and home is not None and home.level != Area.Level.VILLAGE:
                self.add_error(field, _("A grid worker's home area is a village."))
        if "notify_by_email" in self.fields and data.get("notify_by_email") and not data.get("email"):
            # The profile form's words (govcenter.forms.ProfileForm).
            self.add_error("email", _("Enter an e-mail address to receive notifications by e-mail."))
        return data


class UserAdminChangeForm(CleanTextMixin, UserHomeMixin, UserChangeForm):
    """Django's user form, with typed text cleaned as on every form (a user name or full
    name with a direction override would show reversed); passwords are left as typed."""


class UserAdminAddForm(CleanTextMixin, UserHomeMixin, AdminUserCreationForm):
    """Django's add-user form, cleaned the same way."""


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserAdminChangeForm
    add_form = UserAdminAddForm
    jurisdiction_fields = ("role", "full_name", "area", "police_station", "department", "phone")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Role and jurisdiction"), {"fields": jurisdiction_fields}),
        (_("Notifications"), {"fields": ("notify_by_email", "notify_by_sms")}),
        # The portal's one name field is full_name (above): Django's first and last name are
        # left out, so the page does not ask for a name three times (姓名, 名字, 姓氏).
        (_("Personal info"), {"fields": ("email",)}),
        (
            _("Permissions"),
            {
                "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
                "classes": ("collapse",),
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "usable_password", "password1", "password2")}),
        (
            _("Role and jurisdiction"),
            {"classes": ("wide",), "fields": (*jurisdiction_fields, "email", "notify_by_email")},
        ),
    )
    list_display = ["username", "full_name", "role", "area", "police_station", "department", "is_active", "last_login"]
    list_filter = ["role", "is_active", "is_staff", "is_superuser", "police_station", "department"]
    search_fields = ["username", "full_name", "first_name", "last_name", "email", "phone"]
    list_select_related = ["area", "police_station", "department"]
    autocomplete_fields = ["area", "police_station", "department"]
    readonly_fields = ["last_login", "date_joined"]
    ordering = ["username"]


# --- Shared by the apps' admins ------------------------------------------------------


class EstimatedCountPaginator(Paginator):
    """A paginator that does not COUNT(*) a big table just to draw the page links.

    Unfiltered on PostgreSQL, the number of rows comes from the planner's statistics
    (``pg_class.reltuples``, kept current by autovacuum) once the table is past
    ``exact_below`` rows; a filtered list (a search, a filter, a date) is counted exactly,
    because the filter is what narrows the scan. SQLite has no such statistics and
    counts exactly: its deployments are small.
    """

    exact_below = 10_000

    @cached_property
    def count(self) -> int:
        qs = self.object_list
        if isinstance(qs, QuerySet) and not qs.query.where:
            connection = connections[qs.db]
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
                        [connection.ops.quote_name(qs.model._meta.db_table)],
                    )
                    row = cursor.fetchone()
                estimate = row[0] if row and row[0] is not None else -1  # -1: never analysed
                if estimate >= self.exact_below:
                    return int(estimate)
        return super().count


class ReadOnlyInline(admin.TabularInline):
    """Rows written by the services; shown, never added, changed or deleted here."""

    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Trails: read-only --------------------------------------------------------------


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the portal itself; the administrator reads them."""

    show_full_result_count = False  # no COUNT(*) of the whole table on every page

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RecordAdmin(ReadOnlyAdmin):
    """Rows written by the services (timelines, counters): not even deleted here."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImportJob)
class ImportJobAdmin(RecordAdmin):
    """Who imported which file, when, and how it went (the import page shows each user their own)."""

    list_display = [
        "file_name",
        "kind",
        "user",
        "created_at",
        "status",
        "total",
        "created",
        "updated",
        "unchanged",
        "failed",
    ]
    list_filter = ["kind", "status"]
    list_select_related = ["user"]
    exclude = ["errors", "file"]  # the errors quote the file's rows; the file holds personal data
    date_hierarchy = "created_at"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["title", "recipient", "created_at", "read_at"]
    list_filter = [("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "recipient__username", "recipient__full_name"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "subject_label", "field", "content_type", "ip_address"]
    list_filter = ["field", "content_type"]
    search_fields = ["subject_label", "user__username", "user__full_name", "ip_address"]
    list_select_related = ["user", "content_type"]
    date_hierarchy = "at"
    fields = ["at", "user", "subject_label", "field", "content_type", "object_id", "ip_address"]

    def has_delete_permission(self, request, obj=None):
        # The audit trail of who saw personal data is never deleted, not even by an administrator.
        return False


@admin.register(ReminderSent)
class ReminderSentAdmin(ReadOnlyAdmin):
    """The once-only record of reminders: deleting a row would let that reminder go out again."""

    list_display = ["sent_at", "kind", "content_type", "object_id", "deadline"]
    list_filter = ["kind", "content_type"]
    date_hierarchy = "sent_at"


@admin.register(Supervision)
class SupervisionAdmin(RecordAdmin):
    """Supervisions (挂牌督办) placed and lifted through the items' steps: a record, read here."""

    list_display = ["started_at", "level", "area", "content_type", "object_id", "supervisor", "due_at", "lifted_at"]
    list_filter = ["level", "content_type", ("lifted_at", admin.EmptyFieldListFilter)]
    list_select_related = ["area", "supervisor", "content_type"]
    date_hierarchy = "started_at"


# --- The working-day calendar ----------------------------------------------------------


class CalendarYearFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = sorted({d.year for d in CalendarDay.objects.dates("date", "year")}, reverse=True)
        return [(str(y), str(y)) for y in years]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(date__year=int(self.value()))
        return queryset


class CalendarImportForm(CleanTextMixin, forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "XLSX or CSV (UTF-8 or GB18030), one row a day: date (2027-01-01), rest or work "
            "(休 / 班 / rest / work), name (春节 …). A header row starting with “date” or 日期 is skipped."
        ),
    )


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditHistoryAdmin):
    """The statutory holidays and adjusted working days every working-day deadline counts with."""

    form = ModelForm
    list_display = ["date", "weekday", "kind", "name"]
    list_filter = [CalendarYearFilter, "kind"]
    search_fields = ["name"]
    date_hierarchy = "date"
    ordering = ["-date"]
    list_per_page = 100
    change_list_template = "admin/govcenter/calendarday/change_list.html"

    @admin.display(description=_("weekday"))
    def weekday(self, obj: CalendarDay) -> str:
        return date_format(obj.date, "l")

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_view)
        return [path("import/", view, name="govcenter_calendarday_import"), *super().get_urls()]

    def import_view(self, request):
        """Upload a year's calendar; all rows or none, each wrong row named by its number."""
        if not self.has_add_permission(request) or not self.has_change_permission(request):
            raise PermissionDenied
        form = CalendarImportForm(request.POST or None, request.FILES or None)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            try:
                rows = read_calendar_file(form.cleaned_data["file"])
            except CalendarFileError as e:
                form.add_error("file", str(e))
            else:
                result = calendar_import(rows)
                if not rows:
                    form.add_error("file", gettext("The file has no rows."))
                elif not result.ok:
                    errors = result.errors
                    messages.error(
                        request,
                        gettext("%(n)d errors; nothing was saved.") % {"n": len(result.errors)},
                    )
                else:
                    messages.success(
                        request,
                        gettext("Imported: %(created)d added, %(updated)d changed, %(unchanged)d unchanged.")
                        % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
                    )
                    return redirect("admin:govcenter_calendarday_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Import the working-day calendar"),
            "form": form,
            "row_errors": errors,
        }
        return render(request, "admin/govcenter/calendarday/import.html", context)


# --- Login locks and the second factor -------------------------------------------------
from . import admin_logins  # noqa: E402, F401  (registered on import)
