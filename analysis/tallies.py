"""The dispute rollups (``DisputeTally``): kept in step with the ledger in the same
transaction as every write, rebuilt in bulk after a bulk load, checked every night.

What a dispute adds (``contribution`` of its ``snapshot``): +1 ``registered`` in the local month of
``registered_at``, and while it is closed (a status of ``figures.CLOSED`` with a
``resolved_at``) its closing counters in the local month of ``resolved_at``; each under
"all" and under its category, source, risk level, handling level (``figures.HANDLING_LEVEL``)
and village, in its district and township. ``DisputeTallyState`` keeps the snapshot
whose contribution was last added, so that ``tally_refresh`` adds the difference: a closing, a reopening, a move
to another level or village, a reclassification, a deletion are all deltas, and refreshing
an unchanged dispute writes nothing.

Who calls ``tally_refresh``: the ``post_save`` / ``post_delete`` receivers on ``Dispute``
and the kernel's ``govcenter.signals.rows_updated`` (sent after every queryset ``.update()``
of the services and kernel), connected in ``AnalysisConfig.ready``; so the ledger's apps do
not import analysis. A save that writes no column a tally depends on (``update_fields``
without one, an UPDATE of the police-review columns) costs nothing.

Write cost, per dispute save that changes its tallies: 2 reads (the state row, locked, and
the dispute's columns), 1 INSERT .. ON CONFLICT DO NOTHING for the tally rows, 1 UPDATE per
tally row whose counters change (6 when a dispute is registered or closed: "all" and the
five breakdowns; up to 12 when it moves between months or values), 1 write of the state
row. An unchanged dispute: the 2 reads.

Concurrency: counters are incremented with ``F()`` expressions, tally rows are updated in
the order of their keys (no deadlock between two refreshes), and the state row is locked
(``select_for_update``); a dispute's refresh runs in the transaction that wrote the dispute,
whose row lock serialises two refreshes of the same dispute.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, DateField, F, Q, Value
from django.db.models.functions import TruncMonth

from disputes.models import Dispute
from govcenter.levels import Level, local_date, local_zone

from . import figures
from .models import TALLY_COUNTERS, DisputeTally, DisputeTallyState

logger = logging.getLogger(__name__)

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
TALLY_FIELDS = frozenset(FIELDS) | {name.removesuffix("_id") for name in FIELDS}
N = len(TALLY_COUNTERS)
BATCH = 5000

# Key of a tally row: (month, district id, township id or None, dimension, value).
Key = tuple[datetime.date, int, int | None, str, str]


def month_of(moment: datetime.datetime) -> datetime.date:
    return local_date(moment).replace(day=1)


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


def _decode(text: str) -> Key:
    month, district, township, dimension, value = text.split("|", 4)
    return (datetime.date.fromisoformat(month), int(district), int(township) if township else None, dimension, value)


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
    out: dict[str, list[int]] = {}
    for month, counters in parts:
        for dimension, value in zip(DIMENSION_NAMES, ["", *values], strict=True):
            key = f"{month}|{district}|{'' if township is None else township}|{dimension}|{value}"
            out[key] = [a + b for a, b in zip(out.get(key, [0] * N), counters, strict=True)]
    return out


def _add(delta: dict[str, list[int]], part: dict[str, list[int]], sign: int) -> None:
    for key, counters in part.items():
        total = delta.setdefault(key, [0] * N)
        for i, n in enumerate(counters):
            total[i] += sign * n


def _sort_key(key: Key) -> tuple:
    month, district, township, dimension, value = key
    return (month, district, township or 0, dimension, value)


def _lookup(key: Key) -> dict:
    month, district, township, dimension, value = key
    return {"month": month, "district_id": district, "township_id": township, "dimension": dimension, "value": value}


def _apply(delta: dict[str, list[int]]) -> None:
    """Add ``delta`` to the tally rows: the missing rows created (ignoring a concurrent
    creation), then one F() increment per row, in key order."""
    # Sorted on the encoded key: a fixed order of row locks (no deadlock between two refreshes).
    changes = [(_decode(key), delta[key]) for key in sorted(delta) if any(delta[key])]
    if not changes:
        return
    DisputeTally.objects.bulk_create([DisputeTally(**_lookup(key)) for key, _c in changes], ignore_conflicts=True)
    for key, counters in changes:
        increments = {name: F(name) + n for name, n in zip(TALLY_COUNTERS, counters, strict=True) if n}
        DisputeTally.objects.filter(**_lookup(key)).update(**increments)


def tally_refresh(dispute_ids: Iterable[int]) -> int:
    """Bring the tallies of ``dispute_ids`` up to their rows (a deleted dispute: its
    contribution is taken away). Returns how many disputes' contributions changed."""
    ids = sorted({int(pk) for pk in dispute_ids})
    if not ids:
        return 0
    with transaction.atomic():
        states = {s.dispute_id: s for s in DisputeTallyState.objects.select_for_update().filter(dispute_id__in=ids)}
        rows = {row["id"]: row for row in Dispute.objects.filter(pk__in=ids).values(*FIELDS)}
        delta: dict[str, list[int]] = {}
        created, changed, gone = [], [], []
        for pk in ids:
            state = states.get(pk)
            old = state.snapshot if state is not None else []
            new = snapshot(rows[pk]) if pk in rows else []
            if old == new:
                continue
            _add(delta, contribution(old), -1)
            _add(delta, contribution(new), 1)
            if pk not in rows:
                gone.append(pk)
            elif state is None:
                created.append(DisputeTallyState(dispute_id=pk, snapshot=new))
            else:
                state.snapshot = new
                changed.append(state)
        _apply(delta)
        if created:
            DisputeTallyState.objects.bulk_create(created)
        if changed:
            DisputeTallyState.objects.bulk_update(changed, ["snapshot"])
        if gone:
            DisputeTallyState.objects.filter(dispute_id__in=gone).delete()
    return len(created) + len(changed) + len(gone)


# --- recount in bulk: rebuild and the nightly check -----------------------------------------------

DIMENSION_EXPRESSIONS = {
    "all": Value(""),
    "category": F("category"),
    "source": F("source"),
    "risk_level": F("risk_level"),
    "level": figures.HANDLING_LEVEL,
    "village": F("village_id"),
}


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


def recount(window: figures.Period | None = None) -> dict[Key, list[int]]:
    """Every tally row recomputed from the disputes with grouped queries (two per dimension),
    for the months of ``window`` (whole local months) or for all time."""
    out: dict[Key, list[int]] = defaultdict(lambda: [0] * N)
    month = DateField()
    for dimension, expression in DIMENSION_EXPRESSIONS.items():
        registered = Dispute.objects.all()
        closed = Dispute.objects.filter(status__in=figures.CLOSED, resolved_at__isnull=False)
        if window is not None:
            registered = registered.filter(registered_at__gte=window.start, registered_at__lt=window.end)
            closed = closed.filter(resolved_at__gte=window.start, resolved_at__lt=window.end)
        groups = ("m", "district_id", "township_id", "k")
        rows = (
            registered.annotate(m=TruncMonth("registered_at", tzinfo=local_zone(), output_field=month), k=expression)
            .order_by()
            .values(*groups)
            .annotate(registered=Count("pk"))
        )
        for row in rows:
            out[_key(row, dimension)][0] += row["registered"]
        rows = (
            closed.annotate(m=TruncMonth("resolved_at", tzinfo=local_zone(), output_field=month), k=expression)
            .order_by()
            .values(*groups)
            .annotate(**_closing_expressions())
        )
        for row in rows:
            counters = out[_key(row, dimension)]
            for i, name in enumerate(TALLY_COUNTERS[1:], start=1):
                counters[i] += row[name]
    return dict(out)


def _key(row: dict, dimension: str) -> Key:
    value = row["k"]
    return (row["m"], row["district_id"], row["township_id"], dimension, "" if value is None else str(value))


def _row(key: Key, counters: list[int]) -> DisputeTally:
    return DisputeTally(**_lookup(key), **dict(zip(TALLY_COUNTERS, counters, strict=True)))


def tally_rebuild() -> dict[str, int]:
    """Recompute every tally and every dispute's state from the rows (after a bulk load):
    the tallies by grouped queries, the states in batches of ``BATCH`` rows."""
    with transaction.atomic():
        DisputeTally.objects.all().delete()
        DisputeTallyState.objects.all().delete()
        counted = recount()
        DisputeTally.objects.bulk_create(
            [_row(key, counters) for key, counters in counted.items() if any(counters)], batch_size=BATCH
        )
        states = 0
        batch = []
        for row in Dispute.objects.order_by().values(*FIELDS).iterator(chunk_size=BATCH):
            batch.append(DisputeTallyState(dispute_id=row["id"], snapshot=snapshot(row)))
            if len(batch) == BATCH:
                DisputeTallyState.objects.bulk_create(batch)
                states += len(batch)
                batch = []
        DisputeTallyState.objects.bulk_create(batch)
        states += len(batch)
    return {"tallies": DisputeTally.objects.count(), "disputes": states}


def _stored(window: figures.Period) -> dict[Key, list[int]]:
    rows = DisputeTally.objects.filter(month__gte=window.first, month__lte=window.last).values(
        "month", "district_id", "township_id", "dimension", "value", *TALLY_COUNTERS
    )
    return {
        (r["month"], r["district_id"], r["township_id"], r["dimension"], r["value"]): [r[n] for n in TALLY_COUNTERS]
        for r in rows
    }


def months_window(today: datetime.date, months: int) -> figures.Period:
    """The ``months`` whole local months ending with ``today``'s."""
    index = today.year * 12 + today.month - 1 - (months - 1)
    first = datetime.date(index // 12, index % 12 + 1, 1)
    after = datetime.date((index + months) // 12, (index + months) % 12 + 1, 1)
    return figures.Period.of_dates(first, after - datetime.timedelta(days=1))


def tally_check(*, today: datetime.date, months: int = 2) -> int:
    """Recount the last ``months`` months; where a tally differs, log a warning and repair:
    the tallies of those months set to the recount, and the state of each dispute
    registered or closed in them brought up to its row (the part of the old contribution
    outside those months taken back from the tallies there). Returns the rows repaired."""
    window = months_window(today, months)
    first, last = window.first, window.last
    with transaction.atomic():
        counted = recount(window)
        stored = _stored(window)
        wrong = {key for key in counted.keys() | stored.keys() if counted.get(key, [0] * N) != stored.get(key, [0] * N)}
        if not wrong:
            return 0
        logger.warning(
            "Dispute tallies differed from the recount of %s to %s in %d rows; repaired. First: %s",
            window.first,
            window.last,
            len(wrong),
            sorted(wrong, key=_sort_key)[:5],
        )
        ids = Dispute.objects.filter(
            Q(registered_at__gte=window.start, registered_at__lt=window.end)
            | Q(resolved_at__gte=window.start, resolved_at__lt=window.end)
        ).values_list("pk", flat=True)
        outside: dict[str, list[int]] = {}
        for chunk in _chunks(list(ids)):
            states = {
                s.dispute_id: s for s in DisputeTallyState.objects.select_for_update().filter(dispute_id__in=chunk)
            }
            created, changed = [], []
            for row in Dispute.objects.filter(pk__in=chunk).values(*FIELDS):
                new = snapshot(row)
                state = states.get(row["id"])
                old = state.snapshot if state is not None else []
                if old == new:
                    continue
                for snap, sign in ((old, -1), (new, 1)):
                    part = contribution(snap)
                    _add(outside, {k: v for k, v in part.items() if not first <= _decode(k)[0] <= last}, sign)
                if state is None:
                    created.append(DisputeTallyState(dispute_id=row["id"], snapshot=new))
                else:
                    state.snapshot = new
                    changed.append(state)
            DisputeTallyState.objects.bulk_create(created)
            DisputeTallyState.objects.bulk_update(changed, ["snapshot"], batch_size=BATCH)
        _apply(outside)
        keys = sorted(wrong, key=_sort_key)
        DisputeTally.objects.bulk_create([DisputeTally(**_lookup(key)) for key in keys], ignore_conflicts=True)
        for key in keys:
            exact = dict(zip(TALLY_COUNTERS, counted.get(key, [0] * N), strict=True))
            DisputeTally.objects.filter(**_lookup(key)).update(**exact)
    return len(wrong)


def _chunks(items: list, size: int = BATCH):
    for i in range(0, len(items), size):
        yield items[i : i + size]


# --- receivers (connected in AnalysisConfig.ready) ------------------------------------------------


def on_dispute_saved(sender, instance, update_fields=None, **kwargs) -> None:
    if update_fields is not None and not (set(update_fields) & TALLY_FIELDS):
        return
    tally_refresh([instance.pk])


def on_dispute_deleted(sender, instance, **kwargs) -> None:
    tally_refresh([instance.pk])


def on_rows_updated(sender, pks, fields, **kwargs) -> None:
    if sender is Dispute and set(fields) & TALLY_FIELDS:
        tally_refresh(pks)


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    from govcenter.signals import rows_updated

    post_save.connect(on_dispute_saved, sender=Dispute, dispatch_uid="analysis.tallies.saved")
    post_delete.connect(on_dispute_deleted, sender=Dispute, dispatch_uid="analysis.tallies.deleted")
    rows_updated.connect(on_rows_updated, dispatch_uid="analysis.tallies.rows_updated")
