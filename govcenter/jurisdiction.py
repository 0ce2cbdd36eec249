"""The one place that decides what a user may see and do.

Every queryset in every app starts from ``scope_of(user)``: a view never re-derives
visibility. An object outside the scope is looked up through the scoped queryset
and so answers 404 (ids do not leak).

Who sees what (DESIGN.md, "Who uses it"):

- administrator / superuser: everything;
- district, township staff: every village under their area;
- village clerk: their village;
- grid worker, auxiliary police: the grids they serve now (active memberships);
- community police: their grids, plus the villages their police station covers;
- police station staff: the villages their station covers;
- functional department staff: no grids or residents; only cases assigned to
  their department (the disputes app asks for ``department=`` in ``Scope.q``);
- township station and institute (站所) staff: the same, for their unit: the items the
  township assigned to it, now or before (the item keeps naming the unit until the
  district assigns it to a department of its own).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from .models import Area, User

Role = User.Role


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    area: Area | None = None  # a district or township (or village) the user's centre covers
    village_ids: frozenset[int] = field(default_factory=frozenset)
    grid_ids: frozenset[int] = field(default_factory=frozenset)
    department_id: int | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.area or self.village_ids or self.grid_ids or self.department_id)

    def q(
        self,
        *,
        village: str,
        grid: str | None = None,
        township: str | None = None,
        district: str | None = None,
        department: str | None = None,
    ) -> Q:
        """A filter for a model, given the lookup paths from it to its village (required),
        grid, and optionally denormalised township / district / department fields.

        The most direct field available is used, so a district list filters on an
        indexed ``district_id`` rather than a list of 300 villages.
        """
        if self.everything:
            return Q()
        parts: list[Q] = []
        if self.area is not None:
            level = self.area.level
            if level == Area.Level.VILLAGE:
                parts.append(Q(**{village: self.area.pk}))
            elif level == Area.Level.TOWNSHIP and township:
                parts.append(Q(**{township: self.area.pk}))
            elif level == Area.Level.DISTRICT and district:
                parts.append(Q(**{district: self.area.pk}))
            else:
                villages = Area.objects.filter(level=Area.Level.VILLAGE, path__startswith=self.area.path).values("pk")
                parts.append(Q(**{f"{village}__in": villages}))
        if self.village_ids:
            parts.append(Q(**{f"{village}__in": sorted(self.village_ids)}))
        if self.grid_ids and grid:
            parts.append(Q(**{f"{grid}__in": sorted(self.grid_ids)}))
        if self.department_id and department:
            parts.append(Q(**{department: self.department_id}))
        if not parts:
            return Q(pk__in=[])
        q = parts[0]
        for p in parts[1:]:
            q |= p
        return q

    def covers_village(self, village_id: int) -> bool:
        """Whether this scope covers a whole village (not just some of its grids)."""
        if self.everything or village_id in self.village_ids:
            return True
        if self.area is None:
            return False
        if self.area.level == Area.Level.VILLAGE:
            return self.area.pk == village_id
        return Area.objects.filter(pk=village_id, path__startswith=self.area.path).exists()


def _active_grid_ids(user: User) -> frozenset[int]:
    return frozenset(user.grid_memberships.filter(ended_on__isnull=True).values_list("grid_id", flat=True))


def _station_village_ids(station_id: int | None) -> frozenset[int]:
    if not station_id:
        return frozenset()
    return frozenset(Area.objects.filter(covering_stations=station_id).values_list("pk", flat=True))


def scope_of(user) -> Scope:
    """The user's jurisdiction, computed once per request (cached on the user object)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope()
    cached = getattr(user, "_jurisdiction_scope", None)
    if cached is not None:
        return cached
    scope = _compute_scope(user)
    user._jurisdiction_scope = scope
    return scope


def _compute_scope(user: User) -> Scope:
    if user.is_superuser or user.role == Role.ADMINISTRATOR:
        return Scope(everything=True)
    role = user.role
    if role in (Role.DISTRICT_STAFF, Role.TOWNSHIP_STAFF, Role.VILLAGE_CLERK):
        expected = User.AREA_LEVEL_OF_ROLE[role]
        if user.area is None or user.area.level != expected:
            return Scope()
        return Scope(area=user.area)
    if role in (Role.GRID_WORKER, Role.AUXILIARY_POLICE):
        return Scope(grid_ids=_active_grid_ids(user))
    if role == Role.COMMUNITY_POLICE:
        return Scope(grid_ids=_active_grid_ids(user), village_ids=_station_village_ids(user.police_station_id))
    if role == Role.STATION_STAFF:
        return Scope(village_ids=_station_village_ids(user.police_station_id))
    if role in (Role.DEPARTMENT_STAFF, Role.UNIT_STAFF):
        return Scope(department_id=user.department_id)
    return Scope()


# --- What a user may do ---------------------------------------------------------

CENTRE_ROLES = (Role.VILLAGE_CLERK, Role.TOWNSHIP_STAFF, Role.DISTRICT_STAFF)
POLICE_ROLES = (Role.COMMUNITY_POLICE, Role.AUXILIARY_POLICE, Role.STATION_STAFF)


def is_admin(user) -> bool:
    return bool(user.is_superuser or getattr(user, "role", None) == Role.ADMINISTRATOR)


def can_manage_grids(user) -> bool:
    """Create and edit grids and their teams: the centres and administrators."""
    return is_admin(user) or user.role in CENTRE_ROLES


def can_edit_residents(user) -> bool:
    """Register and update households and residents: grid workers and centres."""
    return is_admin(user) or user.role in (*CENTRE_ROLES, Role.GRID_WORKER)


def can_reveal_id_numbers(user, *, village_id: int) -> bool:
    """Whether the user may see an unmasked ID number of a person in ``village_id``.

    Village clerks of that village and centres above it, police of the station
    covering it (community police and station staff), and administrators. Grid
    workers and auxiliaries see masked numbers only.
    """
    if is_admin(user):
        return True
    role = user.role
    scope = scope_of(user)
    if role in CENTRE_ROLES:
        return scope.covers_village(village_id)
    if role in (Role.COMMUNITY_POLICE, Role.STATION_STAFF):
        return village_id in scope.village_ids
    return False


def sees_residents(user) -> bool:
    return not (getattr(user, "role", None) in (Role.DEPARTMENT_STAFF, Role.UNIT_STAFF) and not is_admin(user))
