"""Periodic and queued work of the project package. Tasks take ids and call services."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.core.management import call_command
from django.utils import timezone

from .channels import notification_deliver
from .models import Notification
from .queue import send_now


@shared_task
def clear_expired_sessions() -> None:
    call_command("clearsessions")


@shared_task(acks_late=True)
def deliver_notification(notification_id: int) -> bool:
    return notification_deliver(notification_id=notification_id)


@shared_task
def deliver_pending_notifications(older_than_seconds: int = 60, limit: int = 5000) -> int:
    """Catch-up: queue delivery of notifications whose task never reached the broker."""
    cutoff = timezone.now() - datetime.timedelta(seconds=older_than_seconds)
    ids = list(
        Notification.objects.filter(delivered_at__isnull=True, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        if not send_now(deliver_notification, pk):
            break
    return len(ids)


@shared_task(acks_late=True)
def send_reminders() -> int:
    from .reminders import reminders_send

    return reminders_send(at=timezone.now())


@shared_task(acks_late=True)
def supervise_overdue_police_reviews() -> dict[str, int]:
    """Place every queue entry whose police opinion is overdue under supervision (督办)."""
    from .police import supervise_overdue

    return supervise_overdue(at=timezone.now())


@shared_task(acks_late=True)
def sweep_overdue() -> dict[str, dict[str, int]]:
    """Every flow's overdue items one level up, or supervised at the top (``govcenter.sweep``)."""
    import logging

    from .sweep import sweep_overdue as sweep

    counts = sweep()
    moved = {code: c for code, c in counts.items() if c["escalated"] or c["supervised"]}
    if moved:
        logging.getLogger(__name__).info("Overdue sweep: %s", moved)
    return counts


@shared_task(acks_late=True)
def run_import(job_id: int) -> str | None:
    """Import an uploaded file (``govcenter.imports``). A worker killed mid-import leaves
    nothing saved; the task, acknowledged late, comes back and runs the file again."""
    from .imports import import_job_run

    job = import_job_run(job_id=job_id)
    return job.status if job else None


@shared_task
def resume_queued_imports(older_than_seconds: int = 120, dead_after_seconds: int = 3 * 3600) -> int:
    """Catch-up: queue the import of uploaded files whose task never reached the broker, and
    of jobs whose worker died without the broker handing the task back (the embedded
    broker does not redeliver): running for longer than any file takes (``dead_after_seconds``;
    500,000 residents take minutes). Their write was one transaction: nothing of it was saved."""
    from django.db.models import Q

    from .models import ImportJob

    now = timezone.now()
    cutoff = now - datetime.timedelta(seconds=older_than_seconds)
    dead = now - datetime.timedelta(seconds=dead_after_seconds)
    ids = list(
        ImportJob.objects.filter(
            Q(status=ImportJob.Status.QUEUED, created_at__lt=cutoff)
            | Q(status__in=[ImportJob.Status.CHECKING, ImportJob.Status.WRITING], started_at__lt=dead)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:100]
    )
    for pk in ids:
        if not send_now(run_import, pk):
            break
    return len(ids)


@shared_task(acks_late=True)
def run_export(job_id: int) -> str | None:
    """Write a large export's file (``govcenter.background_exports``)."""
    from .background_exports import export_job_run

    job = export_job_run(job_id=job_id)
    return job.status if job else None


@shared_task
def expire_stored_files() -> dict[str, int]:
    """The one sweep of stored files: background exports (and their files) older than a day,
    and the uploaded files of imports finished more than IMPORT_UPLOAD_KEEP_DAYS ago."""
    from .background_exports import exports_expire
    from .imports import import_uploads_expire

    at = timezone.now()
    return {"exports": exports_expire(at=at), "imports": import_uploads_expire(at=at)}
