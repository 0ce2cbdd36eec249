"""Rollups (汇总表): per-month, per-area counts of one model's rows, kept in step with every
write in the writer's transaction, rebuilt in bulk after a bulk load, checked every night.
``analysis.tallies`` keeps two: the dispute ledger's (``DisputeTally``) and the people's-
sentiment logs' (``LogTally``).

A rollup's tally rows are keyed by (local month, district, township, breakdown, value) and
hold additive counters. What one source row adds to them is a function of a few of its
columns: the rollup's ``snapshot(row)`` turns those columns into a small JSON list, and
``contribution(snapshot)`` into {encoded key: counters}. A state table (one row per source
row, no foreign key) keeps the snapshot whose contribution was last added, so that
``refresh`` adds the difference: a closing, a reopening, a move to another month or value,
a deletion are all deltas, and refreshing an unchanged row writes nothing.

Who calls ``refresh``: the ``post_save`` / ``post_delete`` receivers on the source model and
the kernel's ``govcenter.signals.rows_updated`` (sent after every queryset ``.update()`` of
the services and kernel), connected by ``connect``; so the apps that own the rows do not
import analysis. A save that writes no column the rollup depends on (``update_fields``
without one) costs nothing.

Write cost, per refresh of any number of rows (up to ``BATCH`` tally rows): 2 reads (the
state rows, locked, and the rows' columns), 1 INSERT .. ON CONFLICT DO NOTHING for the tally
rows, 1 read of the tally rows' ids, 1 locking read of them and 1 UPDATE of all of them (a
join with a VALUES list), 1 write of the state rows. An unchanged row: the 2 reads.

Concurrency: counters are incremented in the UPDATE (``counter = counter + delta``), tally rows are locked in the
order of their ids before the UPDATE (no deadlock between two refreshes), and the state row is locked
(``select_for_update``); a row's refresh runs in the transaction that wrote the row, whose
row lock serialises two refreshes of the same row.

The recount (``recount``, used by ``rebuild`` and the nightly ``check``) computes the same
counters with grouped queries from the rollup's ``events``: each event is a filter of the
rows, the column whose local month it counts in, and the counters' aggregate expressions;
grouped once per breakdown.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connections, models, transaction
from django.db.models import DateField, Q
from django.db.models.functions import TruncMonth

from govcenter.levels import local_date, local_zone

from .figures import Period

logger = logging.getLogger(__name__)

BATCH = 5000

# Key of a tally row: (month, district id, township id or None, dimension, value).
Key = tuple[datetime.date, int, int | None, str, str]


def month_of(moment: datetime.datetime) -> datetime.date:
    return local_date(moment).replace(day=1)


def encode(month: str, district: int, township: int | None, dimension: str, value: str) -> str:
    """The encoded key of a contribution (``month`` in ISO form)."""
    return f"{month}|{district}|{'' if township is None else township}|{dimension}|{value}"


def decode(text: str) -> Key:
    month, district, township, dimension, value = text.split("|", 4)
    return (datetime.date.fromisoformat(month), int(district), int(township) if township else None, dimension, value)


def add_into(delta: dict[str, list[int]], part: dict[str, list[int]], sign: int, width: int) -> None:
    for key, counters in part.items():
        total = delta.setdefault(key, [0] * width)
        for i, n in enumerate(counters):
            total[i] += sign * n


def _sort_key(key: Key) -> tuple:
    month, district, township, dimension, value = key
    return (month, district, township or 0, dimension, value)


def _lookup(key: Key) -> dict:
    month, district, township, dimension, value = key
    return {"month": month, "district_id": district, "township_id": township, "dimension": dimension, "value": value}


def months_window(today: datetime.date, months: int) -> Period:
    """The ``months`` whole local months ending with ``today``'s."""
    index = today.year * 12 + today.month - 1 - (months - 1)
    first = datetime.date(index // 12, index % 12 + 1, 1)
    after = datetime.date((index + months) // 12, (index + months) % 12 + 1, 1)
    return Period.of_dates(first, after - datetime.timedelta(days=1))


def _chunks(items: list, size: int = BATCH):
    for i in range(0, len(items), size):
        yield items[i : i + size]


@dataclass(frozen=True)
class Event:
    """What a row counts for in the local month of ``column``: rows matching ``condition``
    (None: every row), counted by ``counters`` (counter name -> aggregate expression)."""

    column: str
    counters: dict
    condition: Q | None = None


@dataclass(frozen=True)
class Rollup:
    """One rollup: the ``source`` model's rows counted into ``tally`` rows, with each row's
    last snapshot in ``state`` (primary key: the source row's id)."""

    name: str
    source: type[models.Model]
    tally: type[models.Model]
    state: type[models.Model]
    counters: tuple[str, ...]
    fields: tuple[str, ...]  # the source columns a snapshot is made of ("id" first)
    snapshot: Callable[[dict], list]
    contribution: Callable[[list], dict[str, list[int]]]
    dimensions: dict  # breakdown -> the expression of its value ("all": Value(""))
    events: tuple[Event, ...]

    @property
    def width(self) -> int:
        return len(self.counters)

    @property
    def watched(self) -> frozenset[str]:
        """The field names (with and without ``_id``) a write must touch to change a tally."""
        return frozenset(self.fields) | {name.removesuffix("_id") for name in self.fields}

    @property
    def _state_key(self) -> str:
        return self.state._meta.pk.attname

    def _states(self, ids) -> dict:
        key = self._state_key
        rows = self.state.objects.select_for_update().filter(**{f"{key}__in": ids})
        return {getattr(s, key): s for s in rows}

    def _new_state(self, pk: int, snap: list):
        return self.state(**{self._state_key: pk, "snapshot": snap})

    # --- keeping in step ---------------------------------------------------------------------

    def apply(self, delta: dict[str, list[int]]) -> None:
        """Add ``delta`` to the tally rows: the missing rows created (ignoring a concurrent
        creation), then every changed row incremented in one UPDATE per chunk of rows, after
        locking them in primary-key order (no deadlock between two refreshes)."""
        changes = {decode(key): counters for key, counters in delta.items() if any(counters)}
        if not changes:
            return
        self.tally.objects.bulk_create([self.tally(**_lookup(key)) for key in changes], ignore_conflicts=True)
        ids = self._locked(changes)
        self._write([(pk, changes[key]) for pk, key in ids], increment=True)

    def _set(self, values: dict[Key, list[int]]) -> None:
        """Set the tally rows of ``values`` to exactly those counters (created where missing),
        in the same order of locks and number of queries as ``apply``."""
        if not values:
            return
        self.tally.objects.bulk_create([self.tally(**_lookup(key)) for key in values], ignore_conflicts=True)
        ids = self._locked(values)
        self._write([(pk, values[key]) for pk, key in ids], increment=False)

    def _locked(self, keys) -> list[tuple[int, Key]]:
        """(id, key) of the tally rows of ``keys`` (which exist), locked in id order: one read
        narrowed by the keys' columns (the exact keys picked in Python), then one locking
        read per ``BATCH`` rows."""
        keys = set(keys)
        candidates = self.tally.objects.filter(
            month__in={k[0] for k in keys},
            district_id__in={k[1] for k in keys},
            dimension__in={k[3] for k in keys},
            value__in={k[4] for k in keys},
        ).values_list("pk", "month", "district_id", "township_id", "dimension", "value")
        found = sorted((pk, tuple(key)) for pk, *key in candidates if tuple(key) in keys)
        for chunk in _chunks([pk for pk, _key in found]):
            list(self.tally.objects.select_for_update().filter(pk__in=chunk).order_by("pk").values_list("pk"))
        return found

    def _write(self, rows: list[tuple[int, list[int]]], *, increment: bool) -> None:
        """Add (``increment``) or set the counters of the tally rows (id, counters): one
        ``WITH v(id, ...) AS (VALUES ...) UPDATE .. FROM v`` per chunk, a join on the id
        (Django's ``bulk_update`` writes a CASE with a WHEN per row for every column, which
        the database evaluates row by row: 1,000 rows took seconds)."""
        if not rows:
            return
        connection = connections[self.tally.objects.db]
        quote = connection.ops.quote_name
        table = quote(self.tally._meta.db_table)
        columns = [quote(self.tally._meta.get_field(name).column) for name in self.counters]
        deltas = [f"d{i}" for i in range(self.width)]
        sets = ", ".join(
            f"{column} = {table}.{column} + v.{delta}" if increment else f"{column} = v.{delta}"
            for column, delta in zip(columns, deltas, strict=True)
        )
        per_row = 1 + self.width
        size = min(1000, (connection.features.max_query_params or 65535) // per_row)
        row_sql = f"({', '.join(['%s'] * per_row)})"
        with connection.cursor() as cursor:
            for chunk in _chunks(rows, size):
                sql = (
                    f"WITH v(id, {', '.join(deltas)}) AS (VALUES {', '.join([row_sql] * len(chunk))}) "  # noqa: S608
                    f"UPDATE {table} SET {sets} FROM v WHERE {table}.{quote(self.tally._meta.pk.column)} = v.id"
                )
                cursor.execute(sql, [x for pk, counters in chunk for x in (pk, *counters)])

    def refresh(self, ids: Iterable[int]) -> int:
        """Bring the tallies of the rows ``ids`` up to the rows (a deleted row: its
        contribution is taken away). Returns how many rows' contributions changed."""
        ids = sorted({int(pk) for pk in ids})
        if not ids:
            return 0
        with transaction.atomic():
            states = self._states(ids)
            rows = {row["id"]: row for row in self.source.objects.filter(pk__in=ids).values(*self.fields)}
            delta: dict[str, list[int]] = {}
            created, changed, gone = [], [], []
            for pk in ids:
                state = states.get(pk)
                old = state.snapshot if state is not None else []
                new = self.snapshot(rows[pk]) if pk in rows else []
                if old == new:
                    continue
                add_into(delta, self.contribution(old), -1, self.width)
                add_into(delta, self.contribution(new), 1, self.width)
                if pk not in rows:
                    gone.append(pk)
                elif state is None:
                    created.append(self._new_state(pk, new))
                else:
                    state.snapshot = new
                    changed.append(state)
            self.apply(delta)
            if created:
                self.state.objects.bulk_create(created)
            if changed:
                self.state.objects.bulk_update(changed, ["snapshot"])
            if gone:
                self.state.objects.filter(**{f"{self._state_key}__in": gone}).delete()
        return len(created) + len(changed) + len(gone)

    # --- recount in bulk: rebuild and the nightly check --------------------------------------

    def recount(self, window: Period | None = None) -> dict[Key, list[int]]:
        """Every tally row recomputed from the rows with grouped queries (one per event and
        breakdown), for the months of ``window`` (whole local months) or for all time."""
        out: dict[Key, list[int]] = defaultdict(lambda: [0] * self.width)
        index = {name: i for i, name in enumerate(self.counters)}
        month = DateField()
        groups = ("m", "district_id", "township_id", "k")
        for dimension, expression in self.dimensions.items():
            for event in self.events:
                rows = self.source.objects.all()
                if event.condition is not None:
                    rows = rows.filter(event.condition)
                if window is not None:
                    rows = rows.filter(**{f"{event.column}__gte": window.start, f"{event.column}__lt": window.end})
                grouped = (
                    rows.annotate(m=TruncMonth(event.column, tzinfo=local_zone(), output_field=month), k=expression)
                    .order_by()
                    .values(*groups)
                    .annotate(**event.counters)
                )
                for row in grouped:
                    value = row["k"]
                    key = (
                        row["m"],
                        row["district_id"],
                        row["township_id"],
                        dimension,
                        "" if value is None else str(value),
                    )
                    counters = out[key]
                    for name in event.counters:
                        counters[index[name]] += row[name]
        return dict(out)

    def _row(self, key: Key, counters: list[int]):
        return self.tally(**_lookup(key), **dict(zip(self.counters, counters, strict=True)))

    def rebuild(self) -> dict[str, int]:
        """Recompute every tally and every row's state from the rows (after a bulk load):
        the tallies by grouped queries, the states in batches of ``BATCH`` rows."""
        with transaction.atomic():
            self.tally.objects.all().delete()
            self.state.objects.all().delete()
            counted = self.recount()
            self.tally.objects.bulk_create(
                [self._row(key, counters) for key, counters in counted.items() if any(counters)], batch_size=BATCH
            )
            states = 0
            batch = []
            for row in self.source.objects.order_by().values(*self.fields).iterator(chunk_size=BATCH):
                batch.append(self._new_state(row["id"], self.snapshot(row)))
                if len(batch) == BATCH:
                    self.state.objects.bulk_create(batch)
                    states += len(batch)
                    batch = []
            self.state.objects.bulk_create(batch)
            states += len(batch)
        return {"tallies": self.tally.objects.count(), "rows": states}

    def stored(self, window: Period) -> dict[Key, list[int]]:
        rows = self.tally.objects.filter(month__gte=window.first, month__lte=window.last).values(
            "month", "district_id", "township_id", "dimension", "value", *self.counters
        )
        return {
            (r["month"], r["district_id"], r["township_id"], r["dimension"], r["value"]): [r[n] for n in self.counters]
            for r in rows
        }

    def check(self, *, today: datetime.date, months: int = 2) -> int:
        """Recount the last ``months`` months; where a tally differs, log a warning and
        repair: the tallies of those months set to the recount, and the state of each row
        counted in them brought up to the row (the part of the old contribution outside
        those months taken back from the tallies there). Returns the rows repaired."""
        window = months_window(today, months)
        first, last = window.first, window.last
        zero = [0] * self.width
        with transaction.atomic():
            counted = self.recount(window)
            stored = self.stored(window)
            wrong = {key for key in counted.keys() | stored.keys() if counted.get(key, zero) != stored.get(key, zero)}
            if not wrong:
                return 0
            logger.warning(
                "%s tallies differed from the recount of %s to %s in %d rows; repaired. First: %s",
                self.name,
                first,
                last,
                len(wrong),
                sorted(wrong, key=_sort_key)[:5],
            )
            in_window = Q()
            for column in dict.fromkeys(event.column for event in self.events):
                in_window |= Q(**{f"{column}__gte": window.start, f"{column}__lt": window.end})
            ids = self.source.objects.filter(in_window).values_list("pk", flat=True)
            outside: dict[str, list[int]] = {}
            for chunk in _chunks(list(ids)):
                states = self._states(chunk)
                created, changed = [], []
                for row in self.source.objects.filter(pk__in=chunk).values(*self.fields):
                    new = self.snapshot(row)
                    state = states.get(row["id"])
                    old = state.snapshot if state is not None else []
                    if old == new:
                        continue
                    for snap, sign in ((old, -1), (new, 1)):
                        part = self.contribution(snap)
                        elsewhere = {k: v for k, v in part.items() if not first <= decode(k)[0] <= last}
                        add_into(outside, elsewhere, sign, self.width)
                    if state is None:
                        created.append(self._new_state(row["id"], new))
                    else:
                        state.snapshot = new
                        changed.append(state)
                self.state.objects.bulk_create(created)
                self.state.objects.bulk_update(changed, ["snapshot"], batch_size=BATCH)
            self.apply(outside)
            self._set({key: counted.get(key, zero) for key in wrong})
        return len(wrong)

    # --- receivers -----------------------------------------------------------------------------

    def on_saved(self, sender, instance, update_fields=None, **kwargs) -> None:
        if update_fields is not None and not (set(update_fields) & self.watched):
            return
        self.refresh([instance.pk])

    def on_deleted(self, sender, instance, **kwargs) -> None:
        self.refresh([instance.pk])

    def on_rows_updated(self, sender, pks, fields, **kwargs) -> None:
        if sender is self.source and set(fields) & self.watched:
            self.refresh(pks)

    def connect(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from govcenter.signals import rows_updated

        uid = f"analysis.rollups.{self.name}"
        post_save.connect(self.on_saved, sender=self.source, dispatch_uid=f"{uid}.saved", weak=False)
        post_delete.connect(self.on_deleted, sender=self.source, dispatch_uid=f"{uid}.deleted", weak=False)
        rows_updated.connect(self.on_rows_updated, dispatch_uid=f"{uid}.rows_updated", weak=False)
