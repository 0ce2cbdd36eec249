"""Background work of analysis; tasks take ids and call services, nothing else.

- ``check_tallies()``: the nightly check of the dispute rollups (a safety net; the writes
  keep them in step);
- ``check_dispute_warnings(dispute_id)``: queued after commit whenever a dispute, one of its
  follow-up visits, police reviews or escalations is saved (``analysis.apps`` connects the
  receivers);
- ``sweep_warnings()``: the nightly early-warning sweep over the whole ledger (the beat
  schedule in settings.CELERY_BEAT_SCHEDULE), which also catches what a lost task missed.

The warnings' overdue supervision is a kind of the kernel's sweep (``govcenter.sweep``).
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from govcenter.levels import local_date
from govcenter.sweep import register_overdue_kind

from .models import Warning
from .tallies import tally_check
from .warning_services import warning_overdue, warnings_check_dispute, warnings_sweep

logger = logging.getLogger(__name__)

CHECKED_MONTHS = 2

register_overdue_kind("warning", overdue=lambda at: Warning.objects.overdue(at), act=warning_overdue)


@shared_task
def check_tallies() -> int:
    """Recount the last two months of tallies; repair and log a warning on any difference."""
    return tally_check(today=local_date(timezone.now()), months=CHECKED_MONTHS)


@shared_task(acks_late=True)
def check_dispute_warnings(dispute_id: int) -> int:
    return len(warnings_check_dispute(dispute_id=dispute_id, at=timezone.now()))


@shared_task(acks_late=True)
def check_disputes_warnings(dispute_ids: list[int]) -> int:
    """``check_dispute_warnings`` for a batch the overdue sweep escalated at once."""
    at = timezone.now()
    return sum(len(warnings_check_dispute(dispute_id=pk, at=at)) for pk in dispute_ids)


@shared_task(acks_late=True)
def sweep_warnings() -> dict[str, int]:
    counts = warnings_sweep(at=timezone.now())
    if counts["raised"] or counts["extended"]:
        logger.info("Warning sweep: %s", counts)
    return counts
