"""Receivers that queue the early-warning check of a dispute after a change that could make a
rule fire: the dispute saved, a follow-up visit recorded, a police review given, a move one
level up (escalations write with a conditional UPDATE, one case or a sweep's batch at once,
and say so with the kernel's ``rows_updated``, naming ``escalated_at``). The task is sent after commit (``enqueue_on_commit``), so
it reads what was committed; a broker outage loses nothing the nightly sweep does not find."""

from __future__ import annotations

from disputes.models import Dispute, FollowUp, PoliceReview
from govcenter.queue import enqueue_on_commit


def _queue(dispute_id: int | None) -> None:
    from .tasks import check_dispute_warnings

    if dispute_id is not None:
        enqueue_on_commit(check_dispute_warnings, dispute_id)


def dispute_saved(sender, instance: Dispute, **kwargs) -> None:
    _queue(instance.pk)


def follow_up_saved(sender, instance: FollowUp, **kwargs) -> None:
    if instance.finding == FollowUp.Finding.FLARED:
        _queue(instance.dispute_id)


def police_review_saved(sender, instance: PoliceReview, **kwargs) -> None:
    _queue(instance.dispute_id)


def rows_updated(sender, pks, fields, **kwargs) -> None:
    if sender is Dispute and "escalated_at" in fields and pks:
        from .tasks import check_disputes_warnings

        if len(pks) == 1:
            _queue(pks[0])
        else:
            enqueue_on_commit(check_disputes_warnings, list(pks))


def connect() -> None:
    from django.db.models.signals import post_save

    from govcenter.signals import rows_updated as rows_updated_signal

    post_save.connect(dispute_saved, sender=Dispute, dispatch_uid="analysis.warnings.dispute")
    post_save.connect(follow_up_saved, sender=FollowUp, dispatch_uid="analysis.warnings.follow_up")
    post_save.connect(police_review_saved, sender=PoliceReview, dispatch_uid="analysis.warnings.police_review")
    rows_updated_signal.connect(rows_updated, dispatch_uid="analysis.warnings.escalated")
