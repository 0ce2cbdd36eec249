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

import datetime
import json
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import pii
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
        importer = importer_cls(user=job.user, job=job)
        try:
            result = import_run(importer, table, progress=_Progress(job.pk))
        except ImportFileError as e:
            return _finish(job, status=Status.FAILED, message=str(e))
        except Exception:
            # A bug or a lost database: the transaction rolled back, nothing was saved. The job
            # ends here (not an endless progress bar) and the importer uploads the file again.
            logger.exception("Import job %s stopped", job.pk)
            return _finish(
                job,
                status=Status.FAILED,
                message=_("The import stopped on an unexpected error; nothing was saved. Upload the file again."),
            )
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
        passwords_sheet=_passwords_sheet(getattr(importer, "new_accounts", ())),
        status=Status.DONE,
        total=result.total,
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
    )


def _passwords_sheet(accounts) -> str:
    """The new accounts' logins and initial passwords, encrypted; '' if there are none."""
    if not accounts:
        return ""
    rows = [[a.username, a.display_name, a.role, password] for a, password in accounts]
    return pii.encrypt(json.dumps(rows, ensure_ascii=False))


def passwords_sheet_rows(job: ImportJob) -> list[dict]:
    """The sheet's accounts that still have their initial password (login, name, role, password)."""
    from .models import User

    if not job.passwords_sheet:
        return []
    rows = json.loads(pii.decrypt(job.passwords_sheet) or "[]")
    waiting = set(
        User.objects.filter(username__in=[r[0] for r in rows], must_change_password=True).values_list(
            "username", flat=True
        )
    )
    return [
        {"login": login, "name": name, "role": User.Role(role).label, "password": password}
        for login, name, role, password in rows
        if login in waiting
    ]


def import_uploads_expire(*, at: datetime.datetime) -> int:
    """Delete the uploaded file of each import finished more than IMPORT_UPLOAD_KEEP_DAYS
    before ``at``, and what quotes its rows (the errors, the initial passwords); the job's
    row stays (who, when, the counts) with the time its file was deleted. Safe to run
    again: a job whose file is gone is not looked at twice."""
    cutoff = at - datetime.timedelta(days=settings.IMPORT_UPLOAD_KEEP_DAYS)
    expired = ImportJob.objects.filter(finished_at__lt=cutoff, file_deleted_at__isnull=True).exclude(
        status__in=ImportJob.RUNNING
    )
    n = 0
    for job in expired.only("pk", "file").iterator():
        if job.file:
            job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="", errors=[], passwords_sheet="", file_deleted_at=at)
        n += 1
    return n


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
