"""Django admin for the sentiment log.

Logs are filed and moved through the reporting flow by ``sentiment.services`` only
(each step checks who may take it and writes its timeline event), so the admin never
adds a log and shows the flow state read-only; an administrator may correct what a
worker typed (matter, place, category, ...) and an agency matter's due date or
assignee. The timeline and the photos are read-only; "History" keeps each
administrator's edit of a log with the old and new values (govcenter.admin_history).
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from govcenter import feedback
from govcenter.admin import EstimatedCountPaginator, ReadOnlyAdmin, ReadOnlyInline, RecordAdmin
from govcenter.admin_history import AdminEditHistoryAdmin

from .models import AgencyDeadlinePolicy, AgencyMatter, Log, LogEvent, LogPhoto, Phrase, ReportDeadlinePolicy


class LogEventInline(ReadOnlyInline):
    model = LogEvent
    fields = ["at", "kind", "actor", "from_level", "to_level", "status", "note"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class LogPhotoInline(ReadOnlyInline):
    model = LogPhoto
    fields = ["original_name", "content_type", "size", "uploaded_by", "uploaded_at"]


class AgencyMatterInline(ReadOnlyInline):
    model = AgencyMatter
    fields = ["matter_type", "person_name", "due_on", "assignee", "status", "result", "completed_at"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("assignee")


# The reporting flow's state: moved by the services only, shown in its own fieldset.
FLOW_FIELDS = [
    "level",
    "status",
    "handler",
    "department",
    "reported_at",
    "feedback",
    "fed_back_at",
    "fed_back_by",
    *feedback.FIELDS,
]
RECORD_FIELDS = ["client_token", "created_at", "updated_at"]
# The co-signature (会签) is the named officer's own act: the officer named and his answer
# change through the services only (an edit would let a signature stand for someone else).
COSIGN_FIELDS = ["accompanied_by", "cosign", "cosigned_at", "cosign_note"]
STATE_FIELDS = [
    "grid",
    "village",
    "township",
    "district",
    "recorded_by",
    "next_step",
    "dispute",
    *FLOW_FIELDS,
    *COSIGN_FIELDS,
    *RECORD_FIELDS,
]


@admin.register(Log)
class LogAdmin(AdminEditHistoryAdmin):
    paginator = EstimatedCountPaginator
    show_full_result_count = False  # no second COUNT(*) of the whole table per page
    list_display = ["occurred_at", "grid", "recorded_by", "kind", "category", "person", "next_step", "status", "level"]
    list_filter = ["kind", "category", "next_step", "status", "level"]
    list_select_related = ["grid", "recorded_by", "resident"]
    search_fields = ["matter", "visitor_name", "resident__name", "grid__name", "grid__code"]
    ordering = ["-occurred_at", "-pk"]
    raw_id_fields = ["resident"]
    readonly_fields = STATE_FIELDS
    inlines = [AgencyMatterInline, LogPhotoInline, LogEventInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "grid",
                    "village",
                    "township",
                    "district",
                    "recorded_by",
                    "occurred_at",
                    "place",
                    "kind",
                    "category",
                    "resident",
                    "visitor_name",
                ]
            },
        ),
        (_("Matter"), {"fields": ["matter", "policy_basis", "result", "next_step", "dispute"]}),
        (_("Publicity"), {"fields": ["publicity_form", "participants", "households_reached"]}),
        (_("Co-signature"), {"fields": COSIGN_FIELDS}),
        (_("Reporting flow"), {"fields": FLOW_FIELDS}),
        (_("Record"), {"fields": RECORD_FIELDS}),
    ]

    @admin.display(description=_("person"))
    def person(self, obj: Log) -> str:
        return obj.person_name

    def has_add_permission(self, request):
        return False  # logs are filed by grid workers through the filing page


@admin.register(AgencyMatter)
class AgencyMatterAdmin(admin.ModelAdmin):
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_display = ["due_on", "person_name", "matter_type", "grid", "assignee", "status", "completed_at"]
    list_filter = ["status", "matter_type"]
    list_select_related = ["grid", "assignee"]
    search_fields = ["person_name", "grid__name", "result"]
    ordering = ["-due_on", "-pk"]
    raw_id_fields = ["assignee"]
    readonly_fields = [
        "log",
        "resident",
        "person_name",
        "grid",
        "village",
        "township",
        "district",
        "matter_type",
        "status",
        "result",
        "completed_at",
        "completed_by",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False  # opened by filing a log with next step "agency matter"


@admin.register(LogEvent)
class LogEventAdmin(RecordAdmin):
    paginator = EstimatedCountPaginator
    list_display = ["at", "log", "kind", "actor", "from_level", "to_level", "status"]
    list_filter = ["kind"]
    list_select_related = ["actor", "log__resident"]
    ordering = ["-at", "-pk"]
    raw_id_fields = ["log"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in LogEvent._meta.fields]


@admin.register(LogPhoto)
class LogPhotoAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "log", "content_type", "size", "uploaded_by", "uploaded_at", "view"]
    list_select_related = ["uploaded_by", "log__resident"]
    ordering = ["-uploaded_at", "-pk"]
    raw_id_fields = ["log"]

    @admin.display(description=_("photo"))
    def view(self, obj: LogPhoto) -> str:
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', obj.get_absolute_url(), _("open"))

    def get_fields(self, request, obj=None):
        # "view" instead of the file field, whose link would be the media URL that nothing serves.
        return [f.name for f in LogPhoto._meta.fields if f.name not in ("id", "file")] + ["view"]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)


# --- Configuration: time limits (govcenter.deadlines) ----------------------------------------


@admin.register(ReportDeadlinePolicy)
class ReportDeadlinePolicyAdmin(admin.ModelAdmin):
    """Days a level has to answer a log reported to it (default 5 / 7 / 10 / 10 working days);
    a change applies to deadlines computed from then on, not to those already running."""

    list_display = ["level", "days", "day_kind"]
    list_editable = ["days", "day_kind"]
    ordering = ["level"]


@admin.register(AgencyDeadlinePolicy)
class AgencyDeadlinePolicyAdmin(admin.ModelAdmin):
    """Days a grid worker has for an agency matter of a type (default 7 calendar days), used
    when the matter is filed without a due day and when the overdue sweep renews it."""

    list_display = ["matter_type", "days", "day_kind"]
    list_editable = ["days", "day_kind"]
    ordering = ["matter_type"]


@admin.register(Phrase)
class PhraseAdmin(admin.ModelAdmin):
    """The one-tap common matters of the filing form, per category."""

    list_display = ["matter", "category", "policy_basis", "order", "active"]
    list_editable = ["order", "active"]
    list_filter = ["category", "active"]
    search_fields = ["matter", "policy_basis"]
