"""Time the residents import (``govcenter.importers``) and the worker's memory.

    python -m bench.imports [--residents 100000]

Writes a CSV of that many residents with valid ID numbers into one synthetic village
(created if missing, district 339901), imports it as the command line does (check pass,
then one transaction), then imports it again (every row unchanged), and prints rows per
second for each run and the process's peak resident memory, which must stay flat with
the file's size (the file is streamed twice; nothing holds all its rows).
"""

from __future__ import annotations

import argparse
import datetime
import os
import resource
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govcenter.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from govcenter.importers import import_run, importer_class, table_of  # noqa: E402
from govcenter.pii import id_check_char  # noqa: E402
from govcenter.services import area_add_or_update  # noqa: E402
from grids.models import Grid  # noqa: E402

# As a worker runs in production: with DEBUG on, Django keeps the text of the last 9,000
# queries (each bulk INSERT is a large string), which is memory the worker does not use.
settings.DEBUG = False

REGION = os.environ.get("BENCH_IMPORT_REGION", "339901")  # another region: a first import again


def write_file(path: Path, n: int, grid_code: str) -> None:
    start = datetime.date(1940, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("姓名,公民身份号码,网格编码,联系电话,居住地址\n")
        for i in range(n):
            born = start + datetime.timedelta(days=i // 900)
            first17 = f"{REGION}{born:%Y%m%d}{i % 900 + 100:03d}"
            f.write(f"居民{i},{first17}{id_check_char(first17)},{grid_code},1380000{i % 10000:04d},测试村{i % 50}组\n")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=100_000)
    args = parser.parse_args()
    area_add_or_update(code=f"{REGION}000000", name="导入测试区")
    area_add_or_update(code=f"{REGION}001000", name="导入测试镇")
    village, _ = area_add_or_update(code=f"{REGION}001001", name="导入测试村")
    grid, _ = Grid.objects.get_or_create(
        code=f"{REGION}001001001", defaults={"village": village, "name": "导入测试网格"}
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "residents.csv"
        write_file(path, args.residents, grid.code)
        print(f"{connection.vendor}, {args.residents} residents, file {path.stat().st_size / 1e6:.1f} MB")
        print(f"memory before importing (Django loaded, file written): {peak_rss_mb():.0f} MB")
        print(f"{'run':<28}{'rows/s':>10}{'seconds':>10}  counts (created / updated / unchanged / failed)")
        for label in ("first import", "same file again"):
            began = time.monotonic()
            result = import_run(importer_class("residents")(user=None), table_of(path))
            took = time.monotonic() - began
            counts = f"{result.created} / {result.updated} / {result.unchanged} / {result.failed}"
            print(f"{label:<28}{result.total / took:>10.0f}{took:>10.1f}  {counts}  peak {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
