from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govcenter import limits, uploads
from govcenter.deadlines import DeadlinePolicyBase
from govcenter.history import admin_edit_history
from govcenter.levels import LEVEL_ORDER, Level
from govcenter.levels import next_level as level_above
from govcenter.levels import previous_level as level_below
from govcenter.models import Area, Department
from govcenter.pii import ProtectedIdNumber
from govcenter.timeline import LevelMove, TimelineEvent
from grids.models import Grid, Resident


class RiskLevel(models.TextChoices):
    GENERAL = "general", _("General")
    SIGNIFICANT = "significant", _("Significant")
    MAJOR = "major", _("Major")


class DeadlinePolicy(DeadlinePolicyBase):
    """How long a level has to handle a dispute of a risk level. Edited in Django admin."""

    key_fields = ("risk_level", "level")
    DEFAULT_DAYS = {
        ("general", "village"): 7,
        ("general", "township"): 10,
        ("general", "district"): 15,
        ("general", "department"): 15,
        ("significant", "village"): 5,
        ("significant", "township"): 7,
        ("significant", "district"): 10,
        ("significant", "department"): 10,
        ("major", "village"): 3,
        ("major", "township"): 5,
        ("major", "district"): 7,
        ("major", "department"): 7,
    }

    risk_level = models.CharField(_("risk level"), max_length=12, choices=RiskLevel.choices)
    level = models.CharField(_("handling level"), max_length=12, choices=Level.choices)

    class Meta:
        verbose_name = _("deadline policy")
        verbose_name_plural = _("deadline policies")
        ordering = ["risk_level", "level"]
        constraints = [models.UniqueConstraint(fields=["risk_level", "level"], name="deadline_policy_unique")]

    def __str__(self) -> str:
        return (
            f"{self.get_risk_level_display()} · {self.get_level_display()}: {self.days} {self.get_day_kind_display()}"
        )


class FollowUpRule(models.Model):
    """A follow-up visit scheduled when a dispute is resolved, ``days_after`` calendar days later."""

    days_after = models.PositiveSmallIntegerField(_("days after resolution"), unique=True)

    class Meta:
        verbose_name = _("follow-up rule")
        verbose_name_plural = _("follow-up rules")
        ordering = ["days_after"]

    def __str__(self) -> str:
        return _("Follow-up %(days)d days after resolution") % {"days": self.days_after}


class LedgerCounter(models.Model):
    """The last ledger sequence number given out per district and year (see services.ledger_number_next)."""

    district = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["district", "year"], name="ledger_counter_unique")]

    def __str__(self) -> str:
        return f"{self.district_id}/{self.year}: {self.last}"


class DisputeQuerySet(models.QuerySet):
    def open(self) -> DisputeQuerySet:
        return self.filter(status__in=Dispute.OPEN_STATUSES)

    def overdue(self, at: datetime.datetime | None = None) -> DisputeQuerySet:
        return self.open().filter(due_at__lt=at or timezone.now())


class Dispute(models.Model):
    """One entry of the conflict-dispute ledger (矛盾纠纷排查化解台账)."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Awaiting acceptance")
        ACCEPTED = "accepted", _("Accepted")
        IN_MEDIATION = "in_mediation", _("In mediation")
        AWAITING_CONFIRMATION = "awaiting_confirmation", _("Result returned, awaiting confirmation")
        RESOLVED = "resolved", _("Resolved")
        NOT_RESOLVED = "not_resolved", _("Not resolved")
        ARCHIVED = "archived", _("Archived")

    class Source(models.TextChoices):
        GRID_INSPECTION = "grid_inspection", _("Grid inspection")
        WALK_IN = "walk_in", _("Walk-in")
        HOTLINE_12345 = "hotline_12345", _("12345 hotline")
        POLICE_110 = "police_110", _("110 police")
        LETTERS_VISITS = "letters_visits", _("Letters and visits")
        REFERRAL = "referral", _("Referral")

    class Category(models.TextChoices):
        NEIGHBOURHOOD = "neighbourhood", _("Neighbourhood")
        LAND_BOUNDARY = "land_boundary", _("Land and boundary")
        MARRIAGE_FAMILY = "marriage_family", _("Marriage and family")
        LABOUR_WAGES = "labour_wages", _("Labour and wage arrears")
        DEMOLITION = "demolition", _("Demolition and compensation")
        RESETTLEMENT = "resettlement", _("Resettlement and customs")
        PROPERTY = "property", _("Property management")
        CONSUMER = "consumer", _("Consumer")
        TRAFFIC = "traffic", _("Traffic")
        MEDICAL = "medical", _("Medical")
        ONLINE_FRAUD = "online_fraud", _("Online fraud")
        OTHER = "other", _("Other")

    class Referral(models.TextChoices):
        LITIGATION = "litigation", _("Litigation")
        ARBITRATION = "arbitration", _("Arbitration")
        LETTERS_VISITS = "letters_visits", _("Letters and visits")
        ADMIN_RECONSIDERATION = "admin_reconsideration", _("Administrative reconsideration")

    OPEN_STATUSES = (Status.REGISTERED, Status.ACCEPTED, Status.IN_MEDIATION, Status.AWAITING_CONFIRMATION)
    Level = Level
    RiskLevel = RiskLevel

    number = models.CharField(_("ledger number"), max_length=32, unique=True)
    # Where: the district is always known; township / village / grid as far as known
    # (a 12345 item may arrive with only a township). Denormalised so that each level's
    # list filters on one indexed column.
    district = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("district"))
    township = models.ForeignKey(
        Area, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("township")
    )
    village = models.ForeignKey(
        Area, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("village")
    )
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, null=True, blank=True, related_name="disputes", verbose_name=_("grid")
    )

    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    source_reference = models.CharField(
        _("source reference"), max_length=50, blank=True, help_text=_("e.g. the 12345 work-order number")
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    summary = models.CharField(_("summary"), max_length=200)
    description = models.TextField(_("description"), max_length=limits.NARRATIVE)
    occurred_on = models.DateField(_("date it arose"))
    location = models.CharField(_("place"), max_length=200, blank=True)

    risk_level = models.CharField(_("risk level"), max_length=12, choices=RiskLevel.choices, default=RiskLevel.GENERAL)
    risk_criminal = models.BooleanField(_("risk of turning criminal"), default=False)
    risk_mass_incident = models.BooleanField(_("risk of a mass incident"), default=False)
    vulnerable_party = models.BooleanField(_("vulnerable party involved"), default=False)

    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.REGISTERED)
    level = models.CharField(_("handling level"), max_length=12, choices=Level.choices)
    registered_level = models.CharField(_("registered at level"), max_length=12, choices=Level.choices)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disputes",
        verbose_name=_("functional department"),
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handled_disputes",
        verbose_name=_("handler"),
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="registered_disputes",
        verbose_name=_("registered by"),
    )
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("last escalated at"), null=True, blank=True)
    supervised_at = models.DateTimeField(
        _("under supervision since"), null=True, blank=True, help_text=_("督办: overdue at the top level")
    )

    result = models.TextField(_("handling result"), max_length=limits.REASON, blank=True)
    referral = models.CharField(_("referred to"), max_length=24, choices=Referral.choices, blank=True)
    resolved_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Number, summary, description and party names in one column, so that the ledger's
    # search box is one indexed LIKE (a trigram index on PostgreSQL, migration 0004)
    # instead of an OR across two tables. Kept up to date by services.dispute_register.
    search_text = models.TextField(editable=False, blank=True)

    objects = DisputeQuerySet.as_manager()
    # Administrators' edits only: every step of the workflow is on the case's timeline.
    history = admin_edit_history(
        excluded_fields=["search_text", "updated_at"],
        no_db_index=["number", "district", "township", "village", "grid", "department", "handler", "registered_by"],
    )

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-registered_at", "-pk"]
        indexes = [
            # Each level's ledger list, newest first (the default order, pk breaking ties).
            models.Index(fields=["-registered_at", "-id"], name="dispute_recent"),
            models.Index(fields=["district", "-registered_at", "-id"], name="dispute_district_recent"),
            models.Index(fields=["township", "-registered_at", "-id"], name="dispute_township_recent"),
            models.Index(fields=["village", "-registered_at", "-id"], name="dispute_village_recent"),
            models.Index(fields=["department", "-registered_at", "-id"], name="dispute_department_recent"),
            models.Index(fields=["grid", "-registered_at", "-id"], name="dispute_grid_recent"),
            # The ledger sorted by deadline within a district ("due soonest").
            models.Index(fields=["district", "due_at"], name="dispute_district_due"),
            # The overdue sweep and "overdue" filters: open cases by deadline.
            models.Index(
                fields=["due_at"],
                condition=Q(status__in=["registered", "accepted", "in_mediation", "awaiting_confirmation"]),
                name="dispute_open_due",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("disputes:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def build_search_text(self, party_names: list[str] | None = None) -> str:
        if party_names is None:
            party_names = [p.name for p in self.parties.all()]
        return " ".join([self.number, self.summary, self.description, *party_names])

    def is_overdue(self, at: datetime.datetime | None = None) -> bool:
        return self.is_open and self.due_at is not None and self.due_at < (at or timezone.now())

    @property
    def level_index(self) -> int:
        return LEVEL_ORDER.index(self.level)

    def next_level(self) -> str | None:
        return level_above(self.level)

    def escalates_automatically(self) -> bool:
        """Whether the overdue sweep can move this case one level up by itself.

        It cannot at the top (department), from district level when no department has
        been named (only the district centre can choose one), nor while a returned
        result awaits confirmation; such cases are supervised (督办) instead.
        """
        target = self.next_level()
        if target is None or self.status == self.Status.AWAITING_CONFIRMATION:
            return False
        if target == Level.DEPARTMENT and self.department_id is None:
            return False
        return not (target == Level.TOWNSHIP and self.township_id is None)

    def previous_level(self) -> str | None:
        """The level that sent the case up to the current one (never below where it was registered)."""
        return level_below(self.level, floor=self.registered_level)

    @property
    def flags(self) -> list[str]:
        names = []
        if self.risk_criminal:
            names.append(str(_("risk of turning criminal")))
        if self.risk_mass_incident:
            names.append(str(_("risk of a mass incident")))
        if self.vulnerable_party:
            names.append(str(_("vulnerable party involved")))
        return names


class Party(ProtectedIdNumber):
    """An applicant or respondent: a person (ID number protected like residents') or an organisation."""

    class Role(models.TextChoices):
        APPLICANT = "applicant", _("Applicant")
        RESPONDENT = "respondent", _("Respondent")
        OTHER = "other", _("Other party")

    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        ORGANISATION = "organisation", _("Organisation")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="parties", verbose_name=_("dispute"))
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.PERSON)
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    resident = models.ForeignKey(
        Resident,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dispute_parties",
        verbose_name=_("resident"),
    )

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["dispute", "role", "pk"]
        indexes = [models.Index(fields=["name"], name="party_name")]  # ledger search by party name

    def __str__(self) -> str:
        return self.name


def attachment_path(instance: Attachment, filename: str) -> str:
    # A random name (the uploaded one is kept in ``original_name``): files are served only
    # through the visibility-checking view, and a name must not be guessable all the same.
    return uploads.random_name(f"disputes/{instance.dispute_id}", filename)


class Attachment(models.Model):
    class Kind(models.TextChoices):
        AGREEMENT = "agreement", _("Mediation agreement")
        PHOTO = "photo", _("Photo")
        OTHER = "other", _("Other document")

    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("dispute")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=attachment_path)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    # The stored file is the portal's re-encoded copy of an image: only such a file is shown inline.
    reencoded = models.BooleanField(default=False, editable=False)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("disputes:attachment", args=[self.pk])


class MediationRecord(models.Model):
    class Method(models.TextChoices):
        ON_SITE = "on_site", _("On-site mediation")
        COMMITTEE = "committee", _("People's mediation committee")
        POLICE_LINKAGE = "police_linkage", _("Police-mediation linkage")

    class Outcome(models.TextChoices):
        AGREEMENT = "agreement", _("Agreement reached")
        PARTIAL = "partial", _("Partial agreement")
        FAILED = "failed", _("Failed")

    class MediatorKind(models.TextChoices):
        PEOPLES_MEDIATOR = "peoples_mediator", _("People's mediator")
        COMMUNITY_POLICE = "community_police", _("Community police")
        RURAL_SAGE = "rural_sage", _("Rural sage")
        CADRE = "cadre", _("Village or township cadre")
        LAWYER = "lawyer", _("Lawyer")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="mediations", verbose_name=_("dispute"))
    held_on = models.DateField(_("date"))
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    mediator_kinds = models.JSONField(
        _("mediators present"), default=list, help_text=_("People's mediators, community police, rural sages, ...")
    )
    mediators = models.CharField(_("mediators' names"), max_length=200)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    notes = models.TextField(_("record"), max_length=limits.NARRATIVE, blank=True)
    agreement = models.ForeignKey(
        Attachment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("agreement")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("mediation record")
        verbose_name_plural = _("mediation records")
        ordering = ["held_on", "pk"]

    def __str__(self) -> str:
        return f"{self.dispute} · {self.held_on} · {self.get_outcome_display()}"

    def mediator_kind_labels(self) -> list[str]:
        return [str(self.MediatorKind(k).label) for k in self.mediator_kinds if k in self.MediatorKind.values]


class FollowUp(models.Model):
    """A follow-up visit (回访) after resolution: scheduled from FollowUpRule, then recorded."""

    class Finding(models.TextChoices):
        STABLE = "stable", _("Stable")
        FLARED = "flared", _("Flared up again")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("dispute"))
    due_on = models.DateField(_("due on"))
    visited_on = models.DateField(_("visited on"), null=True, blank=True)
    finding = models.CharField(_("finding"), max_length=10, choices=Finding.choices, blank=True)
    notes = models.TextField(_("notes"), max_length=limits.NOTE, blank=True)
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("visited by"),
    )
    cancelled = models.BooleanField(_("cancelled"), default=False)

    class Meta:
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
        ordering = ["due_on", "pk"]
        indexes = [
            # Follow-ups coming due (reminders): pending ones by date.
            models.Index(
                fields=["due_on"], condition=Q(visited_on__isnull=True, cancelled=False), name="followup_pending_due"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dispute} · {self.due_on}"

    @property
    def is_pending(self) -> bool:
        return self.visited_on is None and not self.cancelled


class PoliceReview(models.Model):
    """A police opinion on a dispute by station staff or community police."""

    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, related_name="police_reviews", verbose_name=_("dispute")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("police officer")
    )
    opinion = models.TextField(_("police opinion"), max_length=limits.REASON)
    flags_criminal_risk = models.BooleanField(_("flags a risk of turning criminal"), default=False)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("police review")
        verbose_name_plural = _("police reviews")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.dispute} · {self.author}"


class DisputeEvent(TimelineEvent, LevelMove):
    """One step on the dispute's timeline. Written by the services only; never edited."""

    item_field = "dispute"
    snapshot_fields = ("status", "due_at")

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        DIVERTED = "diverted", _("Diverted down")
        ACCEPTED = "accepted", _("Accepted")
        HANDLER_ASSIGNED = "handler_assigned", _("Handler assigned")
        MEDIATION = "mediation", _("Mediation recorded")
        ESCALATED = "escalated", _("Escalated")
        SUPERVISED = "supervised", _("Placed under supervision")
        SUPERVISION_LIFTED = "supervision_lifted", _("Supervision lifted")
        FEEDBACK_RETURNED = "feedback_returned", _("Result returned down")
        FEEDBACK_CONFIRMED = "feedback_confirmed", _("Returned result confirmed")
        FEEDBACK_REJECTED = "feedback_rejected", _("Returned result rejected")
        RESOLVED = "resolved", _("Resolved")
        NOT_RESOLVED = "not_resolved", _("Closed as not resolved")
        FOLLOW_UP = "follow_up", _("Follow-up visit")
        REOPENED = "reopened", _("Reopened")
        ARCHIVED = "archived", _("Archived")
        POLICE_REVIEW = "police_review", _("Police opinion")
        ATTACHMENT = "attachment", _("Attachment added")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="events", verbose_name=_("dispute"))
    kind = models.CharField(_("step"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status after"), max_length=24, choices=Dispute.Status.choices)
    due_at = models.DateTimeField(_("deadline after"), null=True, blank=True)

    class Meta(TimelineEvent.Meta):
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        indexes = [models.Index(fields=["dispute", "at"], name="dispute_event_timeline")]
