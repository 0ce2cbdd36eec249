"""Reminder kinds of the ledger, registered with govcenter.reminders at start-up, and the
reminder of open court referrals (after a period, not before a deadline: its own sweep)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from govcenter.levels import level_handler, level_staff, local_date, local_zone
from govcenter.models import User
from govcenter.reminders import Reminder, register_reminder_kind
from govcenter.services import notification_send

from .deadlines import end_of_day
from .models import CourtReferral, CourtReferralPolicy, Dispute, FollowUp
from .selectors import level_group


@register_reminder_kind("dispute-due")
def disputes_due(at, horizon):
    """Open disputes coming due: to the handler and the centre of the current level (the
    police station's staff while the station holds a 110 dispute; a handler of another
    level, the case having moved since, is not reminded)."""
    rows = (
        Dispute.objects.open()
        .filter(due_at__gt=at, due_at__lte=at + horizon)
        .select_related("handler")
        .order_by("due_at")
    )
    for d in rows.iterator(chunk_size=500):
        yield Reminder(
            subject=d,
            deadline=d.due_at,
            recipients=[level_handler(d), level_group(d, d.level)],
            title=_("Dispute %(number)s is coming due") % {"number": d.number},
            body=d.summary,
            url=d.get_absolute_url(),
        )


@register_reminder_kind("follow-up-due")
def follow_ups_due(at, horizon):
    """Follow-up visits coming due: to the grid workers of the dispute's grid (else the village clerk)."""
    today = at.astimezone(local_zone()).date()
    last = (at + horizon).astimezone(local_zone()).date()
    rows = (
        FollowUp.objects.filter(
            visited_on__isnull=True,
            cancelled=False,
            due_on__gte=today,
            due_on__lte=last,
            dispute__status=Dispute.Status.RESOLVED,
        )
        .select_related("dispute")
        .order_by("due_on")
    )
    for fu in rows.iterator(chunk_size=500):
        d = fu.dispute
        yield Reminder(
            subject=fu,
            deadline=end_of_day(fu.due_on),
            recipients=lambda d=d: _follow_up_visitors(d),
            title=_("Follow-up visit for dispute %(number)s") % {"number": d.number},
            body=d.summary,
            url=d.get_absolute_url(),
        )


def _follow_up_visitors(d: Dispute) -> list[User]:
    """The grid workers of the dispute's grid, else the village's clerks."""
    workers = (
        list(
            User.objects.filter(
                Q(
                    role=User.Role.GRID_WORKER,
                    grid_memberships__grid_id=d.grid_id,
                    grid_memberships__ended_on__isnull=True,
                ),
                is_active=True,
            ).distinct()
        )
        if d.grid_id
        else []
    )
    return workers or list(level_staff(d, "village"))


def court_referrals_remind(*, at: datetime.datetime | None = None) -> int:
    """Remind the level handling each dispute referred to court whose outcome is still not
    recorded ``CourtReferralPolicy`` days after the referral; returns how many went out.

    Once per referral: each is claimed by a conditional UPDATE of ``reminded_at`` in the
    same transaction as its notification, so two workers (or a re-run) send it once; a
    referral whose outcome is recorded is never claimed.
    """
    at = at or timezone.now()
    last_day = local_date(at) - datetime.timedelta(days=CourtReferralPolicy.current_days())
    due = (
        CourtReferral.objects.filter(
            outcome="",
            reminded_at__isnull=True,
            referred_on__lte=last_day,
            dispute__status=Dispute.Status.NOT_RESOLVED,
        )
        .select_related("dispute__handler")
        .order_by("referred_on", "pk")
    )
    sent = 0
    for referral in due.iterator(chunk_size=500):
        d = referral.dispute
        with transaction.atomic():
            claimed = CourtReferral.objects.filter(pk=referral.pk, outcome="", reminded_at__isnull=True).update(
                reminded_at=at
            )
            if not claimed:
                continue
            notification_send(
                recipients=[d.handler, *level_staff(d, d.level)],
                title=_("Dispute %(number)s: record the outcome of the referral to %(court)s")
                % {"number": d.number, "court": referral.court},
                body=_("Referred to court on %(day)s; no outcome recorded yet.")
                % {"day": referral.referred_on.isoformat()},
                url=d.get_absolute_url(),
            )
        sent += 1
    return sent
