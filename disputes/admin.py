"""Django admin for the conflict-dispute ledger.

Read-mostly by design: every step of a dispute (registration, acceptance, escalation,
results, follow-ups) is a function in ``disputes.services`` that checks who may take
it and writes its timeline event, so the admin shows the state but never changes it.
What the administrator does edit here is configuration: the deadline policy and the
follow-up rules. ID numbers of parties are shown masked only. "History" keeps each
administrator's edit of a dispute with the old and new values (govcenter.admin_history).
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from govcenter import admin as govcenter_admin
from govcenter import feedback
from govcenter.admin import EstimatedCountPaginator
from govcenter.admin_history import AdminEditHistoryAdmin
from govcenter.forms import ModelForm, check_plausible_date
from govcenter.levels import local_zone
from govcenter.pii import id_number_search_hash

from .models import (
    Attachment,
    CourtReferral,
    CourtReferralPolicy,
    DeadlinePolicy,
    Dispute,
    DisputeEvent,
    FollowUp,
    FollowUpRule,
    LedgerCounter,
    MediationRecord,
    Party,
    PoliceReview,
    PoliceReviewPolicy,
    PoliceTransfer,
)

# --- Paginator ---------------------------------------------------------------------------


# --- Filters ----------------------------------------------------------------------------------


class FlagFilter(admin.SimpleListFilter):
    title = _("flags")
    parameter_name = "flag"
    FIELDS = {
        "criminal": ("risk_criminal", _("risk of turning criminal")),
        "mass": ("risk_mass_incident", _("risk of a mass incident")),
        "vulnerable": ("vulnerable_party", _("vulnerable party involved")),
    }

    def lookups(self, request, model_admin):
        return [(key, label) for key, (_field, label) in self.FIELDS.items()]

    def queryset(self, request, queryset):
        if self.value() in self.FIELDS:
            return queryset.filter(**{self.FIELDS[self.value()][0]: True})
        return queryset


# --- Read-only inlines --------------------------------------------------------------------


class ReadOnlyInline(govcenter_admin.ReadOnlyInline):
    """Rows of a dispute written by the services; shown, never added, changed or deleted here."""

    related: list[str] = []  # foreign keys each row shows, fetched in the same query

    def get_queryset(self, request):
        # The dispute too: each row's __str__ names it, which would be a query per row.
        return super().get_queryset(request).select_related("dispute", *self.related)


class PartyInline(ReadOnlyInline):
    model = Party
    # The masked ID number only: never the clear number nor the ciphertext.
    fields = ["role", "kind", "name", "credit_code", "id_number_masked", "phone", "address", "resident"]

    related = ["resident"]


class MediationRecordInline(ReadOnlyInline):
    model = MediationRecord
    fields = [
        "held_on",
        "method",
        "mediators_present",
        "mediators",
        "outcome",
        "notes",
        "agreement",
        "recorded_by",
        "recorded_at",
    ]

    related = ["agreement", "recorded_by"]

    @admin.display(description=_("mediators present"))
    def mediators_present(self, obj: MediationRecord) -> str:
        return "、".join(obj.mediator_kind_labels())


class FollowUpInline(ReadOnlyInline):
    model = FollowUp
    fields = ["due_on", "visited_on", "finding", "notes", "visited_by", "cancelled"]

    related = ["visited_by"]


class PoliceReviewInline(ReadOnlyInline):
    model = PoliceReview
    fields = ["created_at", "author", "verdict", "opinion", "flags_criminal_risk", "flags_mass_incident"]

    related = ["author"]


class PoliceTransferInline(ReadOnlyInline):
    model = PoliceTransfer
    fields = [
        "station",
        "reason",
        "from_level",
        "transferred_by",
        "transferred_at",
        "case_number",
        "case_registered_on",
        "acknowledged_by",
        "acknowledged_at",
    ]

    related = ["station", "transferred_by", "acknowledged_by"]


class CourtReferralInline(ReadOnlyInline):
    model = CourtReferral
    fields = ["court", "referred_on", "outcome", "decided_on", "outcome_note", "outcome_recorded_at", "reminded_at"]


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    # "download" instead of the file field, whose link would be the media URL that nothing serves.
    fields = ["kind", "original_name", "download", "content_type", "size", "uploaded_by", "uploaded_at"]

    related = ["uploaded_by"]

    @admin.display(description=_("file"))
    def download(self, obj: Attachment) -> str:
        if obj.pk is None:  # the empty form Django renders after a refused save
            return ""
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), gettext("Download"))


class DisputeEventInline(ReadOnlyInline):
    """The timeline: written in the same transaction as each step, never edited."""

    model = DisputeEvent
    verbose_name_plural = _("timeline")
    fields = ["at", "kind", "actor_label", "from_level", "to_level", "status", "due_at", "note"]

    related = ["actor"]

    @admin.display(description=_("by"))
    def actor_label(self, obj: DisputeEvent) -> str:
        return obj.actor_label


# --- Disputes -----------------------------------------------------------------------------

STATE_HELP = _(
    "Status, handling level, deadline, handler and the other state fields are read-only here. "
    "Every step of a dispute (registration, acceptance, mediation, escalation, results, follow-up "
    "visits) is taken in the portal, where it is checked and written to the timeline. "
    "Only the description of the case can be corrected here."
)


class DisputeAdminForm(ModelForm):
    class Meta:
        model = Dispute
        fields = ["source", "source_reference", "category", "summary", "description", "occurred_on", "location"]

    def clean_occurred_on(self):
        occurred_on = check_plausible_date(self.cleaned_data["occurred_on"], allow_future=True)
        registered_at = self.instance.registered_at
        if registered_at and occurred_on > registered_at.astimezone(local_zone()).date():
            raise ValidationError(gettext("The date the dispute arose cannot be after it was registered."))
        return occurred_on


@admin.register(Dispute)
class DisputeAdmin(AdminEditHistoryAdmin):
    form = DisputeAdminForm
    list_display = [
        "number",
        "registered_at",
        "village",
        "category",
        "risk_level",
        "level",
        "status",
        "due_at",
        "supervised_at",
    ]
    list_filter = ["status", "level", "risk_level", "category", "source", FlagFilter]
    search_fields = ["number", "summary", "parties__name"]
    search_help_text = _("Ledger number, summary or a party's name; a full ID number finds the disputes of its holder.")
    date_hierarchy = "registered_at"
    list_select_related = ["village"]
    raw_id_fields = ["district", "township", "village", "grid", "department", "handler", "registered_by"]
    readonly_fields = [
        "number", "status", "level", "registered_level", "department", "handler", "due_at", "escalated_at",
        "supervised_at", "district", "township", "village", "grid", "risk_level", "risk_criminal",
        "risk_mass_incident", "vulnerable_party", "registered_by", "registered_at", "result", "referral",
        "resolved_at", "archived_at", "updated_at", *feedback.FIELDS,
    ]  # fmt: skip
    fieldsets = [
        (
            _("State"),
            {
                "description": STATE_HELP,
                "fields": [
                    "number", "status", ("level", "registered_level"), ("department", "handler"),
                    "due_at", ("escalated_at", "supervised_at"),
                ],
            },
        ),
        (_("Case"), {"fields": ["source", "source_reference", "category", "summary", "description", "occurred_on", "location"]}),
        (_("Risk"), {"fields": ["risk_level", ("risk_criminal", "risk_mass_incident", "vulnerable_party")]}),
        (_("Place"), {"fields": ["district", "township", "village", "grid"]}),
        (_("Registration"), {"fields": ["registered_by", "registered_at"]}),
        (_("Outcome"), {"fields": ["result", "referral", "resolved_at", "archived_at", "updated_at"]}),
        (_("Back to the origin"), {"fields": feedback.FIELDS}),
    ]  # fmt: skip
    inlines = [
        PartyInline,
        MediationRecordInline,
        FollowUpInline,
        PoliceReviewInline,
        PoliceTransferInline,
        CourtReferralInline,
        AttachmentInline,
        DisputeEventInline,
    ]
    show_full_result_count = False  # no COUNT(*) of the whole table beside a filtered count
    paginator = EstimatedCountPaginator
    list_per_page = 50
    actions = None  # no bulk delete

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("district", "township", "village", "grid", "department", "handler", "registered_by")
        )

    def get_search_results(self, request, queryset, search_term):
        # A full ID number is found through its keyed hash (parties' numbers are stored encrypted).
        id_hash = id_number_search_hash(search_term)
        if id_hash:
            return queryset.filter(parties__id_number_hash=id_hash).distinct(), False
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request):
        # Registration gives the ledger number and the first timeline event: the portal's form does it.
        return False

    def has_delete_permission(self, request, obj=None):
        # The ledger is an official record; a wrong entry is closed, not removed.
        return False


@admin.register(DisputeEvent)
class DisputeEventAdmin(govcenter_admin.RecordAdmin):
    """The timelines of all disputes, for audit: read-only."""

    list_display = ["at", "dispute", "kind", "actor", "from_level", "to_level", "status", "due_at"]
    list_filter = ["kind", "to_level"]
    search_fields = ["dispute__number", "note"]
    date_hierarchy = "at"
    list_select_related = ["dispute", "actor"]
    fields = ["dispute", "kind", "at", "actor", "from_level", "to_level", "status", "due_at", "note"]
    paginator = EstimatedCountPaginator


# --- Configuration -------------------------------------------------------------------------


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(admin.ModelAdmin):
    """Days a level has per risk level; a change applies to deadlines computed from then on
    (registration, escalation, returns, reopening), not to those already running."""

    list_display = ["risk_level", "level", "days", "day_kind"]
    list_display_links = ["risk_level"]
    list_editable = ["days", "day_kind"]
    list_filter = ["risk_level", "level", "day_kind"]
    ordering = ["risk_level", "level"]


@admin.register(PoliceReviewPolicy)
class PoliceReviewPolicyAdmin(admin.ModelAdmin):
    """Days the police have for their opinion on an entry of the review queue (default: 3
    working days); a change applies to entries queued from then on."""

    list_display = ["subject", "days", "day_kind"]
    list_display_links = ["subject"]
    list_editable = ["days", "day_kind"]


@admin.register(FollowUpRule)
class FollowUpRuleAdmin(admin.ModelAdmin):
    """Follow-up visits scheduled at resolution, in calendar days (default: 7 and 30)."""

    list_display = ["days_after"]


@admin.register(CourtReferralPolicy)
class CourtReferralPolicyAdmin(admin.ModelAdmin):
    """After how many calendar days an open referral to court reminds the handling level
    to record the court's outcome (default 90). One row: it can be added once, not deleted."""

    list_display = ["__str__", "days"]
    list_editable = ["days"]
    list_display_links = ["__str__"]

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and not CourtReferralPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LedgerCounter)
class LedgerCounterAdmin(govcenter_admin.RecordAdmin):
    """The last sequence number given out per district and year. Read-only: a lowered
    counter would hand out numbers that exist already."""

    list_display = ["district", "year", "last"]
    list_filter = ["year"]
    list_select_related = ["district"]
    fields = ["district", "year", "last"]
