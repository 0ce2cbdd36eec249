"""Reads of the sentiment log, always starting from the jurisdiction rule. Who staffs a
level and whom it may put in charge come from the kernel (``govcenter.levels``)."""

from __future__ import annotations

from django.db.models import QuerySet

from govcenter.jurisdiction import scope_of
from govcenter.models import Department, User
from grids.models import GridMembership

from .models import AgencyMatter, Log

Role = User.Role


def logs_visible_to(user) -> QuerySet[Log]:
    """Logs in the user's jurisdiction: their grids, village, township, district, police
    station's villages, or (department staff) the logs the district assigned them."""
    scope = scope_of(user)
    return Log.objects.filter(
        scope.q(village="village", grid="grid", township="township", district="district", department="department")
    )


def agency_matters_visible_to(user) -> QuerySet[AgencyMatter]:
    scope = scope_of(user)
    return AgencyMatter.objects.filter(
        scope.q(village="village", grid="grid", township="township", district="district")
    )


def log_rows(qs: QuerySet[Log]) -> QuerySet[Log]:
    """What a list, export or print row shows, fetched without per-row queries."""
    return qs.select_related(
        "grid", "village", "recorded_by", "accompanied_by", "resident", "dispute", "handler", "department"
    )


def department_choices(log: Log) -> QuerySet[Department]:
    """The active departments of the log's district (whom the district may assign it to)."""
    return Department.objects.filter(district_id=log.district_id, is_active=True).order_by("name")


def worker_grids(user):
    """The grids a grid worker serves now, in code order (where they may file logs)."""
    from grids.models import Grid

    if getattr(user, "role", None) != Role.GRID_WORKER:
        return Grid.objects.none()
    return (
        Grid.objects.filter(
            memberships__user=user,
            memberships__ended_on__isnull=True,
            memberships__duty=GridMembership.Duty.GRID_WORKER,
        )
        .select_related("village")
        .order_by("code")
    )
