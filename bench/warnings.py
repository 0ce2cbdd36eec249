"""Time the nightly early-warning sweep (预警, ``analysis.warning_services.warnings_sweep``)
over the benchmark ledger, rule by rule, on the data of bench/populate.py.

    python -m bench.warnings [--keep]

Prints per rule: seconds, SQL queries, findings, the Python heap's peak (tracemalloc) and the
process's peak resident memory. The sweep reads grouped queries and iterates them, so the
memory must not grow with the ledger (goal: a province's million disputes in under a
minute). Everything the sweep writes is rolled back afterwards unless ``--keep``, so that
the run can be repeated and the first run is what is measured each time.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
import tracemalloc

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govcenter.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from analysis.models import Warning, WarningRule  # noqa: E402
from analysis.warning_services import warnings_sweep  # noqa: E402
from disputes.models import Dispute  # noqa: E402
from govcenter.queue import sending_suppressed  # noqa: E402


class _RollBack(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", action="store_true", help="keep the warnings the sweep raised")
    args = parser.parse_args()
    print(f"database: {connection.vendor}; disputes: about {Dispute.objects.order_by().count():,}")
    print(f"{'rule':22} {'seconds':>8} {'queries':>8} {'findings':>9} {'raised':>7} {'heap MB':>8} {'rss MB':>7}")
    at = timezone.now()
    total = 0.0
    try:
        with transaction.atomic(), sending_suppressed():
            for kind in WarningRule.Kind.values:
                connection.queries_log.clear()  # it keeps 9,000: the last rule's would hide this one's
                tracemalloc.start()
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    counts = warnings_sweep(at=at, kinds=[kind])
                    seconds = time.perf_counter() - started
                _current, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                total += seconds
                rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                print(
                    f"{kind:22} {seconds:8.2f} {len(queries):8d} {counts['findings']:9d} "
                    f"{counts['raised']:7d} {peak / 2**20:8.1f} {rss:7.0f}"
                )
            print(f"{'whole sweep':22} {total:8.2f}   open warnings now: {Warning.objects.open().count():,}")
            # The next night: every finding has its open warning; nothing new is raised.
            connection.queries_log.clear()
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                counts = warnings_sweep(at=at)
                seconds = time.perf_counter() - started
            print(
                f"{'again, the next night':22} {seconds:8.2f} {len(queries):8d} {counts['findings']:9d} {counts['raised']:7d}"
            )
            if not args.keep:
                raise _RollBack
    except _RollBack:
        print("(rolled back: run with --keep to keep the warnings)")


if __name__ == "__main__":
    main()
