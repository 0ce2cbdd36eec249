"""Demo monthly reports (月报): township1 has submitted last month's report through the real
services, so that district1 sees one township submitted and the others not (late after the
due day), and township1 its report, frozen, with its XLSX and print page."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from govcenter.levels import local_date
from govcenter.models import User

from . import services
from .models import MonthlyReport
from .reports import last_month
from .tallies import tally_rebuild


def seed(ctx: Any = None) -> list[MonthlyReport]:
    """Generate and submit township1's report of last month unless it exists; returns those made.

    First the dispute tallies are rebuilt: the demo's history went through the services
    (which keep them), but it also backdates a few columns with plain UPDATEs; a small
    demo rebuilds in well under a second."""
    tally_rebuild()
    preparer = User.objects.filter(username="township1", role=User.Role.TOWNSHIP_STAFF).select_related("area").first()
    if preparer is None or preparer.area is None:
        return []
    now = timezone.now()
    month = last_month(local_date(now))
    if MonthlyReport.objects.filter(township=preparer.area, month=month).exists():
        return []
    report = services.report_generate(township=preparer.area, month=month, actor=preparer, at=now)
    services.report_annotate(
        report=report,
        actor=preparer,
        at=now,
        reviewer_name="周明华",
        notes="本月矛盾纠纷排查化解工作总体平稳，重点做好土地边界和婚姻家庭纠纷的跟踪回访。",
    )
    return [services.report_submit(report=report, actor=preparer, at=now, reviewer_name="周明华")]
