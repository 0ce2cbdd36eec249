"""The monthly report's content: which reports a user sees, the figures it lists (live for a
draft, frozen once submitted), the difference with the live figures, the district's view of
who submitted, and the XLSX in its fixed layout."""

from __future__ import annotations

import datetime
import tempfile

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disputes.models import Dispute
from govcenter.exports import XLSX_CONTENT_TYPE, safe_text
from govcenter.jurisdiction import is_admin, scope_of
from govcenter.levels import local_date
from govcenter.models import Area, User

from . import figures
from .models import MonthlyReport, due_at, due_day, month_period  # noqa: F401  (due_day: the pages say it)

Role = User.Role

# The report's table, in its fixed order: (key of figures.counts, label, is a rate).
ROWS = (
    ("registered", gettext_lazy("Disputes registered (排查)"), False),
    ("resolved", gettext_lazy("Resolved (化解)"), False),
    ("not_resolved", gettext_lazy("Closed unresolved"), False),
    ("transferred", gettext_lazy("Transferred to the police"), False),
    ("open", gettext_lazy("Open at the time of the report"), False),
    ("overdue", gettext_lazy("Overdue at the time of the report"), False),
    ("supervised", gettext_lazy("Under supervision at the time of the report"), False),
    ("resolution_rate", gettext_lazy("Resolution rate"), True),
    ("on_time_rate", gettext_lazy("On-time rate"), True),
    ("village_rate", gettext_lazy("Small matters stay in the village (小事不出村)"), True),
    ("township_rate", gettext_lazy("Big matters stay in the township (大事不出镇)"), True),
    ("repeat_rate", gettext_lazy("Repeat rate (反复率)"), True),
)


def reports_visible_to(user) -> QuerySet[MonthlyReport]:
    """An administrator every report; the district its townships'; a township its own."""
    reports = MonthlyReport.objects.select_related("township", "preparer", "submitted_by")
    if not getattr(user, "is_authenticated", False):
        return reports.none()
    if is_admin(user):
        return reports
    area = scope_of(user).area
    if area is None:
        return reports.none()
    if user.role == Role.DISTRICT_STAFF:
        return reports.filter(township__path__startswith=area.path)
    if user.role == Role.TOWNSHIP_STAFF:
        return reports.filter(township=area)
    return reports.none()


def live_figures(township: Area, month: datetime.date, *, now: datetime.datetime | None = None) -> dict:
    """The figures of every dispute of ``township`` for ``month``, as they are now (from the tallies)."""
    disputes = Dispute.objects.filter(township=township)
    return figures.counts(disputes, month_period(month), now=now, tally=figures.TallyScope(township))


def report_figures(report: MonthlyReport, *, now: datetime.datetime | None = None) -> dict:
    """What the report says: the frozen snapshot once submitted, the live figures while a draft."""
    return report.figures if report.is_submitted else live_figures(report.township, report.month, now=now)


def table(shown: dict, live: dict | None = None) -> list[dict]:
    """The report's rows: label, value (and the live value where it differs, if ``live``)."""
    rows = []
    for key, label, is_rate in ROWS:
        row = {"key": key, "label": label, "value": shown.get(key), "is_rate": is_rate, "live": None}
        if live is not None and live.get(key) != shown.get(key):
            row["live"] = live.get(key)
            row["differs"] = True
        rows.append(row)
    return rows


def last_month(today: datetime.date) -> datetime.date:
    return (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def townships_of(user) -> QuerySet[Area]:
    if is_admin(user):
        return Area.objects.filter(level=Area.Level.TOWNSHIP).order_by("path")
    area = scope_of(user).area
    if area is None:
        return Area.objects.none()
    return Area.objects.filter(level=Area.Level.TOWNSHIP, path__startswith=area.path).order_by("path")


def submission_overview(user, month: datetime.date, *, now: datetime.datetime) -> list[dict]:
    """For each township ``user`` oversees: its report of ``month`` (or None), whether it is
    submitted, when, and whether it is late (not submitted by the due day, or submitted after)."""
    month = month.replace(day=1)
    townships = list(townships_of(user))
    reports = {r.township_id: r for r in MonthlyReport.objects.filter(township__in=townships, month=month)}
    due = due_at(month)
    rows = []
    for township in townships:
        report = reports.get(township.pk)
        submitted = report is not None and report.is_submitted
        late = report.submitted_late if submitted else now >= due
        rows.append({"township": township, "report": report, "submitted": submitted, "late": late, "due": due})
    return rows


def _value(value, is_rate: bool):
    if value is None:
        return "—"
    return round(value * 100, 1) if is_rate else value


def report_title(report: MonthlyReport) -> str:
    """The official title, in Chinese whatever the interface language (it is filed so)."""
    return f"{report.township.name}矛盾纠纷排查化解工作月报"


def xlsx(report: MonthlyReport, *, now: datetime.datetime | None = None) -> FileResponse:
    """The report as one sheet in a fixed layout: title, unit, period, the table of figures,
    the preparer's and reviewer's lines and the date submitted. Rates are percentages."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    shown = report_figures(report, now=now)
    wb = Workbook()
    ws = wb.active
    ws.title = f"{report.month:%Y-%m}"
    ws.column_dimensions["A"].width = 44
    ws.column_dimensions["B"].width = 18
    ws.merge_cells("A1:B1")
    ws["A1"] = report_title(report)
    ws["A1"].font = Font(bold=True, size=16)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws["A2"], ws["B2"] = _("Unit"), safe_text(report.township.name)
    period = report.period
    ws["A3"], ws["B3"] = _("Period"), f"{period.first:%Y-%m-%d} – {period.last:%Y-%m-%d}"
    ws["A4"], ws["B4"] = _("Status"), str(report.get_status_display())
    ws["A5"], ws["B5"] = _("Figure"), _("Value")
    ws["A5"].font = ws["B5"].font = Font(bold=True)
    row = 6
    for r in table(shown):
        label = f"{r['label']} (%)" if r["is_rate"] else str(r["label"])
        ws.cell(row=row, column=1, value=label)
        ws.cell(row=row, column=2, value=_value(r["value"], r["is_rate"]))
        row += 1
    row += 1
    ws.cell(row=row, column=1, value=_("Notes"))
    ws.cell(row=row, column=2, value=safe_text(report.notes))
    ws.cell(row=row + 1, column=1, value=_("Prepared by"))
    ws.cell(row=row + 1, column=2, value=safe_text(report.preparer.display_name))
    ws.cell(row=row + 2, column=1, value=_("Reviewed by"))
    ws.cell(row=row + 2, column=2, value=safe_text(report.reviewer_name))
    ws.cell(row=row + 3, column=1, value=_("Submitted on"))
    ws.cell(row=row + 3, column=2, value=f"{local_date(report.submitted_at):%Y-%m-%d}" if report.submitted_at else "")
    out = tempfile.TemporaryFile()
    wb.save(out)
    out.seek(0)
    response = FileResponse(out, content_type=XLSX_CONTENT_TYPE)
    name = f"{report_title(report)}-{report.month:%Y%m}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def today() -> datetime.date:
    return local_date(timezone.now())
