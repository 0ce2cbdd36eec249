"""Time the background sweeps on the data of bench/populate.py (issue: "sweeps constant in
queries per batch"):

    python -m bench.sweeps [--overdue 1000]

1. The reminder task (``govcenter.reminders.reminders_send``), twice at the same moment: the
   first run sends what is due, the second has nothing new to send (the every-ten-minutes
   case).
2. The overdue sweep of every kind (``govcenter.sweep.sweep_overdue``) with nothing overdue:
   every overdue open dispute and log is first given a later deadline.
3. The same sweep with ``--overdue`` village cases made overdue: each moves one level up.

Everything runs in one transaction that is rolled back, so the run can be repeated; the
database is vacuumed afterwards, so that pages timed after it are timed as before it.
"""

from __future__ import annotations

import argparse
import datetime
import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govcenter.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from disputes.models import Dispute  # noqa: E402
from govcenter.queue import sending_suppressed  # noqa: E402
from govcenter.reminders import reminders_send  # noqa: E402
from govcenter.sweep import overdue_kinds, sweep_overdue  # noqa: E402


class _RollBack(Exception):
    pass


def _timed(label: str, work) -> object:
    connection.queries_log.clear()  # it keeps 9,000: a longer run before would hide this one's
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = work()
        seconds = time.perf_counter() - started
    print(f"{label:48} {seconds:8.2f} {len(queries):8d}  {result}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--overdue", type=int, default=1000, help="village cases to make overdue")
    args = parser.parse_args()
    at = timezone.now()
    print(f"database: {connection.vendor}; disputes: about {Dispute.objects.order_by().count():,}")
    print(f"{'sweep':48} {'seconds':>8} {'queries':>8}  result")
    try:
        with transaction.atomic(), sending_suppressed():
            _timed("reminders, first run", lambda: reminders_send(at=at))
            _timed("reminders, again (nothing new to send)", lambda: reminders_send(at=at))
            later = at + datetime.timedelta(days=1)
            for kind in overdue_kinds().values():  # nothing overdue: every deadline a day ahead
                model = kind.overdue(at).model
                field = "due_on" if any(f.name == "due_on" for f in model._meta.fields) else "due_at"
                deadline = later.date() if field == "due_on" else later
                model.objects.filter(pk__in=kind.overdue(at).values("pk")).update(**{field: deadline})
            _timed("overdue sweep, nothing overdue", lambda: sweep_overdue(at=at))
            chosen = list(
                Dispute.objects.open()
                .filter(level="village", township__isnull=False, police_station__isnull=True, link_group__isnull=True)
                .exclude(status=Dispute.Status.AWAITING_CONFIRMATION)
                .order_by("pk")
                .values_list("pk", flat=True)[: args.overdue]
            )
            Dispute.objects.filter(pk__in=chosen).update(due_at=at - datetime.timedelta(hours=1))
            _timed(f"overdue sweep, {len(chosen):,} village cases overdue", lambda: sweep_overdue(at=at)["dispute"])
            raise _RollBack
    except _RollBack:
        print("(rolled back)")
    # The rolled-back updates left dead rows on thousands of pages and cleared those pages'
    # all-visible bits: the "open now" counts of the home page and the statistics, index-only
    # scans, then fetched 33,000 rows from the heap (the province's home page measured 208 ms
    # instead of 73 in a bench.run after this). Autovacuum would not come for so few dead rows.
    if connection.vendor == "postgresql":
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
        print(f"(vacuumed in {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
