"""Large exports as background jobs (issue 13, item 7).

An export of a list with more than ``BACKGROUND_EXPORT_ROWS`` rows is not written inside
the request (a district's ledger at a province's scale took about 29 s): the view records
an ``ExportJob`` with the list's query string and queues ``govcenter.tasks.run_export``;
the requester follows a progress bar and downloads the file, which nobody else can open
and which expires ``EXPORT_KEEP`` after it was asked for (the hourly sweep deletes it).

An app registers each kind of export with ``register_export(key, build)``: ``build(user,
params)`` gives the sheet title, the columns (title, width), the number of rows, the rows
and the file name for an extension, for the same filter over the same jurisdiction as the
page. The job writes them in its format (``ExportJob.Format``): an XLSX sheet, or a CSV
file line for line the same as the streamed download of the same filter
(``exports.csv_lines``).
"""

from __future__ import annotations

import datetime
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace

from django.core.files import File
from django.http import QueryDict
from django.utils import timezone, translation

from .exports import csv_lines, fit_cell, safe_text
from .models import ExportJob

BACKGROUND_EXPORT_ROWS = 3000
EXPORT_KEEP = datetime.timedelta(days=1)
PROGRESS_EVERY = 1000


@dataclass
class ExportSheet:
    sheet_title: str
    columns: list[tuple[str, int]]
    count: int
    rows: Iterable[list]
    filename: Callable[[str], str]  # the file's name for an extension ("xlsx", "csv")


EXPORTS: dict[str, Callable[[object, QueryDict], ExportSheet]] = {}


def register_export(key: str, build: Callable[[object, QueryDict], ExportSheet]) -> None:
    EXPORTS[key] = build


def request_for(user, params: str) -> SimpleNamespace:
    """What a list's filter reads of a request (its user and query string), in a task."""
    return SimpleNamespace(user=user, GET=QueryDict(params))


def export_job_start(
    *, kind: str, user, params: str, rows_expected: int, file_format: str = ExportJob.Format.XLSX
) -> ExportJob:
    from .queue import enqueue_on_commit
    from .tasks import run_export

    job = ExportJob.objects.create(
        kind=kind,
        file_format=file_format,
        user=user,
        params=params,
        language=translation.get_language() or "zh-hans",
        rows_expected=rows_expected,
    )
    enqueue_on_commit(run_export, job.pk)
    return job


def export_now_or_later(
    request,
    qs,
    *,
    kind: str,
    respond: Callable,
    threshold: int = BACKGROUND_EXPORT_ROWS,
    file_format: str = ExportJob.Format.XLSX,
):
    """An export view's answer: ``respond(qs)`` (the file, written in the request) up to
    ``threshold`` rows, else a background job writing the export registered as ``kind`` in
    ``file_format``, for the same query string, and a redirect to its progress page. The rows
    are counted over a LIMITed subquery: never a COUNT(*) of the whole table."""
    from django.shortcuts import redirect

    if qs.order_by()[: threshold + 1].count() > threshold:
        job = export_job_start(
            kind=kind, user=request.user, params=request.GET.urlencode(), rows_expected=0, file_format=file_format
        )
        return redirect(job)
    return respond(qs)


class _Counted:
    """``rows``, committing the number written so far every PROGRESS_EVERY rows; ``done``
    is the number written once they are consumed."""

    def __init__(self, rows: Iterable[list], job_id: int) -> None:
        self.rows, self.job_id, self.done = rows, job_id, 0

    def __iter__(self) -> Iterator[list]:
        for values in self.rows:
            yield values
            self.done += 1
            if self.done % PROGRESS_EVERY == 0:
                ExportJob.objects.filter(pk=self.job_id).update(rows_done=self.done)


def _write_xlsx(sheet: ExportSheet, rows: Iterable[list], out) -> None:
    """A write-only workbook: a bold header, then the rows cleaned and cut to a cell."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet.sheet_title[:31])
    for i, (_title, width) in enumerate(sheet.columns):
        ws.column_dimensions[get_column_letter(i + 1)].width = width
    header = []
    for title, _width in sheet.columns:
        cell = WriteOnlyCell(ws, value=title)
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    for values in rows:
        ws.append([fit_cell(safe_text(v)) if isinstance(v, str) else v for v in values])
    wb.save(out)


def _write_csv(sheet: ExportSheet, rows: Iterable[list], out) -> None:
    """UTF-8 with a byte-order mark, as the streamed CSV download (Chinese Excel opens it)."""
    for line in csv_lines(headers=[title for title, _width in sheet.columns], rows=rows):
        out.write(line.encode("utf-8"))


WRITERS: dict[str, Callable[[ExportSheet, Iterable[list], object], None]] = {
    ExportJob.Format.XLSX: _write_xlsx,
    ExportJob.Format.CSV: _write_csv,
}


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Write the job's file in its format (on disk, progress committed every PROGRESS_EVERY
    rows). Claimed by a conditional UPDATE; a job left running by a killed worker is claimed
    again by the redelivered task and starts over."""
    claimed = ExportJob.objects.filter(
        pk=job_id, status__in=[ExportJob.Status.QUEUED, ExportJob.Status.RUNNING]
    ).update(status=ExportJob.Status.RUNNING, rows_done=0)
    if not claimed:
        return None
    job = ExportJob.objects.select_related("user").get(pk=job_id)
    build = EXPORTS.get(job.kind)
    write = WRITERS.get(job.file_format)
    if build is None or write is None or not job.user.is_active:
        ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.FAILED, finished_at=timezone.now())
        return job
    with translation.override(job.language):
        sheet = build(job.user, QueryDict(job.params))
        ExportJob.objects.filter(pk=job.pk).update(rows_expected=sheet.count)
        name = sheet.filename(job.file_format)
        rows = _Counted(sheet.rows, job.pk)
        with tempfile.TemporaryFile() as out:
            write(sheet, rows, out)
            out.seek(0)
            job.file.save(name, File(out), save=False)
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.DONE,
        rows_done=rows.done,
        file=job.file.name,
        file_name=name,
        finished_at=timezone.now(),
    )
    job.refresh_from_db()
    return job


def exports_expire(*, at: datetime.datetime) -> int:
    """Delete the files of exports asked for more than EXPORT_KEEP ago, and their rows."""
    n = 0
    for job in ExportJob.objects.filter(created_at__lt=at - EXPORT_KEEP).iterator():
        if job.file:
            job.file.delete(save=False)
        job.delete()
        n += 1
    return n
