"""Reminder kinds of publicity, registered with govcenter.reminders at start-up."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from govcenter.models import User
from govcenter.reminders import Reminder, register_reminder_kind

from .models import Assignment, Campaign

CHUNK = 500


def end_of_day(day: datetime.date) -> datetime.datetime:
    """An assignment is due by the end of its day, in the district's time zone."""
    return datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=timezone.get_default_timezone())


@register_reminder_kind("campaign-assignment-due")
def campaign_assignments_due(at, horizon):
    """Open assignments of running campaigns coming due: to the grid team's workers.

    The recipients of each chunk of assignments come from one query, so the sweep
    costs a few queries per 500 assignments, not one per assignment."""
    tz = timezone.get_default_timezone()
    first, last = at.astimezone(tz).date(), (at + horizon).astimezone(tz).date()
    rows = (
        Assignment.objects.open()
        .filter(due_on__gte=first, due_on__lte=last, campaign__status=Campaign.Status.DISTRIBUTED)
        .select_related("campaign", "grid")
        .order_by("due_on", "pk")
    )
    chunk: list[Assignment] = []
    for a in rows.iterator(chunk_size=CHUNK):
        chunk.append(a)
        if len(chunk) == CHUNK:
            yield from _reminders(chunk)
            chunk = []
    if chunk:
        yield from _reminders(chunk)


def _reminders(assignments: list[Assignment]):
    workers: dict[int, list[User]] = {}
    for grid_id, user in _workers_by_grid({a.grid_id for a in assignments}):
        workers.setdefault(grid_id, []).append(user)
    for a in assignments:
        yield Reminder(
            subject=a,
            deadline=end_of_day(a.due_on),
            recipients=workers.get(a.grid_id, []),
            title=_("Publicity campaign %(title)s is due in %(grid)s")
            % {"title": a.campaign.title, "grid": a.grid.name},
            body=a.campaign.title,
            url=a.get_absolute_url(),
        )


def _workers_by_grid(grid_ids):
    """(grid id, user) for each active grid-worker membership of these grids, in one query."""
    from grids.models import GridMembership

    for m in GridMembership.objects.filter(
        grid_id__in=grid_ids, ended_on__isnull=True, duty=GridMembership.Duty.GRID_WORKER, user__is_active=True
    ).select_related("user"):
        yield m.grid_id, m.user
