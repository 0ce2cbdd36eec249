"""Time the ledger's exports on the data of bench/populate.py (issue 17, item 3):

    python -m bench.exports [--days 365]

1. A village's CSV, streamed in the request (under ``BACKGROUND_EXPORT_ROWS`` rows): the time
   to the first bytes and to the last, and the queries.
2. A district's cases registered in the last ``--days`` days, asked for through the export
   view: the request only records the job and redirects (its time), then the job is run here
   as a worker runs it (``export_job_run``), in XLSX and in CSV: seconds, rows, queries, and
   how much the process's peak memory grew (it should not grow with the rows: the rows are
   read in chunks and written by openpyxl's write-only workbook or line by line).

The jobs and their files are deleted afterwards.
"""

from __future__ import annotations

import argparse
import datetime
import os
import resource
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govcenter.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from disputes.models import Dispute  # noqa: E402
from govcenter.background_exports import export_job_run  # noqa: E402
from govcenter.models import ExportJob, User  # noqa: E402
from govcenter.queue import sending_suppressed  # noqa: E402

settings.ALLOWED_HOSTS = ["testserver"]
settings.DEBUG = False


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _streamed(client: Client, url: str) -> None:
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url)
        chunks = iter(response.streaming_content)
        first = next(chunks)
        first_at = time.perf_counter() - started
        size = len(first) + sum(len(chunk) for chunk in chunks)
        total = time.perf_counter() - started
    print(
        f"{'streamed CSV, village':44} first bytes {first_at:6.2f} s, all {total:6.2f} s, {size:,} bytes, "
        f"{len(queries)} queries"
    )


def _background(client: Client, user: User, params: str, file_format: str) -> None:
    url = "/disputes/export.xlsx" if file_format == ExportJob.Format.XLSX else "/disputes/export.csv"
    started = time.perf_counter()
    with sending_suppressed():  # the job is run below, as a worker would
        response = client.get(f"{url}?{params}")
    asked = time.perf_counter() - started
    job = ExportJob.objects.filter(user=user).latest("pk")
    assert response.status_code == 302, response.status_code
    before = _peak_mb()
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        job = export_job_run(job_id=job.pk)
        seconds = time.perf_counter() - started
    grew = _peak_mb() - before
    size = job.file.size
    print(
        f"{'background ' + file_format.upper() + ', district':44} request {asked:5.2f} s; job {seconds:6.1f} s, "
        f"{job.rows_done:,} rows, {size / 1e6:.1f} MB, {len(queries)} queries, peak memory +{grew:.0f} MB"
    )
    job.file.delete(save=False)
    job.delete()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    print(f"database: {connection.vendor}; disputes: about {Dispute.objects.order_by().count():,}")
    village_user = User.objects.get(username="benchvillage")
    district_user = User.objects.get(username="benchdistrict")
    client = Client()
    client.force_login(village_user)
    _streamed(client, "/disputes/export.csv")
    since = (timezone.localdate() - datetime.timedelta(days=args.days)).isoformat()
    params = f"registered_from={since}"
    client.force_login(district_user)
    print(
        f"district: {district_user.area}; cases since {since}: "
        f"{Dispute.objects.filter(district=district_user.area, registered_at__date__gte=since).count():,}"
    )
    for file_format in (ExportJob.Format.CSV, ExportJob.Format.XLSX):
        _background(client, district_user, params, file_format)


if __name__ == "__main__":
    main()
