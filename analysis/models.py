"""The township's monthly report (月报) to the district: a draft shows the live figures of
``analysis.figures``; submitting freezes them in ``figures`` (a JSON snapshot), so later
edits to the records do not change what the district received."""

from __future__ import annotations

import calendar
import datetime

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from govcenter.models import Area

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


class DisputeTally(models.Model):
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

    month = models.DateField(_("month"), help_text=_("The first local day of the month."))
    district = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+", verbose_name=_("district"))
    township = models.ForeignKey(
        Area, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("township")
    )
    dimension = models.CharField(_("breakdown"), max_length=12, choices=Dimension.choices)
    value = models.CharField(_("value"), max_length=40, blank=True)
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

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.district_id}/{self.township_id} {self.dimension}={self.value}"


class DisputeTallyState(models.Model):
    """What one dispute adds to the tallies now (``analysis.tallies.snapshot``: the values its
    contribution is made of), so that a refresh subtracts it and adds the new one. No foreign key: the row must outlive the
    dispute until its deletion is subtracted."""

    dispute_id = models.BigIntegerField(primary_key=True)
    snapshot = models.JSONField(default=list)

    class Meta:
        verbose_name = _("dispute tally state")
        verbose_name_plural = _("dispute tally states")

    def __str__(self) -> str:
        return f"dispute {self.dispute_id}"
