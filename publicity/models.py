"""Policy-publicity campaigns (政策宣传): the campaign and its review, its distribution to
villages, the assignments of villages to their grids, and the activities grid teams record.

A campaign is drafted by a district, township or village centre, reviewed by the
district centre, distributed to villages (``VillageDistribution``), handed by each
village centre to its grids (``Assignment``, one per grid), and carried out by the grid
teams, whose activities are people's-sentiment logs of kind publicity
(``Activity`` links an assignment to its ``sentiment.Log``; sentiment never imports
this app). Every state change is a function in ``publicity.services``.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govcenter import limits, uploads
from govcenter.choices import ChoiceLabels
from govcenter.history import admin_edit_history
from govcenter.models import Area
from govcenter.timeline import TimelineEvent
from grids.models import Grid
from sentiment.models import Log


class Topic(models.TextChoices):
    ANTI_FRAUD = "anti_fraud", _("Anti-fraud")
    ANTI_DROWNING = "anti_drowning", _("Anti-drowning")
    ANTI_CULT = "anti_cult", _("Anti-cult")
    RULE_OF_LAW = "rule_of_law", _("Rule of law")
    LIVELIHOOD_POLICY = "livelihood_policy", _("Livelihood policy")
    SAFE_PRODUCTION = "safe_production", _("Safe production")
    OTHER = "other", _("Other")


class Audience(models.TextChoices):
    ALL_RESIDENTS = "all_residents", _("All residents")
    ELDERLY = "elderly", _("Elderly people")
    LEFT_BEHIND_CHILDREN = "left_behind_children", _("Left-behind children and their carers")
    WOMEN = "women", _("Women")
    BUSINESSES = "businesses", _("Businesses")
    SCHOOLS = "schools", _("Schools")


# How an activity reaches people (宣传形式): fixed-point, centralised, door-to-door. The
# sentiment log records it, so the campaign's allowed forms use the log's own choices.
PublicityForm = Log.PublicityForm


def leaflet_path(instance: Campaign, filename: str) -> str:
    # A random name: the original is kept in ``leaflet_name`` and the file is only ever
    # served through the visibility-checking view, never from a guessable media URL.
    return uploads.random_name(f"publicity/leaflets/{timezone.now():%Y/%m}", filename)


class CampaignQuerySet(models.QuerySet):
    def awaiting_review(self) -> CampaignQuerySet:
        return self.filter(status=Campaign.Status.SUBMITTED)


class Campaign(ChoiceLabels, models.Model):
    """One publicity campaign (宣传活动), from draft to closed."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Awaiting review")
        RETURNED = "returned", _("Returned for changes")
        APPROVED = "approved", _("Approved")
        DISTRIBUTED = "distributed", _("Distributed")
        CLOSED = "closed", _("Closed")

    EDITABLE_STATUSES = (Status.DRAFT, Status.RETURNED)
    Topic = Topic
    Audience = Audience
    Form = PublicityForm

    title = models.CharField(_("title"), max_length=200)
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    content = models.TextField(
        _("content"),
        max_length=limits.NARRATIVE,
        help_text=_("What the grid teams tell people: key points, policies, phone numbers."),
    )
    audiences = models.JSONField(_("target audience"), default=list)
    allowed_forms = models.JSONField(_("forms of activity"), default=list)
    starts_on = models.DateField(_("start date"))
    ends_on = models.DateField(_("end date"))

    leaflet = models.FileField(_("leaflet"), upload_to=leaflet_path, blank=True)
    leaflet_name = models.CharField(_("leaflet file name"), max_length=200, blank=True)
    leaflet_type = models.CharField(max_length=50, blank=True)
    # The stored leaflet is the portal's re-encoded copy of an image: only such a file is shown inline.
    leaflet_reencoded = models.BooleanField(default=False, editable=False)
    leaflet_size = models.PositiveIntegerField(_("leaflet size"), default=0)

    # The centre that drafted it (a district, township or village), and its district
    # (denormalised so that the district's review queue filters on one indexed column).
    owner_area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("drafted by centre")
    )
    district = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("district"))

    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("drafted by")
    )
    created_at = models.DateTimeField(_("drafted at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    review_note = models.TextField(
        _("review note"), max_length=limits.NOTE, blank=True, help_text=_("The district's note on the last review.")
    )
    distributed_at = models.DateTimeField(_("distributed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = CampaignQuerySet.as_manager()
    # Administrators' edits only: every step of a campaign is in its events.
    history = admin_edit_history(
        excluded_fields=["updated_at"], no_db_index=["owner_area", "district", "created_by", "reviewed_by"]
    )

    class Meta:
        verbose_name = _("publicity campaign")
        verbose_name_plural = _("publicity campaigns")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="campaign_ends_after_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]
        indexes = [
            # The district's list and review queue: its campaigns by status, newest first.
            models.Index(fields=["district", "status", "-created_at"], name="campaign_district_status"),
            # A centre's own drafts.
            models.Index(fields=["owner_area", "-created_at"], name="campaign_owner_recent"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("publicity:detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE_STATUSES

    def audience_labels(self) -> list[str]:
        return [str(Audience(a).label) for a in self.audiences if a in Audience.values]

    def form_labels(self) -> list[str]:
        return [str(PublicityForm(f).label) for f in self.allowed_forms if f in PublicityForm.values]

    @property
    def leaflet_is_image(self) -> bool:
        return self.leaflet_type in ("image/jpeg", "image/png")

    @property
    def leaflet_is_pdf(self) -> bool:
        return self.leaflet_type == "application/pdf"


class VillageDistribution(models.Model):
    """An approved campaign sent by the district to one village centre."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="distributions", verbose_name=_("campaign")
    )
    village = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("village"))
    # Denormalised from the village, so that each level's lists filter on one column.
    township = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("township"))
    district = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("district"))
    distributed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("distributed by")
    )
    distributed_at = models.DateTimeField(_("distributed at"), default=timezone.now)

    class Meta:
        verbose_name = _("distribution to a village")
        verbose_name_plural = _("distributions to villages")
        ordering = ["campaign", "village__code"]
        constraints = [
            # Distributing twice creates nothing twice.
            models.UniqueConstraint(fields=["campaign", "village"], name="distribution_once_per_village"),
        ]
        indexes = [
            # "Campaigns my village / township received", newest first.
            models.Index(fields=["village", "-distributed_at"], name="distribution_village_recent"),
            models.Index(fields=["township", "-distributed_at"], name="distribution_township_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} → {self.village}"

    def get_absolute_url(self) -> str:
        return reverse("publicity:hand_out", args=[self.pk])


class AssignmentQuerySet(models.QuerySet):
    def open(self) -> AssignmentQuerySet:
        return self.filter(done_at__isnull=True)

    def done(self) -> AssignmentQuerySet:
        return self.filter(done_at__isnull=False)

    def overdue(self, today: datetime.date | None = None) -> AssignmentQuerySet:
        return self.open().filter(due_on__lt=today or timezone.localdate())


class Assignment(models.Model):
    """A campaign handed by a village centre to one of its grids, due by a date."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("campaign")
    )
    distribution = models.ForeignKey(
        VillageDistribution, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("distribution")
    )
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, related_name="publicity_assignments", verbose_name=_("grid")
    )
    # Denormalised from the grid, so that every level's list filters on one column.
    village = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("village"))
    township = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("township"))
    district = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("district"))
    due_on = models.DateField(_("due on"))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("handed out by")
    )
    assigned_at = models.DateTimeField(_("handed out at"), default=timezone.now)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("marked done by"),
    )
    done_note = models.TextField(_("summary"), max_length=limits.NOTE, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("grid assignment")
        verbose_name_plural = _("grid assignments")
        ordering = ["due_on", "grid__code"]
        constraints = [
            # One assignment per campaign and grid, whoever hands it out and however often.
            models.UniqueConstraint(fields=["campaign", "grid"], name="assignment_once_per_grid"),
        ]
        indexes = [
            # "My assignments" of a grid team and each level's lists, by due date.
            models.Index(fields=["grid", "due_on"], name="assignment_grid_due"),
            models.Index(fields=["village", "due_on"], name="assignment_village_due"),
            models.Index(fields=["township", "due_on"], name="assignment_township_due"),
            # Reminders and the "overdue" filter: open assignments by due date.
            models.Index(fields=["due_on"], condition=Q(done_at__isnull=True), name="assignment_open_due"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.grid}"

    def get_absolute_url(self) -> str:
        return reverse("publicity:assignment", args=[self.pk])

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return not self.is_done and self.due_on < (today or timezone.localdate())


class CampaignEvent(TimelineEvent):
    """One step of a campaign's history (review, distribution, hand-out, activities, done).
    Written by the services only; never edited. The step of a village's copy or of a grid's
    assignment also names it."""

    item_field = "campaign"
    snapshot_fields = ("status",)

    class Kind(models.TextChoices):
        CREATED = "created", _("Drafted")
        EDITED = "edited", _("Edited")
        SUBMITTED = "submitted", _("Submitted for review")
        RETURNED = "returned", _("Returned with a note")
        APPROVED = "approved", _("Approved")
        DISTRIBUTED = "distributed", _("Distributed")
        HANDED_OUT = "handed_out", _("Handed to grids")
        ACTIVITY = "activity", _("Activity recorded")
        ASSIGNMENT_DONE = "assignment_done", _("Assignment done")
        CLOSED = "closed", _("Closed")

    # The steps shown as the campaign's review history (the others belong to an assignment
    # or a village and are shown there).
    REVIEW_KINDS = (
        Kind.CREATED,
        Kind.EDITED,
        Kind.SUBMITTED,
        Kind.RETURNED,
        Kind.APPROVED,
        Kind.DISTRIBUTED,
        Kind.CLOSED,
    )

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="events", verbose_name=_("campaign"))
    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, null=True, blank=True, related_name="events", verbose_name=_("assignment")
    )
    distribution = models.ForeignKey(
        VillageDistribution,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("distribution"),
    )
    kind = models.CharField(_("step"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status after"), max_length=12, choices=Campaign.Status.choices)

    class Meta(TimelineEvent.Meta):
        verbose_name = _("campaign event")
        verbose_name_plural = _("campaign events")
        indexes = [
            # The review history on the campaign page; an assignment's own steps.
            models.Index(fields=["campaign", "at"], name="campaign_event_timeline"),
            models.Index(fields=["assignment", "at"], name="campaign_event_assignment"),
        ]


class Activity(models.Model):
    """One publicity activity of a grid team for an assignment: a people's-sentiment log of
    kind publicity (form, place, when, participants, households reached, photos) filed
    through ``sentiment.services.log_file``. The link lives here, so that the sentiment
    app never depends on publicity."""

    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="activities", verbose_name=_("assignment")
    )
    log = models.OneToOneField(
        Log, on_delete=models.CASCADE, related_name="publicity_activity", verbose_name=_("sentiment log")
    )
    # The local date of the log, kept here so that the activity list filters and sorts by
    # day without converting every log's time.
    held_on = models.DateField(_("held on"))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("publicity activity")
        verbose_name_plural = _("publicity activities")
        ordering = ["-held_on", "-pk"]
        indexes = [
            # An assignment's activities, and the progress figures grouped by assignment.
            models.Index(fields=["assignment", "held_on"], name="activity_assignment_day"),
            # The activity list and export, newest first.
            models.Index(fields=["-held_on", "-id"], name="activity_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.assignment} · {self.held_on}"
