"""Background work on the ledger: the overdue sweep of disputes, one kind of the kernel's
sweep (``govcenter.sweep``; the beat runs ``govcenter.tasks.sweep_overdue`` for every kind),
and the court-referral reminders. Tasks call services, nothing else."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from govcenter.sweep import ESCALATED, SKIPPED, SUPERVISED, register_overdue_kind, sweep_kind

from .models import Dispute
from .reminders import court_referrals_remind
from .services import DisputeError, dispute_escalate, dispute_supervise, disputes_escalate_overdue

logger = logging.getLogger(__name__)


def _act(dispute: Dispute, at) -> str:
    """Escalate an overdue dispute; supervise one that cannot move up by itself.

    Each step is conditional on the (level, deadline) the sweep read, so a case moves
    once per deadline and a second attempt raises DisputeError ("skipped")."""
    if not dispute.escalates_automatically():
        dispute_supervise(dispute=dispute, at=at)
        return SUPERVISED
    dispute_escalate(dispute=dispute, actor=None, reason="", at=at)
    return ESCALATED


def _act_batch(disputes: list[Dispute], at) -> dict[str, int]:
    """``_act`` for a batch: the cases the sweep moves by itself go up together
    (``disputes_escalate_overdue``, constant queries); the few others (to supervise, or
    linked to other cases) one by one."""
    counts = {ESCALATED: 0, SUPERVISED: 0, SKIPPED: 0}
    together = [d for d in disputes if d.link_group_id is None and d.escalates_automatically()]
    moved = disputes_escalate_overdue(disputes=together, at=at) if together else 0
    counts[ESCALATED] += moved
    counts[SKIPPED] += len(together) - moved
    chosen = {d.pk for d in together}
    for d in disputes:
        if d.pk not in chosen:
            try:
                counts[_act(d, at)] += 1
            except DisputeError:
                counts[SKIPPED] += 1
    return counts


register_overdue_kind("dispute", overdue=lambda at: Dispute.objects.overdue(at), act=_act, act_batch=_act_batch)


def escalate_overdue_now(*, at=None, batch: int | None = None) -> dict[str, int]:
    """Escalate every open dispute whose deadline has passed; supervise those at the top."""
    return sweep_kind("dispute", at=at, batch=batch)


@shared_task(acks_late=True)
def escalate_overdue() -> dict[str, int]:
    counts = escalate_overdue_now()
    if counts["escalated"] or counts["supervised"]:
        logger.info("Overdue sweep: %s", counts)
    return counts


@shared_task(acks_late=True)
def remind_court_referrals() -> int:
    sent = court_referrals_remind(at=timezone.now())
    if sent:
        logger.info("Court referral reminders sent: %d", sent)
    return sent
