"""The figures of DESIGN.md, "Analysis and judgement" (研判), for the dispute ledger.

Every function takes ``disputes``, a queryset already cut to the user's jurisdiction
(``disputes.selectors.disputes_visible_to``) and to the chosen scope, and a ``Period``
[start, end) of aware datetimes (local midnights, Asia/Shanghai). The counting is done
by the database: ``counts`` makes one query with conditional aggregation
(``Count(filter=Q(...))``), ``counts_by`` one grouped query (``.values().annotate()``);
the one-figure functions are thin wrappers over ``counts`` for tests and callers that
want a single number. No query depends on the number of rows.

What the records allow, and so what each figure means here:

- An item counts in the period in which its event happened: *registered* by
  ``registered_at``; *closed* (resolved, not resolved, transferred to police) by
  ``resolved_at``, the "closed at" every closing sets. A case reopened later (a flare-up
  at a follow-up, the parties unsatisfied) has no closing until it is closed again: it
  counts in the period of its last closing, if it is closed now.
- The level a case was resolved at is ``result_level`` (the level whose result it is,
  also when a lower level confirmed the returned result); a township station or
  institute (站所) counts as the township. A case closed unresolved or transferred was
  closed at its handling level ``level``.
- The due date at closing is ``due_at``: closing does not change it.
- *Open, overdue, supervised* are the state **now** (at ``now``), whatever the period:
  the ledger keeps each case's current status and deadline, not the status and deadline
  it had on a past day (the timeline has the steps, but re-playing it for every case is
  not a handful of queries). The page labels them "now". For a period that ends today or
  later this is also the state at the end of the period as far as it is known.
- *Repeat rate*: follow-up visits recorded as made (``visited_on``) in the period's local
  dates; a dispute counts once however many visits it had.

Two ways to the same numbers. ``counts`` and ``counts_by`` aggregate the rows; given a
``TallyScope`` (``tally_scope(user, area)``: an area at township level or above whose
whole subtree is the user's jurisdiction) and a period of whole local months, they sum
the rollups of ``analysis.tallies`` instead for the additive counts (one grouped query
over a few hundred rows, whatever the number of disputes) and count only the open rows
and the follow-up visits from the ledger (one query). A period with a partial month reads
the rows throughout (a from–to choice of days; the month, quarter and year choices and
the dashboard are whole months). tests/analysis/test_tallies.py compares both ways.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import connections
from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, QuerySet, Sum, When
from django.utils import timezone

from disputes.models import Dispute, FollowUp
from govcenter.jurisdiction import scope_of
from govcenter.levels import Level, local_date, local_zone
from govcenter.models import Area

Status = Dispute.Status

RESOLVED = (Status.RESOLVED, Status.ARCHIVED)
CLOSED = (*RESOLVED, Status.NOT_RESOLVED, Status.TRANSFERRED_TO_POLICE)
# Resolved "without leaving the township" (大事不出镇): at the village, the township or one of its units.
WITHIN_TOWNSHIP = (Level.VILLAGE, Level.TOWNSHIP, Level.TOWNSHIP_UNIT)

# The counts ``counts`` and ``counts_by`` give; the rates are computed from them.
COUNTS = (
    "registered",
    "closed",
    "resolved",
    "not_resolved",
    "transferred",
    "open",
    "overdue",
    "supervised",
    "on_time",
    "village_closed",
    "village_resolved_in_village",
    "resolved_within_township",
    "followed_up",
    "flared",
)


@dataclass(frozen=True)
class Period:
    """[start, end) as aware datetimes; ``first`` and ``last`` its local dates (inclusive)."""

    start: datetime.datetime
    end: datetime.datetime

    @classmethod
    def of_dates(cls, first: datetime.date, last: datetime.date) -> Period:
        """The local days ``first`` to ``last`` inclusive."""
        zone = local_zone()
        start = datetime.datetime.combine(first, datetime.time.min, tzinfo=zone)
        end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
        return cls(start, end)

    @property
    def first(self) -> datetime.date:
        return local_date(self.start)

    @property
    def last(self) -> datetime.date:
        return local_date(self.end) - datetime.timedelta(days=1)


def rate(numerator: int, denominator: int) -> float | None:
    """numerator / denominator as a fraction, None when nothing is counted (shown "—")."""
    return numerator / denominator if denominator else None


def _count_expressions(period: Period, now: datetime.datetime) -> dict:
    registered = Q(registered_at__gte=period.start, registered_at__lt=period.end)
    closed = Q(status__in=CLOSED, resolved_at__gte=period.start, resolved_at__lt=period.end)
    resolved = closed & Q(status__in=RESOLVED)
    open_ = Q(status__in=Dispute.OPEN_STATUSES)
    visits = FollowUp.objects.filter(dispute=OuterRef("pk"), visited_on__gte=period.first, visited_on__lte=period.last)
    followed_up = Q(Exists(visits))
    flared = Q(Exists(visits.filter(finding=FollowUp.Finding.FLARED)))
    return {
        "registered": Count("pk", filter=registered),
        "closed": Count("pk", filter=closed),
        "resolved": Count("pk", filter=resolved),
        "not_resolved": Count("pk", filter=closed & Q(status=Status.NOT_RESOLVED)),
        "transferred": Count("pk", filter=closed & Q(status=Status.TRANSFERRED_TO_POLICE)),
        "open": Count("pk", filter=open_),
        "overdue": Count("pk", filter=open_ & Q(due_at__lt=now)),
        "supervised": Count("pk", filter=open_ & Q(supervised_at__isnull=False)),
        # Closed on or before its due date; a case without a deadline was not late.
        "on_time": Count("pk", filter=closed & (Q(due_at__isnull=True) | Q(resolved_at__lte=F("due_at")))),
        "village_closed": Count("pk", filter=closed & Q(registered_level=Level.VILLAGE)),
        "village_resolved_in_village": Count(
            "pk", filter=resolved & Q(registered_level=Level.VILLAGE, result_level=Level.VILLAGE)
        ),
        "resolved_within_township": Count("pk", filter=resolved & Q(result_level__in=WITHIN_TOWNSHIP)),
        "followed_up": Count("pk", filter=followed_up),
        "flared": Count("pk", filter=flared),
    }


def _relevant(disputes: QuerySet[Dispute], period: Period) -> QuerySet[Dispute]:
    """The rows any figure can count: registered or closed in the period, open now, or
    visited in the period (so that the aggregate does not read the whole history)."""
    visited = FollowUp.objects.filter(dispute=OuterRef("pk"), visited_on__gte=period.first, visited_on__lte=period.last)
    return disputes.filter(
        Q(registered_at__gte=period.start, registered_at__lt=period.end)
        | Q(resolved_at__gte=period.start, resolved_at__lt=period.end)
        | Q(status__in=Dispute.OPEN_STATUSES)
        | Q(Exists(visited))
    )


def with_rates(row: dict) -> dict:
    """``row``'s counts with the rates of the definitions table added (None when undefined)."""
    row = dict(row)
    row["resolution_rate"] = rate(row["resolved"], row["resolved"] + row["not_resolved"])
    row["on_time_rate"] = rate(row["on_time"], row["closed"])
    row["village_rate"] = rate(row["village_resolved_in_village"], row["village_closed"])  # 小事不出村
    row["township_rate"] = rate(row["resolved_within_township"], row["closed"])  # 大事不出镇
    row["repeat_rate"] = rate(row["flared"], row["followed_up"])  # 反复率
    return row


def counts(
    disputes: QuerySet[Dispute],
    period: Period,
    *,
    now: datetime.datetime | None = None,
    tally: TallyScope | None = None,
    open_now: dict | None = None,
) -> dict:
    """Every count and rate over ``disputes`` for ``period``: one query (two from the
    tallies when ``tally`` is given and the period is whole months). ``open_now``: the open,
    overdue and supervised counts at ``now`` when the caller has them (they do not depend on
    the period), so that the tally path does not count the open rows again."""
    now = now or timezone.now()
    if tally is not None and whole_months(period):
        return _tally_counts(disputes, period, now, tally, open_total=open_now)
    row = _relevant(disputes, period).order_by().aggregate(**_count_expressions(period, now))
    return with_rates({name: row[name] or 0 for name in COUNTS})


# The handling level a row is counted under: the level whose result it is for a resolved
# case (a confirmed returned result is the upper level's), else where it is handled now.
HANDLING_LEVEL = Case(
    When(Q(status__in=RESOLVED) & ~Q(result_level=""), then=F("result_level")),
    default=F("level"),
    output_field=CharField(),
)

# Breakdowns: key -> the expression or column grouped on.
DIMENSIONS = {
    "category": F("category"),
    "source": F("source"),
    "risk_level": F("risk_level"),
    "level": HANDLING_LEVEL,
    "district": F("district_id"),
    "township": F("township_id"),
    "village": F("village_id"),
    "grid": F("grid_id"),
}


def counts_by(
    disputes: QuerySet[Dispute],
    period: Period,
    dimension: str,
    *,
    now: datetime.datetime | None = None,
    tally: TallyScope | None = None,
) -> dict:
    """{value of ``dimension``: counts and rates} for every value with at least one row
    counted: one grouped query (two from the tallies, see ``counts``). ``dimension`` is a
    key of ``DIMENSIONS``; the area keys give ids (None for a case not placed that low)."""
    now = now or timezone.now()
    if tally is not None and whole_months(period) and dimension in TALLY_GROUPS:
        return _tally_counts_by(disputes, period, dimension, now, tally)
    rows = (
        _relevant(disputes, period)
        .annotate(key=DIMENSIONS[dimension])
        .order_by()
        .values("key")
        .annotate(**_count_expressions(period, now))
    )
    return {row.pop("key"): with_rates({name: row[name] or 0 for name in COUNTS}) for row in rows}


# --- the same figures from the rollups (analysis.tallies) ----------------------------------------

# The counts the tallies add up; the others (open, overdue, supervised now, followed up,
# flared) are counted from the rows.
ADDITIVE = (
    "registered",
    "closed",
    "resolved",
    "not_resolved",
    "transferred",
    "on_time",
    "village_closed",
    "village_resolved_in_village",
    "resolved_within_township",
)
LIVE = tuple(name for name in COUNTS if name not in ADDITIVE)
# counts_by's dimension -> (the tally rows' dimension, the column grouped on).
TALLY_GROUPS = {
    "category": ("category", "value"),
    "source": ("source", "value"),
    "risk_level": ("risk_level", "value"),
    "level": ("level", "value"),
    "village": ("village", "value"),
    "township": ("all", "township_id"),
    "district": ("all", "district_id"),
}


@dataclass(frozen=True)
class TallyScope:
    """An area whose whole subtree is the disputes counted (None: every district)."""

    area: Area | None = None


def tally_scope(user, area: Area | None) -> TallyScope | None:
    """The tallies' scope for ``user``'s disputes cut to ``area`` (None: not cut), or None
    when they cannot stand for them: a village or grid scope (small: read the rows), and a
    jurisdiction that is not an area subtree (a police station's villages, a department's
    cases, a grid worker's grids)."""
    scope = scope_of(user)
    if not scope.everything:
        if scope.area is None or scope.village_ids or scope.grid_ids or scope.department_id:
            return None
        if scope.area.level not in (Area.Level.DISTRICT, Area.Level.TOWNSHIP):
            return None
        if area is None:
            area = scope.area
        elif not area.path.startswith(scope.area.path):
            return None
    if area is not None and area.level not in (Area.Level.DISTRICT, Area.Level.TOWNSHIP):
        return None
    return TallyScope(area)


def whole_months(period: Period) -> bool:
    return period.first.day == 1 and (period.last + datetime.timedelta(days=1)).day == 1


def tally_rows(tally: TallyScope, period: Period, dimension: str, model=None) -> QuerySet:
    """The rows of the rollup ``model`` (default ``DisputeTally``) of ``dimension`` in the
    whole months of ``period`` and the scope ``tally``."""
    if model is None:
        from .models import DisputeTally as model  # analysis.models imports this module

    rows = model.objects.filter(dimension=dimension, month__gte=period.first, month__lte=period.last)
    if tally.area is not None:
        rows = rows.filter(**{f"{tally.area.level}_id": tally.area.pk})
    return rows


OPEN_LIVE = ("open", "overdue", "supervised")
VISIT_LIVE = ("followed_up", "flared")


def _live(disputes: QuerySet[Dispute], period: Period, now: datetime.datetime) -> list[tuple[QuerySet[Dispute], dict]]:
    """The non-additive counts, as two (rows, expressions) pairs: the open rows (a partial
    index on open cases serves them) for open, overdue and supervised; the rows visited in
    the period (``pk IN`` the period's follow-ups: few) for followed up and flared. One
    query over "open OR visited" read every row of the area through the heap (0.3-0.8 s for
    a district of 50,000 cases in make bench)."""
    expressions = _count_expressions(period, now)
    visited = FollowUp.objects.filter(visited_on__gte=period.first, visited_on__lte=period.last).values("dispute_id")
    return [
        (disputes.filter(status__in=Dispute.OPEN_STATUSES), {name: expressions[name] for name in OPEN_LIVE}),
        (disputes.filter(pk__in=visited), {name: expressions[name] for name in VISIT_LIVE}),
    ]


def _tally_counts(disputes, period: Period, now, tally: TallyScope, open_total=None) -> dict:
    summed = tally_rows(tally, period, "all").aggregate(**{name: Sum(name) for name in ADDITIVE})
    live = {}
    pairs = _live(disputes, period, now)
    if open_total is not None:  # the open rows' counts, read already (open_counts_by)
        live.update(open_total)
        pairs = pairs[1:]
    for rows, expressions in pairs:
        live.update(rows.order_by().aggregate(**expressions))
    row = {**{name: summed[name] or 0 for name in ADDITIVE}, **{name: live[name] or 0 for name in LIVE}}
    return with_rates({name: row[name] for name in COUNTS})


def counts_and_breakdowns(
    disputes: QuerySet[Dispute],
    period: Period,
    dimensions: list[str],
    *,
    now: datetime.datetime | None = None,
    tally: TallyScope | None = None,
) -> tuple[dict, dict[str, dict]]:
    """``counts(disputes, period)`` and {dimension: ``counts_by(disputes, period, dimension)``}
    for each of ``dimensions``: the statistics page's figures. From the tallies, the open rows
    are grouped by all the dimensions and in total in one scan (``open_counts_by``): six
    scans of a province's open cases were 110 of its statistics page's 180 ms."""
    now = now or timezone.now()
    if tally is None or not whole_months(period) or not all(d in TALLY_GROUPS for d in dimensions):
        return (
            counts(disputes, period, now=now, tally=tally),
            {d: counts_by(disputes, period, d, now=now, tally=tally) for d in dimensions},
        )
    open_by = open_counts_by(disputes, dimensions, now)
    total = _tally_counts(disputes, period, now, tally, open_total=open_by[ALL])
    return total, {d: _tally_counts_by(disputes, period, d, now, tally, open_by=open_by[d]) for d in dimensions}


# open_counts_by's key of the counts over all the open rows.
ALL = "all"


def open_counts_by(disputes: QuerySet[Dispute], dimensions: list[str], now: datetime.datetime) -> dict[str, dict]:
    """{dimension: {key: {"open": n, "overdue": n, "supervised": n}}} over the open rows, for
    each of ``dimensions`` (keys of ``DIMENSIONS``), and under ``ALL`` the same three counts
    over them all. On PostgreSQL one scan of the open rows (their partial, covering index)
    grouped by ``GROUPING SETS``, which Django's ORM cannot write; elsewhere (SQLite) a
    grouped query per dimension and one for the whole."""
    open_rows = disputes.filter(status__in=Dispute.OPEN_STATUSES).order_by()
    expressions = {name: _count_expressions(_today(), now)[name] for name in OPEN_LIVE}
    connection = connections[open_rows.db]
    if connection.vendor != "postgresql" or not dimensions:
        out: dict[str, dict] = {
            d: {
                row.pop("key"): row
                for row in open_rows.annotate(key=DIMENSIONS[d]).values("key").annotate(**expressions)
            }
            for d in dimensions
        }
        out[ALL] = open_rows.aggregate(**expressions)
        return out
    keys = {f"key_{i}": DIMENSIONS[d] for i, d in enumerate(dimensions)}
    sql, params = open_rows.annotate(**keys).values(*keys, "due_at", "supervised_at").query.sql_with_params()
    columns = ", ".join(keys)
    grouping = ", ".join(f"GROUPING({k})" for k in keys)
    sets = ", ".join([*(f"({k})" for k in keys), "()"])
    query = (
        f"SELECT {columns}, {grouping}, COUNT(*), COUNT(*) FILTER (WHERE due_at < %s), "  # noqa: S608 (our own names)
        f"COUNT(*) FILTER (WHERE supervised_at IS NOT NULL) FROM ({sql}) open_rows GROUP BY GROUPING SETS ({sets})"
    )
    out = {d: {} for d in dimensions}
    out[ALL] = dict.fromkeys(OPEN_LIVE, 0)  # no open row: the empty set's row is still there, but be sure
    with connection.cursor() as cursor:
        cursor.execute(query, [now, *params])  # the outer placeholder comes first in the text
        for row in cursor.fetchall():
            values, grouped, (n_open, n_overdue, n_supervised) = row[: len(keys)], row[len(keys) : -3], row[-3:]
            counted = {"open": n_open, "overdue": n_overdue, "supervised": n_supervised}
            if 0 not in grouped:  # the empty grouping set: all the open rows
                out[ALL] = counted
            else:
                i = grouped.index(0)  # the one column this row is grouped by
                out[dimensions[i]][values[i]] = counted
    return out


def _tally_counts_by(disputes, period: Period, dimension: str, now, tally: TallyScope, open_by=None) -> dict:
    tally_dimension, column = TALLY_GROUPS[dimension]
    out: dict = {}
    summed = (
        tally_rows(tally, period, tally_dimension)
        .order_by()
        .values(column)
        .annotate(**{name: Sum(name) for name in ADDITIVE})
    )
    for row in summed:
        if not any(row[name] for name in ADDITIVE):
            continue  # a tally row back to zeros: no dispute counted there
        key = row[column]
        if dimension == "village":
            key = int(key) if key else None
        out[key] = {**dict.fromkeys(COUNTS, 0), **{name: row[name] or 0 for name in ADDITIVE}}
    live = _live(disputes, period, now)
    if open_by is not None:  # the open rows' counts, read already (open_counts_by)
        for key, counted in open_by.items():
            out.setdefault(key, dict.fromkeys(COUNTS, 0)).update(counted)
        live = live[1:]
    for rows, expressions in live:
        for row in rows.annotate(key=DIMENSIONS[dimension]).order_by().values("key").annotate(**expressions):
            counted = out.setdefault(row["key"], dict.fromkeys(COUNTS, 0))
            counted.update({name: row[name] or 0 for name in expressions})
    return {key: with_rates({name: row.get(name, 0) for name in COUNTS}) for key, row in out.items()}


def monthly(disputes: QuerySet[Dispute], period: Period, tally: TallyScope) -> dict:
    """{(series, first day of the month): n} for "registered" and "resolved" over the whole
    months of ``period``, from the tallies: one grouped query (the dashboard's trend)."""
    rows = tally_rows(tally, period, "all").order_by().values("month").annotate(r=Sum("registered"), s=Sum("resolved"))
    out = {}
    for row in rows:
        out["registered", row["month"]] = row["r"] or 0
        out["resolved", row["month"]] = row["s"] or 0
    return out


# --- one function per figure of the definitions table -----------------------------------------


def registered(disputes, period, **kw) -> int:
    """排查数: disputes registered in the period."""
    return counts(disputes, period, **kw)["registered"]


def resolved(disputes, period, **kw) -> int:
    """化解数: disputes resolved (archived ones included) in the period."""
    return counts(disputes, period, **kw)["resolved"]


def not_resolved(disputes, period, **kw) -> int:
    """Closed as not resolved in the period (with or without a referral to court)."""
    return counts(disputes, period, **kw)["not_resolved"]


def transferred_to_police(disputes, period, **kw) -> int:
    """Transferred to the police (移送公安机关) in the period."""
    return counts(disputes, period, **kw)["transferred"]


def resolution_rate(disputes, period, **kw) -> float | None:
    """化解率: resolved / (resolved + not resolved); transfers to police are neither."""
    return counts(disputes, period, **kw)["resolution_rate"]


def open_now(disputes, period=None, **kw) -> int:
    """在办: open now (module docstring: the state at a past date is not in the records)."""
    return counts(disputes, period or _today(), **kw)["open"]


def overdue_now(disputes, period=None, **kw) -> int:
    """超期: of the open ones, past their due date now."""
    return counts(disputes, period or _today(), **kw)["overdue"]


def supervised_now(disputes, period=None, **kw) -> int:
    """督办: of the open ones, under supervision now."""
    return counts(disputes, period or _today(), **kw)["supervised"]


def on_time_rate(disputes, period, **kw) -> float | None:
    """按期办结率: closed on or before the due date they had at closing / closed in the period."""
    return counts(disputes, period, **kw)["on_time_rate"]


def small_matters_stay_in_village(disputes, period, **kw) -> float | None:
    """小事不出村: of the disputes registered at village level and closed in the period,
    the share resolved at village level."""
    return counts(disputes, period, **kw)["village_rate"]


def big_matters_stay_in_township(disputes, period, **kw) -> float | None:
    """大事不出镇: of the disputes closed in the period, the share resolved at village or
    township level (a township station or institute included)."""
    return counts(disputes, period, **kw)["township_rate"]


def repeat_rate(disputes, period, **kw) -> float | None:
    """反复率: of the disputes with a follow-up visit in the period, the share found flaring again."""
    return counts(disputes, period, **kw)["repeat_rate"]


def _today() -> Period:
    today = local_date(timezone.now())
    return Period.of_dates(today, today)
