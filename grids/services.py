"""Writes to grids, teams, households and residents.

Every function is keyword-only and runs in a transaction. The forms in ``grids.forms``
validate and normalise (``data`` is their ``cleaned_data``); these functions only write.
The audit history records every save (django-simple-history); ``actor`` is recorded as the
user of that version, also where no request is around (a shell, a task, a test).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from govcenter.drawn_filters import places_changed
from govcenter.history import history_record
from govcenter.models import User

from .models import Grid, GridMembership, Household, Resident


class TeamError(Exception):
    """A team change that is not allowed; the message is shown to the user."""


class ConflictError(Exception):
    """A save lost to a concurrent one on a unique constraint (grid code, household number,
    ID number) between the form's check and the write. ``field`` names the form field the
    message belongs to; the message is shown to the user."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


# The columns a clerk edits; everything else (village, id_number_*, timestamps) follows from them.
GRID_FIELDS = ("village", "code", "name", "description")
HOUSEHOLD_FIELDS = ("number", "head_name", "address", "phone", "note")
RESIDENT_FIELDS = (
    "grid",
    "household",
    "relation",
    "name",
    "gender",
    "birth_date",
    "ethnicity",
    "phone",
    "address",
    "note",
)


def _assign(instance: models.Model, data: Mapping[str, Any], fields: tuple[str, ...]) -> None:
    """Copy the given ``fields`` present in ``data``; a field left out keeps its value."""
    for name in fields:
        if name in data:
            setattr(instance, name, data[name])


def _save(instance: models.Model, *, actor: User | None, field: str, message: str) -> None:
    """Save in a transaction (a savepoint inside another one), ``actor`` as the history's
    user; a unique constraint lost to a concurrent request becomes ConflictError, and the
    caller's transaction stays usable."""
    if actor is not None:
        instance._history_user = actor
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as e:
        raise ConflictError(message, field=field) from e


# --- grids ---------------------------------------------------------------------


def grid_create(*, actor: User | None, data: Mapping[str, Any]) -> Grid:
    """A new grid in ``data["village"]`` (the form checked the user covers it)."""
    grid = Grid()
    _assign(grid, data, GRID_FIELDS)
    _save(grid, actor=actor, field="code", message=_("Another grid has just been saved with this code."))
    return grid


def grid_update(*, grid: Grid, actor: User | None, data: Mapping[str, Any]) -> Grid:
    """Change a grid's code, name or description. Its village never changes: its households
    and residents carry it."""
    _assign(grid, data, tuple(f for f in GRID_FIELDS if f != "village"))
    _save(grid, actor=actor, field="code", message=_("Another grid has just been saved with this code."))
    return grid


# --- households ----------------------------------------------------------------


def household_create(*, grid: Grid, actor: User | None, data: Mapping[str, Any]) -> Household:
    household = Household(grid=grid)
    _assign(household, data, HOUSEHOLD_FIELDS)
    _save(household, actor=actor, field="number", message=_("This grid already has a household with this number."))
    return household


def household_update(*, household: Household, actor: User | None, data: Mapping[str, Any]) -> Household:
    """Change a household's number, head, address, phone or note; it stays in its grid."""
    _assign(household, data, HOUSEHOLD_FIELDS)
    _save(household, actor=actor, field="number", message=_("This grid already has a household with this number."))
    return household


# --- residents -----------------------------------------------------------------


def _resident_save(resident: Resident, *, actor: User | None, data: Mapping[str, Any]) -> Resident:
    _assign(resident, data, RESIDENT_FIELDS)
    # An ID number given replaces the stored one (encrypted, hashed, masked); an empty or
    # missing one keeps it: the edit form never sends the stored number back.
    if data.get("id_number"):
        resident.set_id_number(data["id_number"])
    with transaction.atomic():
        _save(
            resident, actor=actor, field="id_number", message=_("A resident with this ID number is already registered.")
        )
        if "care_tags" in data:
            resident_care_tags_set(resident=resident, care_tags=data["care_tags"])
    return resident


def resident_create(*, actor: User | None, data: Mapping[str, Any], resident: Resident | None = None) -> Resident:
    """Register a resident from the resident form's cleaned data (birth date and gender
    already taken from the ID number where left empty). ``resident``: the unsaved instance
    to fill (Django admin hands its own); a new one by default."""
    return _resident_save(resident or Resident(), actor=actor, data=data)


def resident_update(*, resident: Resident, actor: User | None, data: Mapping[str, Any]) -> Resident:
    """Change a resident. A field missing from ``data`` keeps its value, and so does an empty
    ``id_number`` (the form leaves it empty unless a new number is typed)."""
    return _resident_save(resident, actor=actor, data=data)


def resident_care_tags_set(*, resident: Resident, care_tags) -> None:
    """Give the resident exactly these care tags; only the difference is written.

    Care tags are not in the audit history (see ``Resident.history``).
    """
    with transaction.atomic():
        resident.care_tags.set(care_tags)


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
        places_changed()  # nor does it forget the filters drawn with the old team
    return membership
