"""Running an uploaded file's import job (``ImportJob``) with ``govcenter.importers``:
the background task's service.

1. The job is claimed with a conditional UPDATE (queued, or left running by a worker
   that was killed: the task is ``acks_late`` and comes back) and its attempt counted.
2. The check pass commits its progress every batch (the page's bar polls the row).
3. The write pass is one transaction (``import_run``): a worker killed in it leaves
   nothing saved, and the redelivered task simply runs the file again.
4. The counts or the errors are written on the job.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .importers import ImportFileError, import_run, importer_class, row_count_hint, table_of
from .models import ImportJob

logger = logging.getLogger(__name__)


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Run the job; None if it was not there to claim (finished, or unknown)."""
    Status = ImportJob.Status
    with transaction.atomic():
        claimed = ImportJob.objects.filter(pk=job_id, status__in=ImportJob.RUNNING).update(
            status=Status.CHECKING, started_at=timezone.now(), rows_checked=0
        )
    if not claimed:
        return None
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    ImportJob.objects.filter(pk=job.pk).update(attempts=job.attempts + 1)
    importer_cls = importer_class(job.kind)
    with translation.override(job.language):
        if importer_cls is None or not importer_cls.allowed(job.user):
            return _finish(job, status=Status.FAILED, message=_("You may not import this kind of file."))
        try:
            table = table_of(job.file.path)
        except ImportFileError as e:
            return _finish(job, status=Status.FAILED, message=str(e))
        expected = row_count_hint(job.file.path)
        ImportJob.objects.filter(pk=job.pk).update(rows_expected=expected)
        try:
            result = import_run(importer_cls(user=job.user, job=job), table, progress=_Progress(job.pk))
        except ImportFileError as e:
            return _finish(job, status=Status.FAILED, message=str(e))
    if result.errors:
        return _finish(
            job,
            status=Status.REFUSED,
            total=result.total,
            failed=result.failed,
            errors=[[e.row, e.column, e.message, e.value] for e in result.errors],
        )
    return _finish(
        job,
        status=Status.DONE,
        total=result.total,
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
    )


class _Progress:
    """Commits the rows checked so far on the job (the check pass runs outside any transaction)."""

    def __init__(self, job_id: int):
        self.job_id = job_id

    def __call__(self, phase: str, done: int) -> None:
        if phase == "check":
            ImportJob.objects.filter(pk=self.job_id).update(rows_checked=done)
        elif phase == "write" and done == 0:  # called just before the write transaction begins
            ImportJob.objects.filter(pk=self.job_id).update(status=ImportJob.Status.WRITING)


def _finish(job: ImportJob, *, status: str, **fields) -> ImportJob:
    ImportJob.objects.filter(pk=job.pk).update(status=status, finished_at=timezone.now(), **fields)
    job.refresh_from_db()
    return job
