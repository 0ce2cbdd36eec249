"""Time the pages that grow with the tables, on the data of bench/populate.py.

    python -m bench.run [--repeat 7] [--warmup 8] [--only statistics]

Each page is requested through Django's test client (no network, no browser), so the
figures are server time: queries, Python, templates. Prints median and slowest time
and the number of SQL queries per page; the query count must not grow with the data.

The limit page (``bench/urls.py``: one indexed query, 50 rows, a bare template) is timed
first and last, and once before each timed request of every page: each page's "× limit" is
its median over the median of the limit requests made alongside it (the speed of a shared
machine drifts from one minute to the next), the ratio the speed issue sets at 1.5 for the
ledger's list. The layout page, timed second, is the portal's frame with nothing in it: the
part of every page's ratio that is not the page's own work.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govcenter.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

import govcenter.wsgi  # noqa: E402, F401  (as served: the process's loaded objects frozen, see there)
from disputes.models import Dispute  # noqa: E402
from govcenter.models import User  # noqa: E402
from sentiment.models import Log  # noqa: E402

settings.ALLOWED_HOSTS = ["testserver"]
settings.DEBUG = False  # as served in production (CaptureQueriesContext still counts the queries)
settings.ROOT_URLCONF = "bench.urls"  # the portal's URLs and the limit page
# No setup_test_environment(): it instruments every template render (a signal and a copy of
# the context per {% include %}), which production does not pay; on the ledger's page that
# was a third of the time measured.


def pages() -> list[tuple[str, str, str]]:
    some = Dispute.objects.filter(district__code__startswith="34").order_by("-pk").values_list("pk", "number")[:1]
    pk, number = some[0]
    return [
        (LIMIT, "benchdistrict", "/bench/limit/"),
        (LAYOUT, "benchdistrict", "/bench/layout/"),
        ("ledger, district, newest first", "benchdistrict", "/disputes/"),
        ("ledger, whole province (admin)", "admin", "/disputes/"),
        ("ledger, province, page 40", "admin", "/disputes/?page=40"),
        ("ledger, district, overdue + status", "benchdistrict", "/disputes/?overdue=yes&status=accepted"),
        ("ledger, district, party-name search", "benchdistrict", "/disputes/?q=%E7%8E%8B%E4%BC%9F"),
        ("ledger, province, party-name search", "admin", "/disputes/?q=%E9%99%88%E5%A8%9C"),
        ("ledger, province, 2-character name, no match", "admin", "/disputes/?q=%E8%B5%B5%E9%92%B1"),
        ("ledger, number prefix search", "admin", f"/disputes/?q={number[:14]}"),
        ("ledger, township, by due date", "benchtownship", "/disputes/?sort=due_at"),
        ("ledger, village", "benchvillage", "/disputes/"),
        ("dispute detail", "admin", f"/disputes/{pk}/"),
        ("ledger export XLSX, village", "benchvillage", "/disputes/export.xlsx"),
        ("residents, township", "benchtownship", "/grids/residents/"),
        ("residents, township, name search", "benchtownship", "/grids/residents/?q=%E7%8E%8B"),
        ("residents, province (admin), 2-char name", "admin", "/grids/residents/?q=%E7%8E%8B%E4%BC%9F"),
        ("residents, province (admin), no match", "admin", "/grids/residents/?q=%E8%B5%B5%E9%92%B1"),
        ("home, district", "benchdistrict", "/"),
        ("home, township", "benchtownship", "/"),
        ("home, province (admin)", "admin", "/"),
        ("police review queue, station", "station1", "/police/"),
        ("police review queue, province (admin)", "admin", "/police/"),
        ("supervised items, district", "benchdistrict", "/supervised/"),
        ("supervised items, province (admin)", "admin", "/supervised/"),
        ("logs awaiting co-signature, officer", "police1", "/logs/cosign/"),
        ("statistics, district, this month", "benchdistrict", "/analysis/"),
        ("statistics, district, a year", "benchdistrict", "/analysis/?period=year"),
        ("statistics, province (admin), a year", "admin", "/analysis/?period=year"),
        ("monthly reports, district", "benchdistrict", "/analysis/reports/"),
        ("statistics, township, a year", "benchtownship", "/analysis/?period=year"),
        ("logs, district (all)", "benchdistrict", "/logs/all/"),
        ("logs, province (admin)", "admin", "/logs/all/"),
        ("logs screening queue, township", "benchtownship", "/logs/queue/"),
        ("warnings inbox, district", "benchdistrict", "/analysis/warnings/"),
        ("warnings inbox, province (admin)", "admin", "/analysis/warnings/"),
        ("publicity campaigns, district", "benchdistrict", "/publicity/"),
        ("publicity activities, district", "benchdistrict", "/publicity/activities/"),
        (LIMIT + " (again, at the end)", "benchdistrict", "/bench/limit/"),
    ]


LIMIT = "limit: bare Django, 50 rows"
LIMIT_URL = "/bench/limit/"
# The portal's frame with nothing in it: what every page pays before its own work.
LAYOUT = "layout: the portal's empty page"


def _timed(client: Client, url: str) -> tuple[float, object]:
    """One request, its streamed content read to the end: (ms, response)."""
    started = time.perf_counter()
    response = client.get(url)
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    return (time.perf_counter() - started) * 1000, response


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    # Untimed requests first, as a server that has been up a while has served them: its
    # connection has prepared the page's queries (DB_PREPARED_STATEMENTS) and PostgreSQL has
    # settled on their plans (it plans the first five executions of a prepared query anew).
    parser.add_argument("--warmup", type=int, default=8)
    parser.add_argument(
        "--only",
        default="",
        help="time only the pages whose label contains this (and the limit and layout pages)",
    )
    args = parser.parse_args()
    print(
        f"database: {connection.vendor}; disputes: about {Dispute.objects.order_by().count():,}; "
        f"logs: about {Log.objects.order_by().count():,}"
    )
    print(f"{'page':45} {'median ms':>10} {'p90 ms':>8} {'max ms':>8} {'queries':>8} {'× limit':>8} status")
    clients: dict[str, Client] = {}
    limit_client = Client()
    limit_client.force_login(User.objects.get(username="benchdistrict"))
    rows = []
    for label, username, url in pages():
        if args.only and args.only not in label and not label.startswith((LIMIT, LAYOUT)):
            continue
        client = clients.get(username)
        if client is None:
            client = clients[username] = Client()
            client.force_login(User.objects.get(username=username))
        for _ in range(args.warmup):
            _timed(client, url)
        # The queries counted on one more untimed request: logging them (the debug cursor)
        # costs a little per query, which the timed requests should not pay.
        with CaptureQueriesContext(connection) as queries:
            _timed(client, url)
        n_queries = len(queries)
        times, beside = [], []
        status = None
        for _ in range(args.repeat):
            # The limit page once before each request of the page: on a shared machine the
            # speed drifts from minute to minute, so each page's "× limit" is taken against
            # the limit timed alongside it.
            beside.append(_timed(limit_client, LIMIT_URL)[0])
            elapsed, response = _timed(client, url)
            times.append(elapsed)
            status = response.status_code
        rows.append((label, times, beside, n_queries, status))
    for label, times, beside, n_queries, status in rows:
        median, p90 = (
            statistics.median(times),
            statistics.quantiles(times, n=10, method="inclusive")[-1] if len(times) > 1 else times[0],
        )
        ratio = median / statistics.median(beside)
        print(f"{label:45} {median:10.1f} {p90:8.1f} {max(times):8.1f} {n_queries:8d} {ratio:8.1f} {status}")


if __name__ == "__main__":
    main()
