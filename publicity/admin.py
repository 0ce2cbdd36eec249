"""Django admin for publicity campaigns.

Read-mostly by design: every step of a campaign (drafting, review, distribution,
hand-out, activities, done) is a function in ``publicity.services`` that checks who
may take it and writes its event, so the admin shows the state but never moves it.
What the administrator may correct here is the wording and period of a campaign and
the due date of an assignment. Events and activities are read-only; "History" keeps
each administrator's edit of a campaign with the old and new values (govcenter.admin_history).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from govcenter.admin import ReadOnlyInline, RecordAdmin
from govcenter.admin_history import AdminEditHistoryAdmin
from govcenter.forms import ModelForm

from .models import Activity, Assignment, Audience, Campaign, CampaignEvent, PublicityForm, VillageDistribution


class CampaignEventInline(ReadOnlyInline):
    model = CampaignEvent
    verbose_name_plural = _("history")
    fields = ["at", "kind", "actor", "status", "assignment", "note"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor", "assignment__grid", "assignment__campaign")


class CampaignAdminForm(ModelForm):
    audiences = forms.MultipleChoiceField(
        label=_("target audience"), choices=Audience.choices, widget=forms.CheckboxSelectMultiple
    )
    allowed_forms = forms.MultipleChoiceField(
        label=_("forms of activity"), choices=PublicityForm.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Campaign
        fields = ["title", "topic", "content", "audiences", "allowed_forms", "starts_on", "ends_on"]


STATE_HELP = _(
    "Status, review and distribution are read-only here: every step is taken in the portal, "
    "where it is checked and written to the campaign's history. The wording and period can be corrected."
)


@admin.register(Campaign)
class CampaignAdmin(AdminEditHistoryAdmin):
    form = CampaignAdminForm
    list_display = ["title", "topic", "status", "owner_area", "starts_on", "ends_on", "created_at"]
    list_filter = ["status", "topic"]
    search_fields = ["title"]
    date_hierarchy = "created_at"
    list_select_related = ["owner_area"]
    readonly_fields = [
        "status", "owner_area", "district", "created_by", "created_at", "submitted_at", "reviewed_at",
        "reviewed_by", "review_note", "distributed_at", "closed_at", "leaflet_link",
    ]  # fmt: skip
    fieldsets = [
        (_("State"), {"description": STATE_HELP, "fields": [
            "status", ("owner_area", "district"), ("created_by", "created_at"), "submitted_at",
            ("reviewed_by", "reviewed_at"), "review_note", ("distributed_at", "closed_at")]}),
        (_("Campaign"), {"fields": ["title", "topic", "content", "audiences", "allowed_forms", ("starts_on", "ends_on"),
                                    "leaflet_link"]}),
    ]  # fmt: skip
    inlines = [CampaignEventInline]
    actions = None

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("owner_area", "district", "created_by", "reviewed_by")

    @admin.display(description=_("leaflet"))
    def leaflet_link(self, obj: Campaign) -> str:
        if not obj.leaflet:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("publicity:leaflet", args=[obj.pk]), obj.leaflet_name)

    def has_add_permission(self, request):
        # A campaign belongs to the centre that drafts it: the portal's form does it.
        return False

    def has_delete_permission(self, request, obj=None):
        # A draft nobody submitted may go; a reviewed campaign is a record.
        return obj is not None and obj.status == Campaign.Status.DRAFT and super().has_delete_permission(request, obj)


@admin.register(VillageDistribution)
class VillageDistributionAdmin(RecordAdmin):
    list_display = ["campaign", "village", "township", "distributed_by", "distributed_at"]
    list_filter = ["township"]
    search_fields = ["campaign__title", "village__name"]
    list_select_related = ["campaign", "village", "township", "distributed_by"]
    fields = ["campaign", "village", "township", "district", "distributed_by", "distributed_at"]


class ActivityInline(ReadOnlyInline):
    model = Activity
    fields = ["held_on", "log", "recorded_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("log")


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    """Only the due date can be changed (e.g. extended after a flood); the rest is the record."""

    form = ModelForm  # typed text cleaned as on the portal's pages (govcenter.forms)

    list_display = ["campaign", "grid", "village", "due_on", "done_at"]
    list_filter = ["township", ("done_at", admin.EmptyFieldListFilter)]
    search_fields = ["campaign__title", "grid__name", "grid__code"]
    list_select_related = ["campaign", "grid", "village"]
    date_hierarchy = "due_on"
    fields = [
        "campaign", "grid", ("village", "township", "district"), "distribution", "due_on",
        ("assigned_by", "assigned_at"), ("done_by", "done_at"), "done_note",
    ]  # fmt: skip
    readonly_fields = [
        "campaign", "grid", "village", "township", "district", "distribution", "assigned_by", "assigned_at",
        "done_by", "done_at", "done_note",
    ]  # fmt: skip
    inlines = [ActivityInline]
    show_full_result_count = False
    actions = None

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Activity)
class ActivityAdmin(RecordAdmin):
    list_display = ["held_on", "assignment", "log", "recorded_at"]
    date_hierarchy = "held_on"
    search_fields = ["assignment__campaign__title", "assignment__grid__name"]
    list_select_related = ["assignment__campaign", "assignment__grid", "log"]
    fields = ["assignment", "log", "held_on", "recorded_at"]


@admin.register(CampaignEvent)
class CampaignEventAdmin(RecordAdmin):
    """The history of all campaigns, for audit: read-only."""

    list_display = ["at", "campaign", "kind", "actor", "status", "assignment"]
    list_filter = ["kind"]
    search_fields = ["campaign__title", "note"]
    date_hierarchy = "at"
    list_select_related = ["campaign", "actor", "assignment__grid", "assignment__campaign"]
    fields = ["campaign", "assignment", "distribution", "kind", "at", "actor", "status", "note"]
