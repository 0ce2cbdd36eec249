"""The township's monthly report (月报) to the district: a draft shows the live figures of
``analysis.figures``; submitting freezes them in ``figures`` (a JSON snapshot), so later
edits to the records do not change what the district received."""

from __future__ import annotations

import calendar
import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from govcenter.choices import ChoiceLabels
from govcenter.models import Area
from govcenter.timeline import TimelineEvent
from govcenter.urgent import UrgentItem

from .figures import ADDITIVE, Period

# The day of the following month by which a month's report is due (inclusive); after it the
# township is late and reminded once. settings.MONTHLY_REPORT_DUE_DAY, default 5.
DEFAULT_DUE_DAY = 5


def due_day() -> int:
    return int(getattr(settings, "MONTHLY_REPORT_DUE_DAY", DEFAULT_DUE_DAY))


def month_period(month: datetime.date) -> Period:
    """The local days of ``month`` (any day of it)."""
    first = month.replace(day=1)
    return Period.of_dates(first, first.replace(day=calendar.monthrange(first.year, first.month)[1]))


def due_at(month: datetime.date) -> datetime.datetime:
    """The end of the due day of the month after ``month``: a report submitted before it is on time."""
    end = month_period(month).end  # local midnight starting the following month
    return end + datetime.timedelta(days=due_day())


class MonthlyReport(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    township = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        related_name="monthly_reports",
        limit_choices_to={"level": Area.Level.TOWNSHIP},
        verbose_name=_("township"),
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month reported on."))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    # The figures as submitted (analysis.figures.counts with the rates); empty while a draft.
    figures = models.JSONField(_("figures as submitted"), default=dict, blank=True)
    preparer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("prepared by")
    )
    reviewer_name = models.CharField(_("reviewed by"), max_length=50, blank=True)
    notes = models.TextField(_("notes"), max_length=4000, blank=True)
    created_at = models.DateTimeField(_("generated at"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        constraints = [models.UniqueConstraint(fields=["township", "month"], name="monthly_report_once_a_month")]
        ordering = ["-month", "township__path"]

    def __str__(self) -> str:
        return f"{self.township.name} {self.month:%Y-%m}"

    def get_absolute_url(self) -> str:
        return reverse("analysis:report_detail", args=[self.pk])

    @property
    def period(self) -> Period:
        return month_period(self.month)

    @property
    def due_at(self) -> datetime.datetime:
        return due_at(self.month)

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED

    @property
    def submitted_late(self) -> bool:
        return self.submitted_at is not None and self.submitted_at >= self.due_at


# --- rollups of the dispute ledger (issue 14, item 5; analysis.tallies maintains them) ---------

# The additive counts of ``figures.COUNTS`` a tally row keeps, in this order.
TALLY_COUNTERS = ADDITIVE


class TallyRow(models.Model):
    """What every rollup row (``analysis.rollups``) is keyed by: a local month, a district,
    a breakdown's value; each rollup adds its township, its breakdowns and its counters."""

    month = models.DateField(_("month"), help_text=_("The first local day of the month."))
    district = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+", verbose_name=_("district"))
    value = models.CharField(_("value"), max_length=40, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.district_id}/{self.township_id} {self.dimension}={self.value}"


class TallyState(models.Model):
    """What one source row adds to its rollup now (the rollup's snapshot), so that a refresh
    subtracts it and adds the new one. No foreign key: the row must outlive the source row
    until its deletion is subtracted."""

    snapshot = models.JSONField(default=list)

    class Meta:
        abstract = True


class DisputeTally(TallyRow):
    """The additive counts of the disputes of one township (or of a district's disputes not
    placed in a township) in one local month, for one value of one breakdown.

    ``dimension`` "all" (value "") holds the totals; "category", "source", "risk_level",
    "level" (``figures.HANDLING_LEVEL``) and "village" (the village id, "" when not placed
    that low) the breakdowns. A dispute adds to ``registered`` in the month of
    ``registered_at`` and to the closing counters in the month of ``resolved_at`` while it
    is closed. Rows are never deleted by the maintenance (a row back to zeros is harmless);
    ``rebuild_tallies`` drops them."""

    class Dimension(models.TextChoices):
        ALL = "all", _("All")
        CATEGORY = "category", _("Category")
        SOURCE = "source", _("Source")
        RISK_LEVEL = "risk_level", _("Risk level")
        LEVEL = "level", _("Handling level")
        VILLAGE = "village", _("Village")

    township = models.ForeignKey(
        Area, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("township")
    )
    dimension = models.CharField(_("breakdown"), max_length=12, choices=Dimension.choices)
    registered = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    not_resolved = models.IntegerField(default=0)
    transferred = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)
    village_closed = models.IntegerField(default=0)
    village_resolved_in_village = models.IntegerField(default=0)
    resolved_within_township = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("dispute tally")
        verbose_name_plural = _("dispute tallies")
        constraints = [
            # A NULL township is one key too: COALESCE in a unique index works on SQLite and
            # PostgreSQL alike (nulls_distinct=False is PostgreSQL 15+ only), and
            # bulk_create(ignore_conflicts=True) (ON CONFLICT DO NOTHING) honours it.
            models.UniqueConstraint(
                models.F("month"),
                models.F("district"),
                Coalesce(models.F("township"), models.Value(0)),
                models.F("dimension"),
                models.F("value"),
                name="dispute_tally_key",
            )
        ]
        indexes = [
            # A scope's months: the province (month, dimension), a district, a township.
            models.Index(fields=["dimension", "month"], name="dispute_tally_month"),
            models.Index(fields=["district", "dimension", "month"], name="dispute_tally_district"),
            models.Index(fields=["township", "dimension", "month"], name="dispute_tally_township"),
        ]


class DisputeTallyState(TallyState):
    """What one dispute adds to the tallies now (``analysis.tallies.snapshot``)."""

    dispute_id = models.BigIntegerField(primary_key=True)

    class Meta:
        verbose_name = _("dispute tally state")
        verbose_name_plural = _("dispute tally states")

    def __str__(self) -> str:
        return f"dispute {self.dispute_id}"


# --- rollups of the people's-sentiment logs (analysis.tallies maintains them) ----------------------

LOG_TALLY_COUNTERS = ("filed", "handled")


class LogTally(TallyRow):
    """The logs of one township in one local month, for one value of one breakdown:
    ``filed`` (by ``occurred_at``) and ``handled`` (fed back, by ``fed_back_at``, while it
    stands fed back); ``analysis.activity`` defines both. ``dimension`` "all" (value "")
    holds the totals, "kind" and "category" the breakdowns."""

    class Dimension(models.TextChoices):
        ALL = "all", _("All")
        KIND = "kind", _("Kind")
        CATEGORY = "category", _("Category")

    township = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+", verbose_name=_("township"))
    dimension = models.CharField(_("breakdown"), max_length=12, choices=Dimension.choices)
    filed = models.IntegerField(default=0)
    handled = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("log tally")
        verbose_name_plural = _("log tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "district", "township", "dimension", "value"], name="log_tally_key"
            )
        ]
        indexes = [
            models.Index(fields=["dimension", "month"], name="log_tally_month"),
            models.Index(fields=["district", "dimension", "month"], name="log_tally_district"),
            models.Index(fields=["township", "dimension", "month"], name="log_tally_township"),
        ]


class LogTallyState(TallyState):
    """What one log adds to the log tallies now (``analysis.tallies.log_snapshot``)."""

    log_id = models.BigIntegerField(primary_key=True)

    class Meta:
        verbose_name = _("log tally state")
        verbose_name_plural = _("log tally states")

    def __str__(self) -> str:
        return f"log {self.log_id}"


# --- early warning (预警): rules the administrator tunes, and the warnings they raise -----------


class WarningRule(models.Model):
    """One early-warning rule (预警规则), one row per kind; the administrator switches it off
    or tunes its numbers in the admin. What each kind counts (``analysis.warnings``):

    - repeat_respondent: disputes with the same respondent (match key) registered within
      ``window_days``, at least ``threshold``;
    - wage_arrears: an open labour-wage dispute with at least ``threshold`` people involved,
      ``festival_threshold`` within ``festival_weeks`` weeks before the Spring Festival;
    - category_cluster: disputes of one category in one village within ``window_days``;
    - flare_up: flared follow-up visits of a dispute within ``window_days``;
    - repeated_escalation: escalations of an open dispute;
    - police_flag: an open dispute flagged 民转刑 or mass incident (by the clerk or the police);
    - repeat_petitioner: letters-and-visits disputes of the same applicant within ``window_days``.
    """

    class Kind(models.TextChoices):
        REPEAT_RESPONDENT = "repeat_respondent", _("Same respondent in several disputes")
        WAGE_ARREARS = "wage_arrears", _("Wage arrears with many workers")
        CATEGORY_CLUSTER = "category_cluster", _("Cluster of one category in one village")
        FLARE_UP = "flare_up", _("Flare-up found at a follow-up visit")
        REPEATED_ESCALATION = "repeated_escalation", _("Dispute escalated repeatedly")
        POLICE_FLAG = "police_flag", _("Police flag: turning criminal or mass incident")
        REPEAT_PETITIONER = "repeat_petitioner", _("Same party in repeated letters and visits")

    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices, unique=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    threshold = models.PositiveSmallIntegerField(
        _("threshold"), default=1, help_text=_("How many disputes, people, follow-ups or escalations make it fire.")
    )
    window_days = models.PositiveSmallIntegerField(
        _("window (days)"), default=0, help_text=_("Counted over this many days back; 0 where the rule has no window.")
    )
    festival_threshold = models.PositiveSmallIntegerField(
        _("threshold before the Spring Festival"),
        null=True,
        blank=True,
        help_text=_("Wage arrears only: the lower threshold in the weeks before the Spring Festival."),
    )
    festival_weeks = models.PositiveSmallIntegerField(
        _("weeks before the Spring Festival"), default=0, help_text=_("Wage arrears only.")
    )
    urgent = models.BooleanField(
        _("urgent"), default=False, help_text=_("Its warnings alert the centres and the police station at once.")
    )
    days_to_handle = models.PositiveSmallIntegerField(
        _("working days to handle"), default=5, help_text=_("The warning's deadline after it is raised.")
    )
    description = models.TextField(_("description"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("warning rule")
        verbose_name_plural = _("warning rules")
        ordering = ["kind"]

    def __str__(self) -> str:
        return str(self.get_kind_display())


class WarningQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status=Warning.Status.CLOSED)

    def overdue(self, at: datetime.datetime):
        return self.open().filter(due_at__lt=at)


class Warning(ChoiceLabels, UrgentItem, models.Model):
    """A warning (预警) a rule raised about a subject: a case-like item of the kernel (steps,
    timeline, deadline, supervision, urgency). ``subject_key`` says what it is about:
    "party:<match key>", "village:<id>:<category>" or "dispute:<id>"; at most one is open per
    rule and subject (the partial unique constraint the raise path relies on).

    The place is the one its cases share (a village; else their township; else the district);
    it follows the kernel's item protocol at township level (or district level when the cases
    span townships), so that the district supervises it when overdue."""

    class Status(models.TextChoices):
        OPEN = "open", _("New")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        DISPOSING = "disposing", _("Being disposed of")
        CLOSED = "closed", _("Closed")

    class Disposal(models.TextChoices):
        LEAD_HANDLER = "lead_handler", _("Assign a lead handler")
        JOINT_MEDIATION = "joint_mediation", _("Joint mediation")
        NOTIFY_POLICE = "notify_police", _("Notify the police")
        NO_ACTION = "no_action", _("No action")

    OPEN_STATUSES = (Status.OPEN, Status.ACKNOWLEDGED, Status.DISPOSING)

    rule = models.ForeignKey(WarningRule, on_delete=models.PROTECT, related_name="warnings", verbose_name=_("rule"))
    subject_key = models.CharField(_("subject"), max_length=120)
    subject_label = models.CharField(_("about"), max_length=200)
    district = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("district"))
    township = models.ForeignKey(
        Area, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("township")
    )
    village = models.ForeignKey(
        Area, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("village")
    )
    level = models.CharField(_("handling level"), max_length=12)
    status = models.CharField(_("status"), max_length=14, choices=Status.choices, default=Status.OPEN)
    # What made it fire, as counted at the last raise: the rule's text is built from these.
    measure = models.PositiveIntegerField(_("count when raised"), default=0)
    threshold_used = models.PositiveIntegerField(_("threshold applied"), default=0)
    window_used = models.PositiveIntegerField(_("window applied (days)"), default=0)
    raised_at = models.DateTimeField(_("raised at"))
    due_at = models.DateTimeField(_("due"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    disposal = models.CharField(_("disposal (研判处置)"), max_length=16, choices=Disposal.choices, blank=True)
    disposal_note = models.TextField(_("disposal note"), max_length=2000, blank=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lead handler"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_note = models.TextField(_("closing note"), max_length=2000, blank=True)
    supervised_at = models.DateTimeField(_("under supervision since"), null=True, blank=True)
    disputes = models.ManyToManyField(
        "disputes.Dispute", through="WarningCase", related_name="warnings", verbose_name=_("cases")
    )

    objects = WarningQuerySet.as_manager()

    class Meta:
        verbose_name = _("warning")
        verbose_name_plural = _("warnings")
        ordering = ["-raised_at", "-pk"]
        constraints = [
            # Exactly one open warning per rule and subject: the raise path's get-or-create.
            models.UniqueConstraint(
                fields=["rule", "subject_key"], condition=~Q(status="closed"), name="warning_one_open_per_subject"
            )
        ]
        indexes = [
            # The inbox of a district / township, newest first; the open count of the nav.
            models.Index(fields=["district", "status", "-raised_at"], name="warning_district_inbox"),
            models.Index(fields=["township", "status", "-raised_at"], name="warning_township_inbox"),
            # The overdue sweep: open warnings by deadline.
            models.Index(fields=["due_at"], condition=~Q(status="closed"), name="warning_open_due"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} · {self.subject_label}"

    def get_absolute_url(self) -> str:
        return reverse("analysis:warning_detail", args=[self.pk])

    # The kernel's item protocol (govcenter.levels): a warning has no grid nor department.
    grid_id = None
    department_id = None

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED

    def is_overdue(self, at: datetime.datetime) -> bool:
        return self.is_open and self.due_at < at


class WarningCase(models.Model):
    """A dispute behind a warning, and when it was added to it."""

    warning = models.ForeignKey(Warning, on_delete=models.CASCADE, related_name="cases")
    dispute = models.ForeignKey("disputes.Dispute", on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(_("added at"))

    class Meta:
        verbose_name = _("case behind a warning")
        verbose_name_plural = _("cases behind warnings")
        ordering = ["added_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["warning", "dispute"], name="warning_case_once")]
        # "the warnings of this dispute" (re-raise after closing: cases already behind a closed one)
        indexes = [models.Index(fields=["dispute"], name="warning_case_dispute")]

    def __str__(self) -> str:
        return f"{self.warning} · {self.dispute_id}"


class WarningEvent(TimelineEvent):
    """One step on a warning's timeline (written by the services only)."""

    item_field = "warning"
    snapshot_fields = ("status", "due_at")

    class Kind(models.TextChoices):
        RAISED = "raised", _("Raised")
        CASES_ADDED = "cases_added", _("Cases added")
        CASES_LINKED = "cases_linked", _("Cases linked")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        DISPOSED = "disposed", _("Disposal decided")
        CLOSED = "closed", _("Closed")
        SUPERVISED = "supervised", _("Placed under supervision")
        SUPERVISION_LIFTED = "supervision_lifted", _("Supervision lifted")
        MARKED_URGENT = "urgent", _("Marked urgent")

    warning = models.ForeignKey(Warning, on_delete=models.CASCADE, related_name="events", verbose_name=_("warning"))
    kind = models.CharField(_("step"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status after"), max_length=14, choices=Warning.Status.choices)
    due_at = models.DateTimeField(_("deadline after"), null=True, blank=True)

    class Meta(TimelineEvent.Meta):
        verbose_name = _("warning event")
        verbose_name_plural = _("warning events")
        indexes = [models.Index(fields=["warning", "at"], name="warning_event_timeline")]
