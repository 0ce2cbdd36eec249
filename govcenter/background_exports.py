"""Large exports as background jobs (issue 13, item 7).

An export of a list with more than ``BACKGROUND_EXPORT_ROWS`` rows is not written inside
the request (a district's ledger at a province's scale took about 29 s): the view records
an ``ExportJob`` with the list's query string and queues ``govcenter.tasks.run_export``;
the requester follows a progress bar and downloads the file, which nobody else can open
and which expires ``EXPORT_KEEP`` after it was asked for (the hourly sweep deletes it).

An app registers each kind of export with ``register_export(key, build)``: ``build(user,
params)`` gives the sheet title, the columns (title, width), the number of rows, the rows
and the file name, for the same filter over the same jurisdiction as the page.
"""

from __future__ import annotations

import datetime
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import SimpleNamespace

from django.core.files import File
from django.http import QueryDict
from django.utils import timezone, translation

from .exports import fit_cell, safe_text
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
    filename: str


EXPORTS: dict[str, Callable[[object, QueryDict], ExportSheet]] = {}


def register_export(key: str, build: Callable[[object, QueryDict], ExportSheet]) -> None:
    EXPORTS[key] = build


def request_for(user, params: str) -> SimpleNamespace:
    """What a list's filter reads of a request (its user and query string), in a task."""
    return SimpleNamespace(user=user, GET=QueryDict(params))


def export_job_start(*, kind: str, user, params: str, rows_expected: int) -> ExportJob:
    from .queue import enqueue_on_commit
    from .tasks import run_export

    job = ExportJob.objects.create(
        kind=kind,
        user=user,
        params=params,
        language=translation.get_language() or "zh-hans",
        rows_expected=rows_expected,
    )
    enqueue_on_commit(run_export, job.pk)
    return job


def export_now_or_later(request, qs, *, kind: str, respond: Callable, threshold: int = BACKGROUND_EXPORT_ROWS):
    """An export view's answer: ``respond(qs)`` (the file, written in the request) up to
    ``threshold`` rows, else a background job of the export registered as ``kind``, for the
    same query string, and a redirect to its progress page. The rows are counted over a
    LIMITed subquery: never a COUNT(*) of the whole table."""
    from django.shortcuts import redirect

    if qs.order_by()[: threshold + 1].count() > threshold:
        return redirect(export_job_start(kind=kind, user=request.user, params=request.GET.urlencode(), rows_expected=0))
    return respond(qs)


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Write the job's file (write-only workbook on disk, progress committed every
    PROGRESS_EVERY rows). Claimed by a conditional UPDATE; a job left running by a killed
    worker is claimed again by the redelivered task and starts over."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    claimed = ExportJob.objects.filter(
        pk=job_id, status__in=[ExportJob.Status.QUEUED, ExportJob.Status.RUNNING]
    ).update(status=ExportJob.Status.RUNNING, rows_done=0)
    if not claimed:
        return None
    job = ExportJob.objects.select_related("user").get(pk=job_id)
    build = EXPORTS.get(job.kind)
    if build is None or not job.user.is_active:
        ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.FAILED, finished_at=timezone.now())
        return job
    with translation.override(job.language):
        sheet = build(job.user, QueryDict(job.params))
        ExportJob.objects.filter(pk=job.pk).update(rows_expected=sheet.count)
        wb = Workbook(write_only=True)
        ws = wb.create_sheet(title=sheet.sheet_title[:31])
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.utils import get_column_letter

        for i, (_title, width) in enumerate(sheet.columns):
            ws.column_dimensions[get_column_letter(i + 1)].width = width
        header = []
        for title, _width in sheet.columns:
            cell = WriteOnlyCell(ws, value=title)
            cell.font = Font(bold=True)
            header.append(cell)
        ws.append(header)
        done = 0
        for values in sheet.rows:
            ws.append([fit_cell(safe_text(v)) if isinstance(v, str) else v for v in values])
            done += 1
            if done % PROGRESS_EVERY == 0:
                ExportJob.objects.filter(pk=job.pk).update(rows_done=done)
        with tempfile.TemporaryFile() as out:
            wb.save(out)
            out.seek(0)
            job.file.save(sheet.filename, File(out), save=False)
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.DONE,
        rows_done=done,
        file=job.file.name,
        file_name=sheet.filename,
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
