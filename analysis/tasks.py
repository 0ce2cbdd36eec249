"""Background work of analysis: the nightly check of the dispute rollups (a safety net; the
writes keep them in step). Tasks call services, nothing else."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from govcenter.levels import local_date

from .tallies import tally_check

CHECKED_MONTHS = 2


@shared_task
def check_tallies() -> int:
    """Recount the last two months of tallies; repair and log a warning on any difference."""
    return tally_check(today=local_date(timezone.now()), months=CHECKED_MONTHS)
