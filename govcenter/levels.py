"""Handling levels of the case-workflow kernel: the level enum and its order, who staffs
a level, whom a level may put in charge, the grid test, and the district's time zone.

Every case-like flow (disputes, sentiment logs, and the hotline items and warnings to
come) moves an *item* between the centres of one place and, from the district, to a
functional department. An item is any model instance with these attributes (the
"item protocol"; the foreign keys' ``_id`` columns are enough):

- ``level``: a ``Level`` value, where the item is handled now;
- ``district_id`` (never None), ``township_id``, ``village_id``, ``grid_id`` (None when
  the item is placed no lower than that);
- ``department_id``: the functional department the district assigned it to, or the
  township station or institute (站所) the township assigned it to, or None.

``LEVEL_ORDER`` is the route an item travels, not a chain of command: the village, township
and district centres escalate (上报) to the centre above; the department is not above the
district but where the district *assigns* (交办) an item, and the department's result
returns to the district (``previous_level``); a department never escalates (the route
ends there). The apps name the district's move "assign to a department" and the
department's return "result returned to the district".

A township's stations and institutes (司法所, 派出所, 民政办, 农业站 …, seed 003 step 3) are
the same kind of side branch one level lower: ``Level.TOWNSHIP_UNIT`` is not on the route
(escalation from the township still goes to the district); the township *assigns* an item
to one of its units, the unit never escalates, and its result returns to the township
(``parent_level``). A unit is a ``Department`` row with a township; its staff have the role
``UNIT_STAFF``; an item assigned to one names it in ``department_id`` like a department.
``ASSIGNED_LEVELS`` are the two levels an item is assigned to rather than reported to.

Rules in the apps build on ``is_level_staff`` and ``serves_grid``; services notify
``level_staff``; forms offer ``handler_choices`` (passed in by the view, see
``govcenter.steps``). The database values of ``Level`` are those the apps stored before
the kernel existed, so no data migration was needed.

Settled differences between the former copies:

- ``is_level_staff``: a level whose place the item lacks (a dispute known only down to
  its township has no village) has no staff. Sentiment's copy compared ``area_id`` with
  a possibly empty place, so a village clerk without an area matched an item without a
  village; the disputes' copy (kept) did not.
- ``serves_grid(user, grid_id)`` takes the grid's id (two of the three copies did); it is
  False for ``None``.
- ``handler_choices`` at village level offers the village cadres and the grid workers of
  the item's grid (disputes' rule), or of every grid of the village with
  ``whole_village=True`` (sentiment's rule, kept for its logs).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """Handling level, in the order an item travels (``LEVEL_ORDER``): the three centres, then
    the department the district assigns it to."""

    VILLAGE = "village", _("Village")
    TOWNSHIP = "township", _("Township")
    DISTRICT = "district", _("District")
    DEPARTMENT = "department", _("Functional department")
    # A side branch of the township, off the route (module docstring).
    TOWNSHIP_UNIT = "town_unit", _("Township station or institute")


LEVEL_ORDER: list[str] = [Level.VILLAGE, Level.TOWNSHIP, Level.DISTRICT, Level.DEPARTMENT]

# The levels an item is assigned to (交办) by a centre, and the centre each returns its result to.
ASSIGNED_LEVELS: dict[str, str] = {Level.DEPARTMENT: Level.DISTRICT, Level.TOWNSHIP_UNIT: Level.TOWNSHIP}
# A level off the route (a township unit) and the level of the route it branches from.
BRANCHES: dict[str, str] = {Level.TOWNSHIP_UNIT: Level.TOWNSHIP}


def parent_level(level: str) -> str | None:
    """The centre that assigned an item to ``level`` and gets its result back (the district
    for a department, the township for one of its units); None for a centre."""
    return ASSIGNED_LEVELS.get(level)


def level_index(level: str) -> int:
    """The place of ``level`` on the route; a township unit ranks with its township."""
    return LEVEL_ORDER.index(BRANCHES.get(level, level))


def next_level(level: str) -> str | None:
    """The next level on the route: the centre above, or from the district the department it
    assigns the item to; None at department level (its result returns to the district) and
    at a township unit (it returns its result to the township)."""
    if level in BRANCHES:
        return None
    i = LEVEL_ORDER.index(level)
    return LEVEL_ORDER[i + 1] if i + 1 < len(LEVEL_ORDER) else None


def previous_level(level: str, *, floor: str | None = None) -> str | None:
    """The level below ``level``, never below ``floor`` (e.g. where the item was registered):
    None at the bottom or at the floor. A township unit's is its township."""
    if level in BRANCHES:
        parent = BRANCHES[level]
        return None if floor is not None and level_index(floor) > level_index(parent) else parent
    i = LEVEL_ORDER.index(level)
    if i == 0 or (floor is not None and i <= level_index(floor)):
        return None
    return LEVEL_ORDER[i - 1]


def levels_below(level: str) -> list[str]:
    """The levels below ``level``, bottom first (those a result travels back down to); a
    township unit's are its township and the village."""
    if level in BRANCHES:
        return [*levels_below(BRANCHES[level]), BRANCHES[level]]
    return LEVEL_ORDER[: LEVEL_ORDER.index(level)]


def levels_above(level: str, *, inclusive: bool = False) -> list[str]:
    """The levels above ``level`` (and ``level`` itself with ``inclusive``), bottom first. A
    township unit has none: it is off the route."""
    if level in BRANCHES:
        return [level] if inclusive else []
    i = LEVEL_ORDER.index(level)
    return LEVEL_ORDER[i if inclusive else i + 1 :]


def _roles():
    from .models import User

    return User.Role


def _role_levels() -> dict[str, str]:
    """The centre roles and the level each staffs."""
    Role = _roles()
    return {
        Role.VILLAGE_CLERK: Level.VILLAGE,
        Role.TOWNSHIP_STAFF: Level.TOWNSHIP,
        Role.DISTRICT_STAFF: Level.DISTRICT,
        Role.DEPARTMENT_STAFF: Level.DEPARTMENT,
        Role.UNIT_STAFF: Level.TOWNSHIP_UNIT,
    }


def _level_roles() -> dict[str, str]:
    """The centre role that staffs each level (``_role_levels`` turned round)."""
    return {level: role for role, level in _role_levels().items()}


def level_of(user) -> str | None:
    """The level whose centre (or department) ``user`` works at, from their role; None for
    grid workers, police and administrators."""
    return _role_levels().get(getattr(user, "role", None))


def _attribute_of(level: str) -> str:
    """The user attribute that names where ``level``'s staff work."""
    return "department_id" if level in (Level.DEPARTMENT, Level.TOWNSHIP_UNIT) else "area_id"


def _place_of(item, level: str) -> tuple[str, int | None]:
    """(the user attribute, the item's id) that decide who staffs ``level`` for ``item``."""
    if level == Level.VILLAGE:
        return "area_id", item.village_id
    if level == Level.TOWNSHIP:
        return "area_id", item.township_id
    if level == Level.DISTRICT:
        return "area_id", item.district_id
    if level in (Level.DEPARTMENT, Level.TOWNSHIP_UNIT):
        return _attribute_of(level), item.department_id
    return "", None


def is_level_staff(user, item, level: str | None = None) -> bool:
    """Whether ``user`` works at the centre (or department) handling ``item`` at ``level``
    (default: its current level). Administrators staff every level. A level whose place
    the item lacks has no staff."""
    from .jurisdiction import is_admin

    if is_admin(user):
        return True
    level = level or item.level
    attribute, place_id = _place_of(item, level)
    return place_id is not None and level_of(user) == level and getattr(user, attribute, None) == place_id


def level_staff(item, level: str | None = None) -> QuerySet:
    """The active users who work at the centre or department handling ``item`` at ``level``
    (default: its current level): whom a service notifies. Empty if the item lacks that place."""
    from .models import User

    level = level or item.level
    attribute, place_id = _place_of(item, level)
    role = _level_roles().get(level)
    if place_id is None or role is None:
        return User.objects.none()
    return User.objects.filter(is_active=True, role=role, **{attribute: place_id})


def level_staff_of_many(pairs: Iterable[tuple[Any, str]]) -> dict[tuple[str, int], list]:
    """``level_staff`` for many (item, level) pairs in one query per level (a sweep's batch):
    {(level, place id): [users]}; look a pair up with ``level_place(item, level)``."""
    return staff_of_places(level_place(item, level) for item, level in pairs)


def staff_of_places(places: Iterable[tuple[str, int | None]]) -> dict[tuple[str, int], list]:
    """The active staff of each (level, place id) of ``places``, in one query per level."""
    from .models import User

    wanted: dict[str, set[int]] = {}
    for level, place_id in places:
        if place_id is not None:
            wanted.setdefault(level, set()).add(place_id)
    role_of = _level_roles()
    staff: dict[tuple[str, int], list] = {}
    for level, place_ids in wanted.items():
        attribute = _attribute_of(level)
        if level not in role_of:
            continue
        people = User.objects.filter(is_active=True, role=role_of[level], **{f"{attribute}__in": place_ids})
        for user in people:
            staff.setdefault((level, getattr(user, attribute)), []).append(user)
    return staff


@dataclass(frozen=True)
class LevelStaff:
    """``level_staff(item, level)`` as a recipient group (``govcenter.reminders.Group``): the
    groups of a chunk of reminders are looked up together, one query per level."""

    level: str
    place_id: int | None

    @classmethod
    def of(cls, item, level: str | None = None) -> LevelStaff:
        return cls(*level_place(item, level or item.level))

    @classmethod
    def members_of_many(cls, groups: Iterable[LevelStaff]) -> dict[LevelStaff, list]:
        staff = staff_of_places((g.level, g.place_id) for g in groups)
        return {g: staff.get((g.level, g.place_id), []) for g in groups}


def level_place(item, level: str) -> tuple[str, int | None]:
    """The key of ``level_staff_of_many``'s answer for ``item`` at ``level``."""
    return level, _place_of(item, level)[1]


def grid_workers(*, grid_id: int | None = None, village_id: int | None = None) -> QuerySet:
    """Active grid workers serving ``grid_id`` (or any grid of ``village_id``) now."""
    from .models import User

    memberships = Q(grid_memberships__ended_on__isnull=True)
    if grid_id is not None:
        memberships &= Q(grid_memberships__grid_id=grid_id)
    elif village_id is not None:
        memberships &= Q(grid_memberships__grid__village_id=village_id)
    else:
        return User.objects.none()
    return User.objects.filter(memberships, is_active=True, role=_roles().GRID_WORKER)


def handler_choices(item, *, whole_village: bool = False) -> QuerySet:
    """Whom the current level may put in charge of ``item``: that level's staff, and at
    village level also the grid workers of the item's grid (of every grid of its village
    with ``whole_village``). Ordered by role, then name."""
    from .models import User

    staff = level_staff(item, item.level)
    if item.level == Level.VILLAGE:
        if whole_village:
            workers = grid_workers(village_id=item.village_id)
        else:
            workers = grid_workers(grid_id=item.grid_id) if item.grid_id else User.objects.none()
        people = User.objects.filter(Q(pk__in=staff.values("pk")) | Q(pk__in=workers.values("pk")))
    else:
        people = staff
    return people.order_by("role", "full_name", "username")


def handler_belongs(user, item) -> bool:
    """Whether ``user`` may stand as the handler of ``item`` at its current level: a person
    of that level (its centre or department; at village level also a grid worker). Pure
    Python on the loaded rows, so reminders can ask it for every item they go through."""
    if user is None:
        return False
    return is_level_staff(user, item) or (
        item.level == Level.VILLAGE and getattr(user, "role", None) == _roles().GRID_WORKER
    )


def level_handler(item):
    """``item``'s handler if they belong to its current level, else None: a handler of the
    level the item left is neither shown nor reminded (``move_to_level``)."""
    handler = item.handler if item.handler_id else None
    return handler if handler_belongs(handler, item) else None


def move_to_level(item, level: str) -> str:
    """Move ``item`` (the caller's copy, saved by the caller) to ``level`` and return the
    level it left. The handler belongs to the level: one of the level left stops being the
    item's handler (``TimelineEvent.record`` clears it too, for a step that moved the item
    with an UPDATE of its own)."""
    from_level = item.level
    item.level = level
    if item.handler_id is not None and not handler_belongs(item.handler, item):
        item.handler = None
    return from_level


def serves_grid(user, grid_id: int | None) -> bool:
    """A grid worker serving the grid ``grid_id`` now (False for None)."""
    from .jurisdiction import scope_of

    return (
        grid_id is not None
        and getattr(user, "role", None) == _roles().GRID_WORKER
        and grid_id in scope_of(user).grid_ids
    )


def local_zone() -> ZoneInfo:
    """The district's time zone (``TIME_ZONE``): days and deadlines are counted in it."""
    return ZoneInfo(settings.TIME_ZONE)


def local_date(at: datetime.datetime) -> datetime.date:
    """The calendar day of the moment ``at`` in the district's time zone."""
    return at.astimezone(local_zone()).date()
