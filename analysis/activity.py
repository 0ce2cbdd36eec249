"""The statistics page's figures beyond the dispute ledger (issue 14, item 2): people's-
sentiment logs, agency matters (代办) and policy publicity.

Like ``analysis.figures``, every function takes a queryset already cut to the user's
jurisdiction and to the chosen scope, and a ``figures.Period`` [start, end); the database
counts, one grouped query per table, whatever the number of rows. What each figure means:

Sentiment logs (民情日志), by kind and by category:

- *filed*: logs whose visit or service happened in the period (``occurred_at``, the date
  the log list filters on);
- *handled*: logs whose result was fed back in the period (``fed_back_at``) and that stand
  fed back now. A log filed with nothing to screen (answered on the spot, an agency
  matter, a dispute) is finished at filing and counts only as filed; a log sent back into
  the flow (parties unsatisfied) has no handling until it is fed back again;
- *open now*: in the reporting flow now (new, reported up, in hand), whatever the period;
  *overdue now*: of those, past their level's deadline.

Agency matters (代办), by matter type:

- *registered*: opened in the period (``created_at``);
- *done*: completed in the period (``completed_at``), done now;
- *done on time*: of those, completed on or before the local day they were due
  (``due_on``); the *on-time rate* is done on time / done;
- *open now*, *overdue now*: open now; of those, due before today (local date).

Publicity (政策宣传), by campaign:

- *activities*: activities held in the period (``held_on``, a local date);
- *participants* and *households reached*: the sum of those fields of the activities'
  logs (an activity that left one empty adds nothing);
- *villages distributed to*: the campaign's copies sent to villages of the scope in the
  period (``distributed_at``); *campaigns distributed* counts the campaigns with at least one.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from govcenter.levels import local_date, local_zone
from publicity.models import Activity, Campaign, VillageDistribution
from publicity.selectors import activities_visible_to, distributions_visible_to
from sentiment.filters import OPEN_STATUS
from sentiment.models import AgencyMatter, Log
from sentiment.selectors import agency_matters_visible_to, logs_visible_to

from .figures import Period, TallyScope, rate, tally_rows, tally_scope, whole_months

LOG_COUNTS = ("filed", "handled", "open", "overdue")
AGENCY_COUNTS = ("registered", "done", "on_time", "open", "overdue")
PUBLICITY_COUNTS = ("villages", "activities", "participants", "households")


def _zeros(names) -> dict:
    return dict.fromkeys(names, 0)


def _add(total: dict, row: dict) -> None:
    for name, value in row.items():
        if isinstance(value, int):
            total[name] = total.get(name, 0) + value


# --- sentiment logs ----------------------------------------------------------------------------


def _log_expressions(period: Period, now: datetime.datetime) -> dict:
    open_ = Q(status__in=Log.OPEN_FLOW_STATUSES)
    return {
        "filed": Count("pk", filter=Q(occurred_at__gte=period.start, occurred_at__lt=period.end)),
        "handled": Count(
            "pk", filter=Q(status=Log.Status.FED_BACK, fed_back_at__gte=period.start, fed_back_at__lt=period.end)
        ),
        "open": Count("pk", filter=open_),
        "overdue": Count("pk", filter=open_ & Q(due_at__lt=now)),
    }


def _relevant_logs(logs: QuerySet[Log], period: Period) -> QuerySet[Log]:
    """The rows any log figure can count (so that the aggregate does not read all history)."""
    return logs.filter(
        Q(occurred_at__gte=period.start, occurred_at__lt=period.end)
        | Q(fed_back_at__gte=period.start, fed_back_at__lt=period.end)
        | Q(status__in=Log.OPEN_FLOW_STATUSES)
    )


def log_counts_by(
    logs: QuerySet[Log],
    period: Period,
    dimension: str,
    *,
    now: datetime.datetime | None = None,
    tally: TallyScope | None = None,
) -> dict[str, dict]:
    """{kind or category: filed, handled, open, overdue}: one grouped query; or, given a
    ``tally`` scope (``figures.tally_scope``) and a period of whole months, filed and handled
    summed from the log rollup (``LogTally``) and open and overdue counted on the open rows
    (partial indexes): two small queries. ``dimension`` is "kind" or "category"; values
    without a counted row are left out."""
    if dimension not in ("kind", "category"):
        raise ValueError(dimension)
    now = now or timezone.now()
    if tally is not None and whole_months(period):
        return _tally_log_counts_by(logs, period, dimension, now, tally)
    rows = _relevant_logs(logs, period).order_by().values(dimension).annotate(**_log_expressions(period, now))
    return {row.pop(dimension): {name: row[name] or 0 for name in LOG_COUNTS} for row in rows}


def _tally_log_counts_by(logs, period: Period, dimension: str, now, tally: TallyScope) -> dict[str, dict]:
    from .models import LogTally  # analysis.models imports figures, which this module imports

    out: dict[str, dict] = {}
    summed = (
        tally_rows(tally, period, dimension, LogTally)
        .order_by()
        .values("value")
        .annotate(filed=Sum("filed"), handled=Sum("handled"))
    )
    for row in summed:
        if row["filed"] or row["handled"]:
            out[row["value"]] = {**_zeros(LOG_COUNTS), "filed": row["filed"] or 0, "handled": row["handled"] or 0}
    expressions = _log_expressions(period, now)
    live = (
        logs.filter(status__in=Log.OPEN_FLOW_STATUSES)
        .order_by()
        .values(dimension)
        .annotate(open=expressions["open"], overdue=expressions["overdue"])
    )
    for row in live:
        counted = out.setdefault(row[dimension], _zeros(LOG_COUNTS))
        counted.update(open=row["open"] or 0, overdue=row["overdue"] or 0)
    return out


def log_total(rows_by_kind: dict[str, dict]) -> dict:
    """The totals of ``log_counts_by(..., "kind")`` (every log has exactly one kind)."""
    total = _zeros(LOG_COUNTS)
    for row in rows_by_kind.values():
        _add(total, row)
    return total


# --- agency matters ----------------------------------------------------------------------------


def _agency_expressions(period: Period, today: datetime.date) -> dict:
    done = Q(status=AgencyMatter.Status.DONE, completed_at__gte=period.start, completed_at__lt=period.end)
    open_ = Q(status=AgencyMatter.Status.OPEN)
    return {
        "registered": Count("pk", filter=Q(created_at__gte=period.start, created_at__lt=period.end)),
        "done": Count("pk", filter=done),
        "on_time": Count("pk", filter=done & Q(completed_on__lte=F("due_on"))),
        "open": Count("pk", filter=open_),
        "overdue": Count("pk", filter=open_ & Q(due_on__lt=today)),
    }


def with_agency_rate(row: dict) -> dict:
    row = dict(row)
    row["on_time_rate"] = rate(row["on_time"], row["done"])  # 按期办结率 of agency matters
    return row


def agency_counts_by_type(
    matters: QuerySet[AgencyMatter], period: Period, *, now: datetime.datetime | None = None
) -> dict[str, dict]:
    """{matter type: registered, done, on time, open, overdue, on-time rate}: one grouped query."""
    now = now or timezone.now()
    relevant = matters.filter(
        Q(created_at__gte=period.start, created_at__lt=period.end)
        | Q(completed_at__gte=period.start, completed_at__lt=period.end)
        | Q(status=AgencyMatter.Status.OPEN)
    )
    rows = (
        relevant.annotate(completed_on=TruncDate("completed_at", tzinfo=local_zone()))
        .order_by()
        .values("matter_type")
        .annotate(**_agency_expressions(period, local_date(now)))
    )
    return {row.pop("matter_type"): with_agency_rate({name: row[name] or 0 for name in AGENCY_COUNTS}) for row in rows}


def agency_total(rows_by_type: dict[str, dict]) -> dict:
    total = _zeros(AGENCY_COUNTS)
    for row in rows_by_type.values():
        _add(total, row)
    return with_agency_rate(total)


# --- publicity ---------------------------------------------------------------------------------


def publicity_by_campaign(
    activities: QuerySet[Activity], distributions: QuerySet[VillageDistribution], period: Period
) -> list[tuple[Campaign, dict]]:
    """[(campaign, villages, activities, participants, households)] for every campaign with
    an activity held or a village distributed to in the period, newest campaign first:
    three queries (activities grouped, distributions grouped, the campaigns)."""
    held = (
        activities.filter(held_on__gte=period.first, held_on__lte=period.last)
        .order_by()
        .values("assignment__campaign")
        .annotate(
            activities=Count("pk"),
            participants=Sum("log__participants"),
            households=Sum("log__households_reached"),
        )
    )
    sent = (
        distributions.filter(distributed_at__gte=period.start, distributed_at__lt=period.end)
        .order_by()
        .values("campaign")
        .annotate(villages=Count("pk"))
    )
    rows: dict[int, dict] = {}
    for row in held:
        counts = rows.setdefault(row["assignment__campaign"], _zeros(PUBLICITY_COUNTS))
        counts.update(
            activities=row["activities"], participants=row["participants"] or 0, households=row["households"] or 0
        )
    for row in sent:
        rows.setdefault(row["campaign"], _zeros(PUBLICITY_COUNTS))["villages"] = row["villages"]
    campaigns = Campaign.objects.filter(pk__in=list(rows)).order_by("-starts_on", "-pk")
    return [(campaign, rows[campaign.pk]) for campaign in campaigns]


def publicity_total(rows: list[tuple[Campaign, dict]]) -> dict:
    total = _zeros(PUBLICITY_COUNTS)
    for _c, row in rows:
        _add(total, row)
    total["campaigns_distributed"] = sum(1 for _c, row in rows if row["villages"])
    return total


# --- the statistics page's tables --------------------------------------------------------------


def _url(name: str, params: dict) -> str:
    return f"{reverse(name)}?{urlencode(params)}"


def page_tables(user, area, own_area, period: Period, now: datetime.datetime) -> dict:
    """The logs, agency and publicity tables of the statistics page for ``area`` (None: the
    whole jurisdiction), with the list links where the list's filter reproduces the count.
    The log and agency lists filter by grid only: they are linked when the scope is the
    user's whole jurisdiction (``area`` is ``own_area``). Seven queries."""
    whole = area is None or (own_area is not None and area.pk == own_area.pk)
    logs, matters = logs_visible_to(user), agency_matters_visible_to(user)
    activities, distributions = activities_visible_to(user), distributions_visible_to(user)
    if area is not None:
        logs, matters = logs.filter(**{area.level: area}), matters.filter(**{area.level: area})
        activities = activities.filter(**{f"assignment__{area.level}": area})
        distributions = distributions.filter(**{area.level: area})
    dates = {"date_from": period.first.isoformat(), "date_to": period.last.isoformat()}
    tally = tally_scope(user, area)

    def log_rows(dimension: str, choices) -> list:
        counted = log_counts_by(logs, period, dimension, now=now, tally=tally)
        rows = []
        for value, label in choices:
            links = {}
            if whole:
                links = {
                    "filed": _url("sentiment:list", {dimension: value, **dates}),
                    "open": _url("sentiment:list", {dimension: value, "status": OPEN_STATUS}),
                }
            rows.append((label, counted.get(value) or _zeros(LOG_COUNTS), links))
        return rows, counted

    by_kind, counted_kinds = log_rows("kind", Log.Kind.choices)
    by_category, _unused = log_rows("category", Log.Category.choices)
    log_links = {}
    if whole:
        log_links = {
            "filed": _url("sentiment:list", dates),
            "open": _url("sentiment:list", {"status": OPEN_STATUS}),
        }

    agency_counted = agency_counts_by_type(matters, period, now=now)
    agency_rows = []
    for value, label in AgencyMatter.Type.choices:
        links = {}
        if whole:
            links = {
                "open": _url("sentiment:agency_list", {"state": "open", "matter_type": value}),
                "overdue": _url("sentiment:agency_list", {"state": "overdue", "matter_type": value}),
            }
        row = agency_counted.get(value) or with_agency_rate(_zeros(AGENCY_COUNTS))
        agency_rows.append((label, row, links))
    agency_links = {}
    if whole:
        agency_links = {
            "open": _url("sentiment:agency_list", {"state": "open"}),
            "overdue": _url("sentiment:agency_list", {"state": "overdue"}),
        }

    # The activity list filters by campaign, township and village.
    area_params = None
    if whole:
        area_params = {}
    elif area.level in ("township", "village"):
        area_params = {area.level: str(area.pk)}
    held = {"held_from": period.first.isoformat(), "held_to": period.last.isoformat()}
    campaigns = publicity_by_campaign(activities, distributions, period)
    publicity_rows = []
    for campaign, row in campaigns:
        links = {}
        if area_params is not None:
            links["activities"] = _url("publicity:activities", {"campaign": str(campaign.pk), **area_params, **held})
        publicity_rows.append((campaign.title, row, links))
    publicity_links = (
        {} if area_params is None else {"activities": _url("publicity:activities", {**area_params, **held})}
    )

    return {
        "log_tables": [(_("Kind"), by_kind), (_("Category"), by_category)],
        "logs_total": log_total(counted_kinds),
        "logs_total_links": log_links,
        "agency_rows": agency_rows,
        "agency_total": agency_total(agency_counted),
        "agency_total_links": agency_links,
        "publicity_rows": publicity_rows,
        "publicity_total": publicity_total(campaigns),
        "publicity_total_links": publicity_links,
    }
