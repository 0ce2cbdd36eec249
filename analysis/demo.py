"""Demo monthly reports (月报): township1 has submitted last month's report through the real
services, so that district1 sees one township submitted and the others not (late after the
due day), and township1 its report, frozen, with its XLSX and print page.

Demo warnings (预警): the nightly sweep runs over the seeded ledger, so that the warnings on
清溪宏达建筑工程有限公司 (repeat respondent, wage arrears) and 青山绿源竹木制品厂 fire; the
宏达 repeat-respondent warning is being disposed of (acknowledged, joint mediation, its cases
linked) and the 青山绿源 one was closed."""

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
    """Seed the analysis demo: township1's monthly report and the early warnings; returns the
    reports made.

    First the dispute and log tallies are rebuilt: the demo's history went through the
    services (which keep them), but it also backdates a few columns with plain UPDATEs and
    writes its ordinary logs with ``bulk_create``; a small demo rebuilds in well under a
    second."""
    tally_rebuild()
    reports = seed_reports()
    seed_warnings()
    return reports


def seed_reports() -> list[MonthlyReport]:
    """Generate and submit township1's report of last month unless it exists; returns those made."""
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


def seed_warnings(now=None) -> dict[str, int]:
    """Run the warning sweep over the demo ledger, then take the 宏达 warning into disposal
    (its cases linked) and close the 青山绿源 one (unless a previous run did: idempotent)."""
    from . import rules
    from .models import Warning, WarningRule
    from .warning_services import (
        warning_acknowledge,
        warning_close,
        warning_dispose,
        warning_link_cases,
        warnings_sweep,
    )

    now = now or timezone.now()
    counts = warnings_sweep(at=now)
    district1 = User.objects.filter(username="district1", role=User.Role.DISTRICT_STAFF).first()
    if district1 is None:
        return counts
    repeat = Warning.objects.filter(rule__kind=WarningRule.Kind.REPEAT_RESPONDENT)
    hongda = repeat.filter(subject_label__contains="宏达", status=Warning.Status.OPEN).first()
    if hongda is not None:
        hongda = warning_acknowledge(warning=hongda, actor=district1, at=now, note="已阅，组织研判。")
        warning_dispose(
            warning=hongda,
            actor=district1,
            at=now,
            disposal=Warning.Disposal.JOINT_MEDIATION,
            note="区矛调中心牵头，人社、住建、属地镇街联合调处欠薪问题，派出所参与稳控。",
        )
        if rules.can_link_cases(district1, hongda):  # its cases handled together (关联)
            warning_link_cases(warning=hongda, actor=district1, at=now, note="同一企业欠薪，关联研判。")
    qingshan = repeat.filter(subject_label__contains="青山绿源", status=Warning.Status.OPEN).first()
    if qingshan is not None:
        qingshan = warning_acknowledge(warning=qingshan, actor=district1, at=now)
        qingshan = warning_dispose(
            warning=qingshan,
            actor=district1,
            at=now,
            disposal=Warning.Disposal.LEAD_HANDLER,
            handler=district1,
            note="区矛调中心牵头督促企业分期支付。",
        )
        warning_close(warning=qingshan, actor=district1, at=now, note="企业已与工人签订分期支付协议，首期工资已发放。")
    return counts
