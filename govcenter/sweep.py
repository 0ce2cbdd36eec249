"""The overdue sweep of every flow: one loop, each kind of item registered once.

A kind registers how to find its overdue open items and what to do with one of them
(move it one level up, or supervise it where it cannot move by itself)::

    register_overdue_kind("sentiment-log", overdue=lambda at: Log.objects.overdue(at), act=log_overdue)

``act(item, at)`` returns the count it adds to ("escalated" or "supervised") and raises
``WorkflowError`` when the item was changed meanwhile. It writes with a conditional
UPDATE on the state as the sweep read it (``claim``), so that under two workers (or a
re-run after a crash) each item moves once per deadline and the second attempt is
counted as "skipped". The beat schedule runs ``govcenter.tasks.sweep_overdue``.

A kind with many overdue items at once may also register ``act_batch(items, at)``, which
acts on a whole batch in a constant number of queries and returns the counts it adds to
(each item counted once: acted on, or "skipped" when it was changed meanwhile)::

    register_overdue_kind("dispute", overdue=..., act=_act, act_batch=_act_batch)
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from .signals import send_rows_updated
from .timeline import WorkflowError

ESCALATED, SUPERVISED, SKIPPED = "escalated", "supervised", "skipped"


@dataclass(frozen=True)
class OverdueKind:
    code: str
    overdue: Callable[[datetime.datetime], QuerySet]
    act: Callable[[Any, datetime.datetime], str]
    act_batch: Callable[[list, datetime.datetime], dict[str, int]] | None = None


_KINDS: dict[str, OverdueKind] = {}


def register_overdue_kind(
    code: str,
    *,
    overdue: Callable[[datetime.datetime], QuerySet],
    act: Callable[[Any, datetime.datetime], str],
    act_batch: Callable[[list, datetime.datetime], dict[str, int]] | None = None,
) -> None:
    _KINDS[code] = OverdueKind(code, overdue, act, act_batch)


def overdue_kinds() -> dict[str, OverdueKind]:
    return dict(_KINDS)


def claim(item, expected: dict, **changes) -> bool:
    """Write ``changes`` to ``item``'s row only if its columns still hold ``expected`` (as
    the caller read them): True for the one caller that wins."""
    won = type(item).objects.filter(pk=item.pk, **expected).update(**changes) == 1
    if won:
        send_rows_updated(type(item), [item.pk], changes)
    return won


def sweep_kind(code: str, *, at: datetime.datetime | None = None, batch: int | None = None) -> dict[str, int]:
    """Act on every overdue item of one kind, in batches by primary key (``OVERDUE_SWEEP_BATCH``
    items each; a worker killed mid-sweep loses at most its batch, which the redelivery redoes)."""
    kind = _KINDS[code]
    batch = batch or settings.OVERDUE_SWEEP_BATCH
    at = at or timezone.now()
    counts = {ESCALATED: 0, SUPERVISED: 0, SKIPPED: 0}
    last_pk = 0
    while True:
        rows = list(kind.overdue(at).filter(pk__gt=last_pk).order_by("pk")[:batch])
        if not rows:
            return counts
        last_pk = rows[-1].pk
        if kind.act_batch is not None:
            for outcome, n in kind.act_batch(rows, at).items():
                counts[outcome] += n
            continue
        for item in rows:
            try:
                counts[kind.act(item, at)] += 1
            except WorkflowError:
                counts[SKIPPED] += 1


def sweep_overdue(*, at: datetime.datetime | None = None, batch: int | None = None) -> dict[str, dict[str, int]]:
    """Every registered kind, each at the same moment ``at``."""
    at = at or timezone.now()
    return {code: sweep_kind(code, at=at, batch=batch) for code in sorted(_KINDS)}
