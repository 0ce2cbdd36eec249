"""The people's-sentiment log (民情日志): a grid worker's record of each visit or service,
filed with the village centre, and what follows from it: agency matters (代办) tracked to
completion, a ledger entry when the matter is a dispute, and the three-level reporting
flow (village -> township -> district -> functional department, results fed back down).

State changes go through ``sentiment.services`` only; each writes one ``LogEvent``.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from disputes.models import Dispute
from govcenter import limits, uploads
from govcenter.choices import ChoiceLabels
from govcenter.deadlines import DayKind, DeadlinePolicyBase
from govcenter.feedback import ResultFeedback
from govcenter.history import admin_edit_history
from govcenter.levels import LEVEL_ORDER, Level, levels_below
from govcenter.models import Area, Department
from govcenter.police import PoliceOpinion, PoliceQueueItem
from govcenter.reverse import reverse_pk
from govcenter.timeline import LevelMove, TimelineEvent
from govcenter.urgent import UrgentItem
from grids.models import Grid, Resident


class LogQuerySet(models.QuerySet):
    def awaiting_screening(self) -> LogQuerySet:
        return self.filter(status__in=Log.AWAITING_STATUSES)

    def in_flow(self) -> LogQuerySet:
        """Reported logs not yet answered (awaiting screening or in hand at some level)."""
        return self.filter(status__in=Log.OPEN_FLOW_STATUSES)

    def overdue(self, at: datetime.datetime | None = None) -> LogQuerySet:
        """Reported logs not yet answered whose level's deadline has passed (the overdue sweep)."""
        return self.in_flow().filter(due_at__lt=at or timezone.now())


class ReportDeadlinePolicy(DeadlinePolicyBase):
    """How long a level has to answer a log reported to it. Edited in Django admin."""

    key_fields = ("level",)
    # A township's station or institute has the township's time.
    DEFAULT_DAYS = {("village",): 5, ("township",): 7, ("district",): 10, ("department",): 10, ("town_unit",): 7}

    level = models.CharField(_("handling level"), max_length=12, choices=Level.choices, unique=True)

    class Meta:
        verbose_name = _("deadline of reported logs")
        verbose_name_plural = _("deadlines of reported logs")
        ordering = ["level"]

    def __str__(self) -> str:
        return f"{self.get_level_display()}: {self.days} {self.get_day_kind_display()}"


# The columns the statistics' "open now" counts of logs read (analysis.activity), carried in
# the open logs' partial indexes of a township and a district: counted from the index alone.
OPEN_FIGURES = ["id", "kind", "category", "due_at"]


class Log(ChoiceLabels, PoliceQueueItem, ResultFeedback, UrgentItem, models.Model):
    """One entry of a grid worker's people's-sentiment log. A public-security hazard or an
    incident report enters the police review queue (``PoliceQueueItem``)."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("Visit")
        AGENCY = "agency", _("Agency service")
        PUBLICITY = "publicity", _("Publicity")
        INSPECTION = "inspection", _("Inspection")
        INCIDENT = "incident", _("Incident report")

    class Category(models.TextChoices):
        FAMILY_PLANNING = "family_planning", _("Family planning")
        SUBSISTENCE = "subsistence", _("Subsistence allowance")
        SOCIAL_SECURITY = "social_security", _("Social security")
        HARDSHIP = "hardship", _("Hardship relief")
        UNEMPLOYMENT = "unemployment", _("Unemployment registration")
        PREFERENTIAL = "preferential", _("Preferential treatment")
        DISPUTE = "dispute", _("Dispute")
        SECURITY_HAZARD = "security_hazard", _("Public-security hazard")
        PRODUCTION_SAFETY = "production_safety", _("Production safety")
        OTHER = "other", _("Other")

    class NextStep(models.TextChoices):
        ANSWERED = "answered", _("Answered on the spot")
        AGENCY = "agency", _("Agency matter")
        DISPUTE = "dispute", _("Turn into a dispute")
        REPORT = "report", _("Report up")

    class PublicityForm(models.TextChoices):
        FIXED_POINT = "fixed_point", _("Fixed-point")
        CENTRALISED = "centralised", _("Centralised")
        DOOR_TO_DOOR = "door_to_door", _("Door-to-door")

    class Status(models.TextChoices):
        FILED = "filed", _("Filed")  # nothing to screen: answered, agency matter, dispute
        NEW = "new", _("New, awaiting screening")  # reported by the grid worker, at the village centre
        REPORTED_UP = "reported_up", _("Reported up, awaiting screening")  # at the township or district
        IN_HAND = "in_hand", _("In hand")
        FED_BACK = "fed_back", _("Result fed back")

    class Cosign(models.TextChoices):
        # Empty: nobody accompanied (or the log predates co-signing).
        AWAITING = "awaiting", _("Awaiting co-signature")
        SIGNED = "signed", _("Co-signed")
        DECLINED = "declined", _("Co-signature declined")

    AWAITING_STATUSES = (Status.NEW, Status.REPORTED_UP)
    OPEN_FLOW_STATUSES = (Status.NEW, Status.REPORTED_UP, Status.IN_HAND)
    Level = Level

    # Where: the grid, and its village, township and district denormalised so that each
    # level's list filters on one indexed column (like the ledger).
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="sentiment_logs", verbose_name=_("grid"))
    village = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("village"))
    township = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("township"))
    district = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("district"))

    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sentiment_logs", verbose_name=_("grid worker")
    )
    accompanied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accompanied_logs",
        verbose_name=_("accompanied by"),
        help_text=_("The community or auxiliary police officer of the grid."),
    )
    # The accompanying officer's co-signature (会签): asked when the log names them.
    cosign = models.CharField(_("co-signature"), max_length=8, choices=Cosign.choices, blank=True)
    cosigned_at = models.DateTimeField(_("co-signed at"), null=True, blank=True)
    cosign_note = models.TextField(_("why the officer declined"), max_length=limits.REASON, blank=True)
    occurred_at = models.DateTimeField(_("when"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    resident = models.ForeignKey(
        Resident,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sentiment_logs",
        verbose_name=_("resident"),
    )
    visitor_name = models.CharField(
        _("visitor"), max_length=50, blank=True, help_text=_("Someone not registered in the grid.")
    )
    matter = models.TextField(_("matter"), max_length=limits.NARRATIVE)
    policy_basis = models.CharField(_("policy basis"), max_length=300, blank=True)
    result = models.TextField(_("result"), max_length=limits.REASON, blank=True)
    next_step = models.CharField(_("next step"), max_length=10, choices=NextStep.choices, default=NextStep.ANSWERED)

    # Publicity activities (kind "publicity"); the publicity app links a log to a campaign.
    publicity_form = models.CharField(_("form of publicity"), max_length=14, choices=PublicityForm.choices, blank=True)
    participants = models.PositiveIntegerField(_("participants"), null=True, blank=True)
    households_reached = models.PositiveIntegerField(_("households reached"), null=True, blank=True)

    dispute = models.OneToOneField(
        Dispute,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sentiment_log",
        verbose_name=_("dispute"),
    )

    # The reporting flow.
    level = models.CharField(_("handling level"), max_length=12, choices=Level.choices, default=Level.VILLAGE)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.FILED)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handled_logs",
        verbose_name=_("handler"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sentiment_logs",
        verbose_name=_("functional department"),
    )
    reported_at = models.DateTimeField(_("reported up at"), null=True, blank=True)
    # The handling level's deadline while the log is in the flow (ReportDeadlinePolicy).
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    supervised_at = models.DateTimeField(
        _("under supervision since"), null=True, blank=True, help_text=_("督办 by the district or township centre")
    )
    feedback = models.TextField(_("result fed back"), max_length=limits.REASON, blank=True)
    fed_back_at = models.DateTimeField(_("fed back at"), null=True, blank=True)
    fed_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("fed back by"),
    )

    # A token the filing page generates and the browser's draft keeps: submitting the same
    # draft twice (a dropped connection, a double tap) files one log.
    client_token = models.CharField(max_length=36, blank=True, editable=False)
    created_at = models.DateTimeField(_("filed at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = LogQuerySet.as_manager()
    # Administrators' edits only: every step of the reporting flow is on the log's timeline.
    history = admin_edit_history(
        excluded_fields=["updated_at", "client_token"],
        no_db_index=[
            "grid", "village", "township", "district", "recorded_by", "accompanied_by", "resident", "dispute",
            "handler", "department", "fed_back_by",
        ],
    )  # fmt: skip

    class Meta:
        verbose_name = _("sentiment log")
        verbose_name_plural = _("sentiment logs")
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recorded_by", "client_token"], condition=~Q(client_token=""), name="log_unique_client_token"
            ),
            models.CheckConstraint(
                # At a department or a township unit the log names it.
                name="log_department_level_names_department",
                condition=Q(level__in=["department", "town_unit"], department__isnull=False)
                | ~Q(level__in=["department", "town_unit"]),
            ),
            models.CheckConstraint(
                name="log_cosign_names_an_officer",
                condition=Q(cosign="") | Q(accompanied_by__isnull=False),
            ),
            models.CheckConstraint(
                name="log_cosigned_has_time",
                condition=~Q(cosign="signed") | Q(cosigned_at__isnull=False),
            ),
        ]
        indexes = [
            # Each level's log list and monthly counts, newest first / by month.
            models.Index(fields=["district", "-occurred_at"], name="log_district_recent"),
            models.Index(fields=["township", "-occurred_at"], name="log_township_recent"),
            models.Index(fields=["village", "-occurred_at"], name="log_village_recent"),
            models.Index(fields=["grid", "-occurred_at"], name="log_grid_recent"),
            models.Index(fields=["department", "-occurred_at"], name="log_department_recent"),
            # The logs awaiting one officer's co-signature (selectors.logs_to_cosign), a few at a time.
            models.Index(
                fields=["accompanied_by", "occurred_at"], condition=Q(cosign="awaiting"), name="log_awaiting_cosign"
            ),
            # "My logs" of a grid worker.
            models.Index(fields=["recorded_by", "-occurred_at"], name="log_worker_recent"),
            # The incoming queues (new / in hand / reported up) of a village, township or
            # district centre: only reported logs still open, a small share of all logs.
            models.Index(
                fields=["village", "level", "status"],
                condition=Q(status__in=["new", "reported_up", "in_hand"]),
                name="log_village_queue",
            ),
            models.Index(
                fields=["township", "level", "status"],
                condition=Q(status__in=["new", "reported_up", "in_hand"]),
                name="log_township_queue",
                include=OPEN_FIGURES,
            ),
            models.Index(
                fields=["district", "level", "status"],
                condition=Q(status__in=["new", "reported_up", "in_hand"]),
                name="log_district_queue",
                include=OPEN_FIGURES,
            ),
            # The "fed back" tab of a village, township or district centre, latest results first.
            models.Index(
                fields=["village", "-fed_back_at"], condition=Q(status="fed_back"), name="log_village_fed_back"
            ),
            models.Index(
                fields=["township", "-fed_back_at"], condition=Q(status="fed_back"), name="log_township_fed_back"
            ),
            models.Index(
                fields=["district", "-fed_back_at"], condition=Q(status="fed_back"), name="log_district_fed_back"
            ),
            # The overdue sweep: logs in the flow by deadline.
            models.Index(
                fields=["due_at"], condition=Q(status__in=["new", "reported_up", "in_hand"]), name="log_open_due"
            ),
            # Lists and monthly counts of a user who sees everything (administrators): without
            # it, "newest first" over the whole table would sort every row.
            models.Index(fields=["-occurred_at"], name="log_recent"),
            # The police review queue, its reminders and its overdue sweep: queued logs by deadline.
            models.Index(
                fields=["police_review_due_at"], condition=Q(police_review="pending"), name="log_police_queue"
            ),
            # The lists' urgent items pinned first (govcenter.urgent.UrgentFirst): the few open
            # logs marked urgent. Without it a province's list read every open log (70 ms).
            models.Index(
                fields=["-occurred_at"],
                condition=Q(status__in=["new", "reported_up", "in_hand"], urgent_at__isnull=False),
                name="log_open_urgent",
            ),
        ]

    def __str__(self) -> str:
        when = timezone.localtime(self.occurred_at).strftime("%Y-%m-%d") if self.occurred_at else ""
        return f"{when} {self.person_name or self.get_kind_display()} · {self.get_category_display()}"

    def get_absolute_url(self) -> str:
        return reverse_pk("sentiment:detail", self.pk)

    @property
    def person_name(self) -> str:
        if self.resident_id:
            return self.resident.name
        return self.visitor_name

    @property
    def summary(self) -> str:
        text = " ".join(self.matter.split())
        return text if len(text) <= 60 else text[:59] + "…"

    def police_review_reasons(self) -> list[str]:
        """Why the police must judge this log (empty: they need not). A publicity activity on
        public security (anti-fraud talks, ...) reports no hazard."""
        reasons = []
        if self.category == self.Category.SECURITY_HAZARD and self.kind != self.Kind.PUBLICITY:
            reasons.append(str(self.Category.SECURITY_HAZARD.label))
        if self.kind == self.Kind.INCIDENT:
            reasons.append(str(self.Kind.INCIDENT.label))
        return reasons

    @property
    def in_flow(self) -> bool:
        return self.status in self.OPEN_FLOW_STATUSES

    @property
    def is_open(self) -> bool:
        """Open for supervision and the overdue sweep: in the reporting flow."""
        return self.in_flow

    def is_overdue(self, at: datetime.datetime | None = None) -> bool:
        return self.in_flow and self.due_at is not None and self.due_at < (at or timezone.now())

    @property
    def awaiting_screening(self) -> bool:
        return self.status in self.AWAITING_STATUSES

    @property
    def level_index(self) -> int:
        return LEVEL_ORDER.index(self.level)

    def next_level(self) -> str | None:
        """The level a report goes up to; the district assigns departments instead."""
        return {Level.VILLAGE: Level.TOWNSHIP, Level.TOWNSHIP: Level.DISTRICT}.get(self.level)

    def reporting_levels(self) -> list[str]:
        """The levels below the current one that the log passed through (they get the feedback).
        An urgent log the village passed straight to the district skipped the township."""
        if self.urgent_at is None:
            return levels_below(self.level)
        from govcenter.feedback import levels_passed

        return [level for level in levels_passed(self) if level in levels_below(self.level)]

    @property
    def awaiting_cosign(self) -> bool:
        return self.cosign == self.Cosign.AWAITING

    @property
    def awaiting_parties(self) -> bool:
        """A result fed back waits to be told to the parties (not once back in the flow)."""
        return self.status == self.Status.FED_BACK and super().awaiting_parties

    @property
    def origin_level(self) -> str:
        """Logs are filed with the village centre: a result comes back down to it."""
        return Level.VILLAGE

    @property
    def finder(self):
        return self.recorded_by

    @property
    def is_reported(self) -> bool:
        return self.status != self.Status.FILED


class PhraseQuerySet(models.QuerySet):
    def offered(self) -> PhraseQuerySet:
        """The phrases the filing form shows, in the administrator's order per category."""
        return self.filter(active=True).order_by("category", "order", "pk")


class Phrase(models.Model):
    """A common matter of one log category, offered on the filing form as a one-tap button
    that fills the matter and the policy basis (issue 16, item 21). The administrator keeps
    them in the admin; the worker edits only what differs from the phrase."""

    category = models.CharField(_("category"), max_length=20, choices=Log.Category.choices)
    matter = models.CharField(
        _("matter"), max_length=200, help_text=_("Filled into the log's matter; also the button's label.")
    )
    policy_basis = models.CharField(_("policy basis"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0, help_text=_("Smaller numbers come first."))
    active = models.BooleanField(_("active"), default=True)

    objects = PhraseQuerySet.as_manager()

    class Meta:
        verbose_name = _("common matter phrase")
        verbose_name_plural = _("common matter phrases")
        ordering = ["category", "order", "pk"]
        constraints = [
            # One button per text in a category: two equal buttons would only confuse.
            models.UniqueConstraint(fields=["category", "matter"], name="phrase_unique_per_category"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.matter}"


def photo_path(instance: LogPhoto, filename: str) -> str:
    # A random name (the uploaded one is kept in ``original_name``): photos are served only
    # through the visibility-checking view, and a name must not be guessable all the same.
    return uploads.random_name(f"sentiment/{timezone.now():%Y/%m}", filename)


class LogPhoto(models.Model):
    log = models.ForeignKey(Log, on_delete=models.CASCADE, related_name="photos", verbose_name=_("log"))
    file = models.FileField(_("file"), upload_to=photo_path)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=20)  # proven by the file's first bytes: image/jpeg or image/png
    # The stored file is the portal's re-encoded copy: only such a photo is shown inline.
    reencoded = models.BooleanField(default=False, editable=False)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("sentiment:photo", args=[self.pk])


class AgencyMatterQuerySet(models.QuerySet):
    def open(self) -> AgencyMatterQuerySet:
        return self.filter(status=AgencyMatter.Status.OPEN)

    def overdue(self, today: datetime.date | None = None) -> AgencyMatterQuerySet:
        return self.open().filter(due_on__lt=today or timezone.localdate())


class AgencyMatter(models.Model):
    """A matter the grid worker handles on a resident's behalf (代办), tracked to completion."""

    class Type(models.TextChoices):
        SUBSISTENCE = "subsistence", _("Subsistence allowance")
        SOCIAL_SECURITY = "social_security", _("Social security")
        MEDICAL_INSURANCE = "medical_insurance", _("Medical insurance")
        PENSION = "pension", _("Pension")
        UNEMPLOYMENT = "unemployment", _("Unemployment registration")
        HARDSHIP = "hardship", _("Hardship relief")
        PREFERENTIAL = "preferential", _("Preferential treatment")
        DISABILITY = "disability", _("Disability certificate and subsidy")
        FAMILY_PLANNING = "family_planning", _("Family planning")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("to-do status", "Open")
        DONE = "done", _("Done")

    log = models.ForeignKey(Log, on_delete=models.CASCADE, related_name="agency_matters", verbose_name=_("log"))
    resident = models.ForeignKey(
        Resident,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agency_matters",
        verbose_name=_("resident"),
    )
    person_name = models.CharField(
        _("for"), max_length=50, blank=True, help_text=_("The resident's or visitor's name.")
    )
    # Denormalised from the log: the list of open matters filters on one indexed column.
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="+", verbose_name=_("grid"))
    village = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("village"))
    township = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("township"))
    district = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("district"))
    matter_type = models.CharField(_("matter type"), max_length=20, choices=Type.choices)
    due_on = models.DateField(_("due on"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="agency_matters", verbose_name=_("assignee")
    )
    status = models.CharField(_("status"), max_length=6, choices=Status.choices, default=Status.OPEN)
    supervised_at = models.DateTimeField(
        _("under supervision since"), null=True, blank=True, help_text=_("督办: overdue, the township watches it")
    )
    result = models.TextField(_("result"), max_length=limits.REASON, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("completed by"),
    )
    created_at = models.DateTimeField(_("opened at"), default=timezone.now)

    objects = AgencyMatterQuerySet.as_manager()

    class Meta:
        verbose_name = _("agency matter")
        verbose_name_plural = _("agency matters")
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                name="agency_done_has_completion",
                condition=Q(status="open", completed_at__isnull=True) | Q(status="done", completed_at__isnull=False),
            ),
        ]
        indexes = [
            # Open matters coming due: the reminder sweep and "overdue" lists.
            models.Index(fields=["due_on"], condition=Q(status="open"), name="agency_open_due"),
            # Open / overdue matters of a village, township, district or grid, soonest due first.
            models.Index(fields=["village", "status", "due_on"], name="agency_village_status_due"),
            models.Index(fields=["township", "status", "due_on"], name="agency_township_status_due"),
            models.Index(fields=["district", "status", "due_on"], name="agency_district_status_due"),
            models.Index(fields=["grid", "status", "due_on"], name="agency_grid_status_due"),
            # A grid worker's own matters.
            models.Index(fields=["assignee", "status", "due_on"], name="agency_assignee_status_due"),
        ]

    def __str__(self) -> str:
        return f"{self.person_name or '—'} · {self.get_matter_type_display()} · {self.due_on:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("sentiment:agency_complete", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.is_open and self.due_on < (today or timezone.localdate())

    # The level protocol of govcenter.levels (reminders, supervision): the grid worker does
    # the matter for the village centre; the assignee is its handler.
    level = Level.VILLAGE
    department_id = None

    @property
    def handler(self):
        return self.assignee


class AgencyDeadlinePolicy(DeadlinePolicyBase):
    """How long a grid worker has to complete an agency matter of a type. Edited in Django admin."""

    key_fields = ("matter_type",)
    DEFAULT_DAY_KIND = DayKind.CALENDAR
    DEFAULT_DAYS = {(t,): 7 for t in AgencyMatter.Type.values}  # a week, as before the table existed

    matter_type = models.CharField(_("matter type"), max_length=20, choices=AgencyMatter.Type.choices, unique=True)

    class Meta:
        verbose_name = _("deadline of agency matters")
        verbose_name_plural = _("deadlines of agency matters")
        ordering = ["matter_type"]

    def __str__(self) -> str:
        return f"{self.get_matter_type_display()}: {self.days} {self.get_day_kind_display()}"


class LogPoliceReview(PoliceOpinion):
    """A police opinion (研判意见) on a log of the review queue."""

    log = models.ForeignKey(Log, on_delete=models.CASCADE, related_name="police_reviews", verbose_name=_("log"))

    class Meta(PoliceOpinion.Meta):
        verbose_name = _("police opinion on a log")
        verbose_name_plural = _("police opinions on logs")

    def __str__(self) -> str:
        return f"{self.log} · {self.author}"


class LogEvent(TimelineEvent, LevelMove):
    """One step on a log's timeline. Written by the services only; never edited."""

    item_field = "log"
    snapshot_fields = ("status",)

    class Kind(models.TextChoices):
        FILED = "filed", _("Filed")
        PHOTOS_ADDED = "photos_added", _("Photos added")
        AGENCY_OPENED = "agency_opened", _("Agency matter opened")
        AGENCY_COMPLETED = "agency_completed", _("Agency matter completed")
        TURNED_INTO_DISPUTE = "to_dispute", _("Turned into a dispute")
        REPORTED_UP = "reported_up", _("Reported up")
        HANDLED_HERE = "handled_here", _("Handled at this level")
        DEPARTMENT_ASSIGNED = "department", _("Assigned to a department")
        UNIT_ASSIGNED = "unit", _("Assigned to a township station or institute")
        FED_BACK = "fed_back", _("Result fed back")
        COSIGNED = "cosigned", _("Co-signed by the accompanying officer")
        COSIGN_DECLINED = "cosign_declined", _("Co-signature declined")
        POLICE_QUEUED = "police_queued", _("Awaiting police review")
        POLICE_REVIEW = "police_review", _("Police opinion")
        POLICE_SUPERVISED = "police_supervised", _("Police opinion overdue, under supervision")
        PARTIES_TOLD = "parties_told", _("Parties told the result")
        PARTIES_UNSATISFIED = "unsatisfied", _("Parties unsatisfied: back for review")
        SUPERVISED = "supervised", _("Placed under supervision")
        SUPERVISION_LIFTED = "supervision_lifted", _("Supervision lifted")
        AGENCY_OVERDUE = "agency_overdue", _("Agency matter overdue")
        MARKED_URGENT = "urgent", _("Marked urgent")

    log = models.ForeignKey(Log, on_delete=models.CASCADE, related_name="events", verbose_name=_("log"))
    kind = models.CharField(_("step"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status after"), max_length=12, choices=Log.Status.choices)

    @property
    def label(self) -> str:
        """The step as the timeline shows it: an urgent log the village passed straight to the
        district is named so."""
        if self.kind == self.Kind.REPORTED_UP and (self.from_level, self.to_level) == (Level.VILLAGE, Level.DISTRICT):
            return str(_("Urgent: passed straight to the district"))
        return self.get_kind_display()

    class Meta(TimelineEvent.Meta):
        verbose_name = _("log timeline event")
        verbose_name_plural = _("log timeline events")
        indexes = [models.Index(fields=["log", "at"], name="log_event_timeline")]  # the detail page's timeline
