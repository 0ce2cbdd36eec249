"""Writes to grids, teams, households and residents."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from govcenter.history import history_record
from govcenter.models import User

from .models import Grid, GridMembership


class TeamError(Exception):
    """A team change that is not allowed; the message is shown to the user."""


DUTY_FOR_ROLE = {
    User.Role.GRID_WORKER: GridMembership.Duty.GRID_WORKER,
    User.Role.COMMUNITY_POLICE: GridMembership.Duty.COMMUNITY_POLICE,
    User.Role.AUXILIARY_POLICE: GridMembership.Duty.AUXILIARY_POLICE,
}


def membership_add(*, grid: Grid, user: User, duty: str, started_on: datetime.date, note: str = "") -> GridMembership:
    """Add ``user`` to the grid's team with ``duty``.

    1. Try each free slot of the duty in turn (police: 1; auxiliaries: 1, 2; workers: none),
       each insert in its own savepoint.
    2. The partial unique index ``membership_one_active_per_slot`` refuses a taken slot,
       so two concurrent requests cannot both take the last one: the loser's insert
       waits for the winner's commit, fails, and moves to the next slot or gives up.
    """
    if DUTY_FOR_ROLE.get(user.role) != duty:
        raise TeamError(
            _("%(person)s is a %(role)s and cannot serve as %(duty)s.")
            % {"person": user.display_name, "role": user.get_role_display(), "duty": GridMembership.Duty(duty).label}
        )
    for slot in GridMembership.SLOTS[duty]:
        try:
            with transaction.atomic():
                return GridMembership.objects.create(
                    grid=grid, user=user, duty=duty, slot=slot, started_on=started_on, note=note
                )
        except IntegrityError as e:
            if (
                "one_active_per_person" in str(e)
                or GridMembership.objects.filter(grid=grid, user=user, ended_on__isnull=True).exists()
            ):
                raise TeamError(_("%(person)s already serves in this grid.") % {"person": user.display_name}) from e
            continue
    if duty == GridMembership.Duty.COMMUNITY_POLICE:
        raise TeamError(_("This grid already has a community police officer. End that membership first."))
    raise TeamError(_("This grid already has two auxiliary police officers. End one of those memberships first."))


def membership_end(*, membership: GridMembership, ended_on: datetime.date) -> GridMembership:
    if membership.ended_on is not None:
        raise TeamError(_("This membership has already ended."))
    if ended_on < membership.started_on:
        raise TeamError(_("The end date cannot be before the start date (%(date)s).") % {"date": membership.started_on})
    with transaction.atomic():
        updated = GridMembership.objects.filter(pk=membership.pk, ended_on__isnull=True).update(ended_on=ended_on)
        if updated != 1:
            raise TeamError(_("Someone else changed this membership; reload the page."))
        membership.refresh_from_db()
        history_record(membership)  # the conditional UPDATE sends no save signal
    return membership
