"""Reminder kinds of the sentiment log, registered with govcenter.reminders at start-up."""

from __future__ import annotations

from django.utils.translation import gettext as _

from govcenter.deadlines import end_of_day
from govcenter.levels import Level, LevelStaff, level_staff, local_date
from govcenter.models import User
from govcenter.reminders import Reminder, register_reminder_kind

from .models import AgencyMatter, Log


@register_reminder_kind("agency-matter-due")
def agency_matters_due(at, horizon):
    """Open agency matters coming due: to the assignee and the village centre's clerks.

    A matter is due at the end of its due day (local time); ``reminders_send`` claims
    (matter, stage, deadline) once, so each stage reaches each recipient once.
    """
    today = local_date(at)
    last = local_date(at + horizon)
    rows = (
        AgencyMatter.objects.open()
        .filter(due_on__gte=today, due_on__lte=last)
        .select_related("assignee", "log")
        .order_by("due_on", "pk")
    )
    clerks: dict[int, list[User]] = {}  # village pk -> its clerks, fetched once per village

    def people(m: AgencyMatter) -> list[User]:
        if m.village_id not in clerks:
            clerks[m.village_id] = list(level_staff(m, Level.VILLAGE))  # the matter carries its log's places
        return [m.assignee, *clerks[m.village_id]]

    for m in rows.iterator(chunk_size=500):
        yield Reminder(
            subject=m,
            deadline=end_of_day(m.due_on),
            recipients=lambda m=m: people(m),
            title=_("Agency matter for %(person)s (%(type)s) is coming due")
            % {"person": m.person_name or "—", "type": m.get_matter_type_display()},
            body=m.log.matter,
            url=m.log.get_absolute_url(),
        )


@register_reminder_kind("log-due")
def logs_due(at, horizon):
    """Reported logs coming due at their level: to the person in charge and the level's staff."""
    rows = (
        Log.objects.in_flow()
        .filter(due_at__gt=at, due_at__lte=at + horizon)
        .select_related("handler", "resident")
        .order_by("due_at", "pk")
    )
    for log in rows.iterator(chunk_size=500):
        yield Reminder(
            subject=log,
            deadline=log.due_at,
            recipients=[log.handler, LevelStaff.of(log)],
            title=_("A reported log is coming due: %(summary)s") % {"summary": log.summary},
            body=log.matter,
            url=log.get_absolute_url(),
        )
