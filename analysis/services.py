"""The monthly report's steps: generate a draft, annotate it, submit it (freezing its
figures). Each re-checks its rule inside its transaction."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from govcenter.levels import local_date
from govcenter.models import Area, User
from govcenter.services import notification_send
from govcenter.timeline import WorkflowError, locked, require

from . import rules
from .models import MonthlyReport
from .reports import live_figures


class ReportError(WorkflowError):
    """A report step that is not allowed now; nothing changed."""


def _require(condition, message=None, field=None) -> None:
    require(condition, message, field, error=ReportError)


@transaction.atomic
def report_generate(*, township: Area, month: datetime.date, actor, at: datetime.datetime) -> MonthlyReport:
    """A draft report of ``township`` for ``month``, prepared by ``actor`` (its figures stay
    live until it is submitted)."""
    month = month.replace(day=1)
    _require(rules.can_generate(actor, township, month, today=local_date(at)))
    try:
        with transaction.atomic():
            return MonthlyReport.objects.create(township=township, month=month, preparer=actor, created_at=at)
    except IntegrityError:  # generated at the same moment by a colleague
        raise ReportError(_("The report of this month has already been generated.")) from None


@transaction.atomic
def report_annotate(*, report: MonthlyReport, actor, at: datetime.datetime, reviewer_name: str, notes: str):
    report = locked(report)
    _require(rules.can_annotate(actor, report))
    report.reviewer_name, report.notes = reviewer_name, notes
    report.save(update_fields=["reviewer_name", "notes"])
    return report


@transaction.atomic
def report_submit(*, report: MonthlyReport, actor, at: datetime.datetime, reviewer_name: str) -> MonthlyReport:
    """Freeze the figures as they are at ``at`` and hand the report to the district."""
    report = locked(report)
    _require(rules.can_submit(actor, report))
    _require(reviewer_name.strip(), _("Name who reviewed the report."), "reviewer_name")
    report.figures = live_figures(report.township, report.month, now=at)
    report.reviewer_name = reviewer_name.strip()
    report.status = MonthlyReport.Status.SUBMITTED
    report.submitted_at, report.submitted_by = at, actor
    report.save(update_fields=["figures", "reviewer_name", "status", "submitted_at", "submitted_by"])
    district_staff = User.objects.filter(
        role=User.Role.DISTRICT_STAFF, is_active=True, area__path=report.township.path[: -Area.steplen]
    )
    notification_send(
        recipients=list(district_staff),
        title=_("%(township)s submitted its monthly report for %(month)s")
        % {"township": report.township.name, "month": f"{report.month:%Y-%m}"},
        url=report.get_absolute_url(),
    )
    return report
