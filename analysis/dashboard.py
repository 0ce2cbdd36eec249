"""The dashboard on the home page (issue 14, item 1): the figures of ``analysis.figures``
for the user's jurisdiction, this month against last month and the same month last year,
by area, and the last twelve months; the open logs and agency matters; a grid worker's own grid.

It reaches the home page through ``govcenter.panels`` (registered in ``AnalysisConfig.ready``),
so that govcenter does not import analysis. The number of queries does not depend on the
number of rows: this month's counts and its breakdown by area (``figures.counts_and_breakdowns``,
whose one scan of the open rows also serves the other two months), last month's and last
year's ``figures.counts``, one grouped query for the trend (both series in one UNION), and
one aggregate each for urgent, logs, agency matters and publicity.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.db.models import CharField, Count, DateField, Q, Value
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils.translation import gettext as _

from disputes.models import Dispute
from disputes.selectors import disputes_visible_to
from govcenter.jurisdiction import is_admin
from govcenter.levels import local_date, local_zone
from govcenter.models import User
from govcenter.panels import HomePanel, register_home_panel, register_nav_badge
from publicity.selectors import activities_visible_to
from sentiment.models import AgencyMatter, Log
from sentiment.selectors import agency_matters_visible_to, logs_visible_to

from . import figures, views

Role = User.Role

DASHBOARD_ROLES = (Role.DISTRICT_STAFF, Role.TOWNSHIP_STAFF, Role.VILLAGE_CLERK, Role.STATION_STAFF)
TREND_MONTHS = 12


def month_start(day: datetime.date, back: int = 0) -> datetime.date:
    """The first day of the month ``back`` months before ``day``'s."""
    index = day.year * 12 + day.month - 1 - back
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_period(first: datetime.date) -> figures.Period:
    """The local month beginning on ``first``."""
    return figures.Period.of_dates(first, month_start(first, -1) - datetime.timedelta(days=1))


def trend(
    disputes, last_month: datetime.date, months: int = TREND_MONTHS, *, tally: figures.TallyScope | None = None
) -> list[dict]:
    """[{month, registered, resolved}] for the ``months`` local months ending with the one
    beginning ``last_month``, zeros included: ONE query (a UNION of two grouped selects,
    registered by ``registered_at``, resolved by ``resolved_at``, months in Asia/Shanghai;
    or one grouped select of the tallies, given ``tally``)."""
    first = month_start(last_month, months - 1)
    span = figures.Period(figures.Period.of_dates(first, first).start, month_period(last_month).end)
    if tally is not None:
        return _months(figures.monthly(disputes, span, tally), last_month, months)

    def series(name: str, field: str, condition: Q):
        return (
            disputes.filter(condition, **{f"{field}__gte": span.start, f"{field}__lt": span.end})
            .annotate(
                series=Value(name, output_field=CharField()),
                month=TruncMonth(field, tzinfo=local_zone(), output_field=DateField()),
            )
            .order_by()
            .values("series", "month")
            .annotate(n=Count("pk"))
        )

    rows = series("registered", "registered_at", Q()).union(
        series("resolved", "resolved_at", Q(status__in=figures.RESOLVED)), all=True
    )
    return _months({(row["series"], row["month"]): row["n"] for row in rows}, last_month, months)


def _months(counted: dict, last_month: datetime.date, months: int) -> list[dict]:
    out = []
    for back in range(months - 1, -1, -1):
        month = month_start(last_month, back)
        out.append(
            {
                "month": month,
                "registered": counted.get(("registered", month), 0),
                "resolved": counted.get(("resolved", month), 0),
            }
        )
    return out


def _comparison(disputes, today: datetime.date, now, tally=None, dimension: str | None = None) -> dict:
    """This month, last month and the same month last year, each (period, counts); and, with
    ``dimension``, this month by it under "by". The open counts are those of now whatever the
    month: counted once, with this month's breakdown (one scan of the open rows)."""
    this_period = month_period(month_start(today))
    dimensions = [dimension] if dimension else []
    this, by = figures.counts_and_breakdowns(disputes, this_period, dimensions, now=now, tally=tally)
    open_now = {name: this[name] for name in figures.OPEN_LIVE}
    out = {"this": (this_period, this), "by": by.get(dimension)}
    for key, back in (("last", 1), ("last_year", 12)):
        period = month_period(month_start(today, back))
        out[key] = (period, figures.counts(disputes, period, now=now, tally=tally, open_now=open_now))
    return out


def _urgent_open(disputes) -> int:
    return disputes.filter(status__in=Dispute.OPEN_STATUSES, urgent_at__isnull=False).count()


def _logs(user, today: datetime.date) -> dict:
    """Open logs of the jurisdiction by status (each status a filter of the log list), and
    open and overdue agency matters (the agency list's states)."""
    logs = (
        logs_visible_to(user)
        .filter(status__in=Log.OPEN_FLOW_STATUSES)
        .aggregate(**{status: Count("pk", filter=Q(status=status)) for status in Log.OPEN_FLOW_STATUSES})
    )
    agency = (
        agency_matters_visible_to(user)
        .filter(status=AgencyMatter.Status.OPEN)
        .aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today)))
    )
    log_list, agency_list = reverse("sentiment:list"), reverse("sentiment:agency_list")
    rows = [
        (Log.Status(status).label, logs[status] or 0, f"{log_list}?status={status}")
        for status in Log.OPEN_FLOW_STATUSES
    ]
    return {
        "logs": rows,
        "logs_open": sum(n for _label, n, _url in rows),
        "agency_open": agency["open"] or 0,
        "agency_overdue": agency["overdue"] or 0,
        "agency_open_url": f"{agency_list}?state=open",
        "agency_overdue_url": f"{agency_list}?state=overdue",
    }


def _publicity(user, period: figures.Period) -> int:
    """Publicity activities held this month in the jurisdiction."""
    return activities_visible_to(user).filter(held_on__gte=period.first, held_on__lte=period.last).count()


def _held_in(period: figures.Period) -> dict[str, str]:
    """The activity list's filter for the period."""
    return {"held_from": period.first.isoformat(), "held_to": period.last.isoformat()}


def chart_data(area_rows, trend_rows) -> dict:
    """What the charts draw (the same numbers as the tables): passed through json_script."""
    return {
        "areas": {
            "labels": [str(label) for label, _row, _links, _drill in area_rows],
            "registered": [row["registered"] for _label, row, _links, _drill in area_rows],
            "resolved": [row["resolved"] for _label, row, _links, _drill in area_rows],
        },
        "trend": {
            "labels": [row["month"].strftime("%Y-%m") for row in trend_rows],
            "registered": [row["registered"] for row in trend_rows],
            "resolved": [row["resolved"] for row in trend_rows],
        },
        "words": {"registered": _("Registered"), "resolved": _("Resolved")},
    }


def centre_dashboard(user, now: datetime.datetime) -> dict:
    today = local_date(now)
    disputes = disputes_visible_to(user)
    area = views._own_area(user)
    tally = figures.tally_scope(user, area)
    dimension = views._area_dimension(user, area)
    comparison = _comparison(disputes, today, now, tally, dimension)
    this_period, this = comparison["this"]
    base = views._ledger_params(user, area)
    statistics = reverse("analysis:statistics")
    month_query = {"period": "month", "year": str(today.year), "month": str(today.month)}
    area_rows = views._area_rows(
        user,
        dimension,
        comparison["by"],
        this_period,
        base,
        month_query,
    )
    # The drill-down goes to the statistics page of that area for this month.
    area_rows = [
        (label, row, links, f"{statistics}{drill}" if drill else None) for label, row, links, drill in area_rows
    ]
    trend_rows = trend(disputes, month_start(today), tally=tally)
    return {
        "kind": "centre",
        "now": now,
        "area": area,
        "dimension": dimension,
        "this": this,
        "this_period": this_period,
        "last": comparison["last"][1],
        "last_period": comparison["last"][0],
        "last_year": comparison["last_year"][1],
        "last_year_period": comparison["last_year"][0],
        "urgent": _urgent_open(disputes),
        "links": views._links(base, this_period, {}),
        "last_links": views._links(base, comparison["last"][0], {}),
        "last_year_links": views._links(base, comparison["last_year"][0], {}),
        "statistics_url": statistics,
        "area_rows": area_rows,
        "trend": trend_rows,
        "chart": chart_data(area_rows, trend_rows),
        "publicity": _publicity(user, this_period),
        "publicity_url": f"{reverse('publicity:activities')}?{urlencode(_held_in(this_period))}",
        **_logs(user, today),
    }


def grid_dashboard(user, now: datetime.datetime) -> dict:
    """A grid worker's own grids: registered this month, open and overdue now."""
    today = local_date(now)
    period = month_period(month_start(today))
    row = figures.counts(disputes_visible_to(user), period, now=now)
    return {
        "kind": "grid",
        "now": now,
        "this": row,
        "this_period": period,
        "links": views._links({}, period, {}),
    }


def home_panel(user, now: datetime.datetime) -> dict | None:
    if not user.is_authenticated:
        return None
    if user.role == Role.GRID_WORKER and not is_admin(user):
        return grid_dashboard(user, now)
    if is_admin(user) or user.role in DASHBOARD_ROLES:
        return centre_dashboard(user, now)
    return None


def register() -> None:
    register_home_panel(HomePanel(key="dashboard", template="analysis/_dashboard.html", context=home_panel, order=10))
    register_home_panel(
        HomePanel(key="warnings", template="analysis/_warnings_panel.html", context=warnings_panel, order=5)
    )
    register_nav_badge("warnings", open_warnings)


# --- warnings (预警) ------------------------------------------------------------------------------


def warning_counts(warnings) -> list[dict]:
    """[{kind, label, <status>: n, url, <status>_url}] for every rule kind, zeros included: ONE
    grouped query. Each figure links to the inbox filtered on it."""
    from .models import Warning, WarningRule

    counted = {
        (row["rule__kind"], row["status"]): row["n"]
        for row in warnings.order_by().values("rule__kind", "status").annotate(n=Count("pk"))
    }
    inbox = reverse("analysis:warnings")
    rows = []
    for kind, label in WarningRule.Kind.choices:
        row = {"kind": kind, "label": label, "url": f"{inbox}?{urlencode({'rule': kind})}"}
        for status in Warning.Status.values:
            row[status] = counted.get((kind, status), 0)
            row[f"{status}_url"] = f"{inbox}?{urlencode({'rule': kind, 'status': status})}"
        rows.append(row)
    return rows


def warnings_panel(user, now: datetime.datetime) -> dict | None:
    """The home page's warnings by rule and state, for those who see the inbox."""
    from .models import Warning
    from .rules import sees_warnings
    from .selectors import warnings_visible_to

    if not user.is_authenticated or not sees_warnings(user):
        return None
    rows = warning_counts(warnings_visible_to(user))
    totals = {status: sum(r[status] for r in rows) for status in Warning.Status.values}
    return {
        "rows": rows,
        "totals": totals,
        "statuses": Warning.Status.choices,
        "inbox": reverse("analysis:warnings"),
    }


def open_warnings(user):
    """The navbar's badge: the open warnings the user sees (None if the user sees none);
    the navbar counts them up to 100."""
    from .rules import sees_warnings
    from .selectors import warnings_visible_to

    if not sees_warnings(user):
        return None
    return warnings_visible_to(user).open()


def warning_period_rows(user, area, period: figures.Period) -> tuple[list[dict], dict] | None:
    """The statistics page's warnings: per rule, raised in the period, closed in the period,
    open now; ``area`` cuts to the warnings placed in it. ONE grouped query."""
    from .models import WarningRule
    from .rules import sees_warnings
    from .selectors import warnings_visible_to

    if not sees_warnings(user):
        return None
    warnings = warnings_visible_to(user)
    if area is not None:
        warnings = warnings.filter(**{area.level: area})
    raised = Q(raised_at__gte=period.start, raised_at__lt=period.end)
    closed = Q(closed_at__gte=period.start, closed_at__lt=period.end)
    counted = {
        row["rule__kind"]: row
        for row in warnings.order_by()
        .values("rule__kind")
        .annotate(
            raised=Count("pk", filter=raised),
            closed=Count("pk", filter=closed),
            open=Count("pk", filter=~Q(status="closed")),
        )
    }
    inbox = reverse("analysis:warnings")
    rows = []
    for kind, label in WarningRule.Kind.choices:
        row = counted.get(kind, {})
        rows.append(
            {
                "kind": kind,
                "label": label,
                "raised": row.get("raised", 0),
                "closed": row.get("closed", 0),
                "open": row.get("open", 0),
                "open_url": f"{inbox}?{urlencode({'rule': kind, 'status': 'open_all'})}",
            }
        )
    total = {key: sum(r[key] for r in rows) for key in ("raised", "closed", "open")}
    return rows, total
