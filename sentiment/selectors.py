"""Reads of the sentiment log, always starting from the jurisdiction rule. Who staffs a
level and whom it may put in charge come from the kernel (``govcenter.levels``)."""

from __future__ import annotations

from django.db.models import QuerySet

from govcenter.jurisdiction import scope_of
from govcenter.models import Department
from grids.models import Grid

from . import rules
from .models import AgencyMatter, Log


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
    return Department.objects.functional().filter(district_id=log.district_id, is_active=True).order_by("name")


def unit_choices(log: Log) -> QuerySet[Department]:
    """The active stations and institutes (站所) of the log's township (whom the township may
    assign it to)."""
    return Department.objects.units_of(log.township_id).filter(is_active=True).order_by("name")


def filing_grids(user) -> QuerySet[Grid]:
    """The grids where a grid worker or community police officer may file logs, in code
    order: those they serve now (``rules.can_file_in`` asks the same memberships)."""
    if not rules.can_file(user):
        return Grid.objects.none()
    return Grid.objects.filter(pk__in=sorted(scope_of(user).grid_ids)).select_related("village").order_by("code")


def logs_to_cosign(user) -> QuerySet[Log]:
    """The logs that name ``user`` as the accompanying officer and await his co-signature,
    oldest visit first, within what he sees (partial index ``log_awaiting_cosign``)."""
    if not getattr(user, "is_authenticated", False):
        return Log.objects.none()
    return logs_visible_to(user).filter(accompanied_by=user, cosign=Log.Cosign.AWAITING).order_by("occurred_at", "pk")
