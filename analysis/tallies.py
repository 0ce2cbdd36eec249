"""The two rollups (``analysis.rollups``): the dispute ledger's (``DisputeTally``) and the
people's-sentiment logs' (``LogTally``), kept in step with every write in its transaction,
rebuilt in bulk after a bulk load, checked every night.

What a dispute adds (``contribution`` of its ``snapshot``): +1 ``registered`` in the local month of
``registered_at``, and while it is closed (a status of ``figures.CLOSED`` with a
``resolved_at``) its closing counters in the local month of ``resolved_at``; each under
"all" and under its category, source, risk level, handling level (``figures.HANDLING_LEVEL``)
and village, in its district and township. Write cost: 6 tally rows updated when a dispute
is registered or closed ("all" and the five breakdowns), up to 12 when it moves between
months or values; an UPDATE of columns no tally depends on (the police-review columns) costs
nothing.

What a log adds (``log_contribution``): +1 ``filed`` in the local month of ``occurred_at``,
and while it stands fed back (``Log.Status.FED_BACK`` with a ``fed_back_at``) +1 ``handled``
in the local month of ``fed_back_at``; each under "all", its kind and its category, in its
district and township (``analysis.activity`` defines both figures). Write cost: 3 tally rows
when a log is filed or fed back, none for the other steps of its flow (a report up, a
handler) beyond the two reads.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, F, Q, Value

from disputes.models import Dispute
from govcenter.levels import Level
from sentiment.models import Log

from . import figures
from .models import LOG_TALLY_COUNTERS, TALLY_COUNTERS, DisputeTally, DisputeTallyState, LogTally, LogTallyState
from .rollups import Event, Rollup, encode, month_of

Status = Dispute.Status
DIMENSION_NAMES = tuple(DisputeTally.Dimension.values)
# The Dispute columns a contribution is made of: a write touching none of them changes no tally.
FIELDS = (
    "id",
    "registered_at",
    "resolved_at",
    "status",
    "district_id",
    "township_id",
    "village_id",
    "category",
    "source",
    "risk_level",
    "level",
    "result_level",
    "registered_level",
    "due_at",
)
N = len(TALLY_COUNTERS)


def _handling_level(row: dict) -> str:
    """``figures.HANDLING_LEVEL`` in Python."""
    if row["status"] in figures.RESOLVED and row["result_level"] != "":
        return row["result_level"]
    return row["level"]


def _values(row: dict) -> dict[str, str]:
    village = row["village_id"]
    return {
        "all": "",
        "category": row["category"],
        "source": row["source"],
        "risk_level": row["risk_level"],
        "level": _handling_level(row),
        "village": "" if village is None else str(village),
    }


def _closing(row: dict) -> list[int]:
    status = row["status"]
    resolved = status in figures.RESOLVED
    due = row["due_at"]
    from_village = row["registered_level"] == Level.VILLAGE
    return [
        0,
        1,
        int(resolved),
        int(status == Status.NOT_RESOLVED),
        int(status == Status.TRANSFERRED_TO_POLICE),
        int(due is None or row["resolved_at"] <= due),
        int(from_village),
        int(resolved and from_village and row["result_level"] == Level.VILLAGE),
        int(resolved and row["result_level"] in figures.WITHIN_TOWNSHIP),
    ]


def snapshot(row: dict) -> list:
    """What of the dispute ``row`` (its ``FIELDS``) the tallies depend on, compactly (what
    ``DisputeTallyState`` stores, about 100 bytes): registration month, district, township,
    the five breakdown values, and if closed the closing month and counters."""
    values = _values(row)
    snap = [
        month_of(row["registered_at"]).isoformat(),
        row["district_id"],
        row["township_id"],
        *(values[name] for name in DIMENSION_NAMES[1:]),
    ]
    if row["status"] in figures.CLOSED and row["resolved_at"] is not None:
        snap += [month_of(row["resolved_at"]).isoformat(), *_closing(row)[1:]]
    return snap


def _spread(parts, district, township, dimensions, values, width) -> dict[str, list[int]]:
    """{encoded key: counters} of ``parts`` [(month, counters)] under each breakdown's value."""
    out: dict[str, list[int]] = {}
    for month, counters in parts:
        for dimension, value in zip(dimensions, values, strict=True):
            key = encode(month, district, township, dimension, value)
            out[key] = [a + b for a, b in zip(out.get(key, [0] * width), counters, strict=True)]
    return out


def contribution(snap: list) -> dict[str, list[int]]:
    """What a dispute with the ``snapshot`` ``snap`` adds to the tallies: {encoded key: counters}."""
    if not snap:
        return {}
    registered, district, township, *rest = snap
    breakdowns = len(DIMENSION_NAMES) - 1
    values, closing = rest[:breakdowns], rest[breakdowns:]
    parts = [(registered, [1] + [0] * (N - 1))]
    if closing:
        parts.append((closing[0], [0, *closing[1:]]))
    return _spread(parts, district, township, DIMENSION_NAMES, ["", *values], N)


def _closing_expressions() -> dict:
    resolved = Q(status__in=figures.RESOLVED)
    from_village = Q(registered_level=Level.VILLAGE)
    return {
        "closed": Count("pk"),
        "resolved": Count("pk", filter=resolved),
        "not_resolved": Count("pk", filter=Q(status=Status.NOT_RESOLVED)),
        "transferred": Count("pk", filter=Q(status=Status.TRANSFERRED_TO_POLICE)),
        "on_time": Count("pk", filter=Q(due_at__isnull=True) | Q(resolved_at__lte=F("due_at"))),
        "village_closed": Count("pk", filter=from_village),
        "village_resolved_in_village": Count("pk", filter=resolved & from_village & Q(result_level=Level.VILLAGE)),
        "resolved_within_township": Count("pk", filter=resolved & Q(result_level__in=figures.WITHIN_TOWNSHIP)),
    }


DISPUTES = Rollup(
    name="Dispute",
    source=Dispute,
    tally=DisputeTally,
    state=DisputeTallyState,
    counters=TALLY_COUNTERS,
    fields=FIELDS,
    snapshot=snapshot,
    contribution=contribution,
    dimensions={
        "all": Value(""),
        "category": F("category"),
        "source": F("source"),
        "risk_level": F("risk_level"),
        "level": figures.HANDLING_LEVEL,
        "village": F("village_id"),
    },
    events=(
        Event("registered_at", {"registered": Count("pk")}),
        Event(
            "resolved_at",
            _closing_expressions(),
            Q(status__in=figures.CLOSED, resolved_at__isnull=False),
        ),
    ),
)


# --- the logs' rollup --------------------------------------------------------------------------

LOG_DIMENSIONS = tuple(LogTally.Dimension.values)
LOG_FIELDS = ("id", "occurred_at", "fed_back_at", "status", "district_id", "township_id", "kind", "category")


def log_snapshot(row: dict) -> list:
    """What of the log ``row`` (its ``LOG_FIELDS``) the tallies depend on: the month filed,
    district, township, kind, category, and the month fed back while it stands fed back."""
    snap = [
        month_of(row["occurred_at"]).isoformat(),
        row["district_id"],
        row["township_id"],
        row["kind"],
        row["category"],
    ]
    if row["status"] == Log.Status.FED_BACK and row["fed_back_at"] is not None:
        snap.append(month_of(row["fed_back_at"]).isoformat())
    return snap


def log_contribution(snap: list) -> dict[str, list[int]]:
    if not snap:
        return {}
    filed, district, township, kind, category, *handled = snap
    parts = [(filed, [1, 0])] + [(month, [0, 1]) for month in handled]
    return _spread(parts, district, township, LOG_DIMENSIONS, ["", kind, category], len(LOG_TALLY_COUNTERS))


LOGS = Rollup(
    name="Log",
    source=Log,
    tally=LogTally,
    state=LogTallyState,
    counters=LOG_TALLY_COUNTERS,
    fields=LOG_FIELDS,
    snapshot=log_snapshot,
    contribution=log_contribution,
    dimensions={"all": Value(""), "kind": F("kind"), "category": F("category")},
    events=(
        Event("occurred_at", {"filed": Count("pk")}),
        Event("fed_back_at", {"handled": Count("pk")}, Q(status=Log.Status.FED_BACK, fed_back_at__isnull=False)),
    ),
)

ROLLUPS = (DISPUTES, LOGS)


# --- what the rest of the portal calls ------------------------------------------------------------


def tally_refresh(dispute_ids) -> int:
    return DISPUTES.refresh(dispute_ids)


def recount(window: figures.Period | None = None):
    return DISPUTES.recount(window)


def tally_rebuild() -> dict[str, int]:
    """Recompute both rollups from the rows (after a bulk load that bypassed the services)."""
    disputes = DISPUTES.rebuild()
    logs = LOGS.rebuild()
    return {
        "tallies": disputes["tallies"],
        "disputes": disputes["rows"],
        "log_tallies": logs["tallies"],
        "logs": logs["rows"],
    }


def tally_check(*, today: datetime.date, months: int = 2) -> int:
    """Recount the last ``months`` months of both rollups, repair and log a warning on any
    difference (``Rollup.check``). Returns the tally rows repaired."""
    return sum(rollup.check(today=today, months=months) for rollup in ROLLUPS)


def connect() -> None:
    for rollup in ROLLUPS:
        rollup.connect()
