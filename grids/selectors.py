"""Reads of grids, households and residents, always starting from the jurisdiction."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from govcenter.jurisdiction import scope_of, sees_residents
from govcenter.models import Area, User

from .models import Grid, GridMembership, Household, Resident


def _in_scope(user, model, *, village: str, grid: str) -> QuerySet:
    """The rows of model in the user's jurisdiction, reached through its village and grid
    lookups; none for a user who does not see residents' data at all."""
    if not sees_residents(user):
        return model.objects.none()
    return model.objects.filter(scope_of(user).q(village=village, grid=grid))


def grids_visible_to(user) -> QuerySet[Grid]:
    return _in_scope(user, Grid, village="village", grid="pk")


def households_visible_to(user) -> QuerySet[Household]:
    return _in_scope(user, Household, village="village", grid="grid")


def residents_visible_to(user) -> QuerySet[Resident]:
    return _in_scope(user, Resident, village="village", grid="grid")


def memberships_visible_to(user) -> QuerySet[GridMembership]:
    return _in_scope(user, GridMembership, village="grid__village", grid="grid")


def villages_visible_to(user) -> QuerySet[Area]:
    """Villages the user sees at least part of (whole villages, or villages of their grids)."""
    scope = scope_of(user)
    villages = Area.objects.filter(level=Area.Level.VILLAGE)
    if scope.everything:
        return villages
    if not sees_residents(user):
        return villages.none()
    grid_villages = Grid.objects.filter(pk__in=sorted(scope.grid_ids)).values("village")
    return villages.filter(scope.q(village="pk") | Q(pk__in=grid_villages))


def areas_visible_to(user) -> QuerySet[Area]:
    """The part of the area tree the user works in: their villages and everything above them
    and, for a district or township centre, everything below."""
    scope = scope_of(user)
    if scope.everything:
        return Area.objects.all()
    paths: set[str] = set()
    if scope.area is not None:
        below = Area.objects.filter(path__startswith=scope.area.path)
        # Villages outside the centre's own area come only from stations' villages or grids
        # (none for a centre: no query on every list page that offers its townships).
        village_paths = (
            list(villages_visible_to(user).exclude(path__startswith=scope.area.path).values_list("path", flat=True))
            if scope.village_ids or scope.grid_ids
            else []
        )
    else:
        below = Area.objects.none()
        village_paths = list(villages_visible_to(user).values_list("path", flat=True))
    steplen = Area.steplen
    for p in village_paths + ([scope.area.path] if scope.area is not None else []):
        for i in range(steplen, len(p) + 1, steplen):
            paths.add(p[:i])
    return Area.objects.filter(path__in=paths) | below


def grid_workers_of(grid_ids) -> QuerySet[User]:
    """Active grid workers serving any of ``grid_ids`` now (an open membership)."""
    return User.objects.filter(
        is_active=True,
        role=User.Role.GRID_WORKER,
        grid_memberships__grid_id__in=list(grid_ids),
        grid_memberships__ended_on__isnull=True,
    ).distinct()


def police_of_grids(grid_ids) -> QuerySet[User]:
    """Community and auxiliary police serving any of these grids now (an open membership):
    who may accompany a visit or an activity. ``grid_ids``: ids, or a queryset of grids
    (then a subquery)."""
    Duty = GridMembership.Duty
    return User.objects.filter(
        is_active=True,
        grid_memberships__grid__in=grid_ids,
        grid_memberships__ended_on__isnull=True,
        grid_memberships__duty__in=[Duty.COMMUNITY_POLICE, Duty.AUXILIARY_POLICE],
    ).distinct()
