"""Reminder kinds of the ledger, registered with govcenter.reminders at start-up."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from govcenter.levels import level_handler, level_staff, local_zone
from govcenter.models import User
from govcenter.reminders import Reminder, register_reminder_kind

from .deadlines import end_of_day
from .models import Dispute, FollowUp


@register_reminder_kind("dispute-due")
def disputes_due(at, horizon):
    """Open disputes coming due: to the handler and the centre of the current level (a
    handler of another level, the case having moved since, is not reminded)."""
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
            recipients=[level_handler(d), *level_staff(d, d.level)],
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
        recipients = (
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
        if not recipients:
            recipients = list(level_staff(d, "village"))
        yield Reminder(
            subject=fu,
            deadline=end_of_day(fu.due_on),
            recipients=recipients,
            title=_("Follow-up visit for dispute %(number)s") % {"number": d.number},
            body=d.summary,
            url=d.get_absolute_url(),
        )
