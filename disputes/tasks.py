"""Background work on the ledger: the overdue sweep and the court-referral reminders.
Tasks call services, nothing else."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from .models import Dispute
from .reminders import court_referrals_remind
from .services import DisputeError, dispute_escalate, dispute_supervise

logger = logging.getLogger(__name__)


def escalate_overdue_now(*, at=None, batch: int = 500) -> dict[str, int]:
    """Escalate every open dispute whose deadline has passed; supervise those at the top.

    Safe to run in several workers at once and to re-run after a crash: each step is
    conditional on the (level, deadline) read here, so a case moves once per deadline
    and a second attempt raises DisputeError, which is counted as "skipped".
    """
    at = at or timezone.now()
    counts = {"escalated": 0, "supervised": 0, "skipped": 0}
    last_pk = 0
    while True:
        rows = list(Dispute.objects.overdue(at).filter(pk__gt=last_pk).order_by("pk")[:batch])
        if not rows:
            return counts
        for dispute in rows:
            last_pk = dispute.pk
            try:
                if not dispute.escalates_automatically():
                    dispute_supervise(dispute=dispute, at=at)
                    counts["supervised"] += 1
                else:
                    dispute_escalate(dispute=dispute, actor=None, reason="", at=at)
                    counts["escalated"] += 1
            except DisputeError:
                counts["skipped"] += 1


@shared_task(acks_late=True)
def escalate_overdue() -> dict[str, int]:
    counts = escalate_overdue_now()
    if counts["escalated"] or counts["supervised"]:
        logger.info("Overdue sweep: %s", counts)
    return counts


@shared_task(acks_late=True)
def remind_court_referrals() -> int:
    sent = court_referrals_remind()
    if sent:
        logger.info("Court referral reminders sent: %d", sent)
    return sent
