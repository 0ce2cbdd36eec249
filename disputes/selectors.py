"""Reads of the ledger, always starting from the jurisdiction rule."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from govcenter.jurisdiction import scope_of
from govcenter.models import User

from .models import Dispute, Level, Party


def disputes_visible_to(user) -> QuerySet[Dispute]:
    scope = scope_of(user)
    return Dispute.objects.filter(
        scope.q(village="village", grid="grid", township="township", district="district", department="department")
    )


def ledger_rows(qs: QuerySet[Dispute]) -> QuerySet[Dispute]:
    """What a list, print or export row shows, fetched without per-row queries."""
    return qs.select_related("village", "township", "grid", "handler", "department").prefetch_related(
        Prefetch("parties", queryset=Party.objects.order_by("role", "pk"))
    )


def level_staff(dispute: Dispute, level: str) -> QuerySet[User]:
    """The people who work at the centre or department handling ``dispute`` at ``level``."""
    users = User.objects.filter(is_active=True)
    if level == Level.VILLAGE:
        return (
            users.filter(role=User.Role.VILLAGE_CLERK, area_id=dispute.village_id)
            if dispute.village_id
            else users.none()
        )
    if level == Level.TOWNSHIP:
        return (
            users.filter(role=User.Role.TOWNSHIP_STAFF, area_id=dispute.township_id)
            if dispute.township_id
            else users.none()
        )
    if level == Level.DISTRICT:
        return users.filter(role=User.Role.DISTRICT_STAFF, area_id=dispute.district_id)
    if level == Level.DEPARTMENT:
        return (
            users.filter(role=User.Role.DEPARTMENT_STAFF, department_id=dispute.department_id)
            if dispute.department_id
            else users.none()
        )
    return users.none()


def handler_choices(dispute: Dispute) -> QuerySet[User]:
    """Who may be named handler at the current level: that level's staff, and at village
    level also the grid workers serving the dispute's grid."""
    staff = level_staff(dispute, dispute.level)
    if dispute.level == Level.VILLAGE and dispute.grid_id:
        workers = User.objects.filter(
            is_active=True,
            role=User.Role.GRID_WORKER,
            grid_memberships__grid_id=dispute.grid_id,
            grid_memberships__ended_on__isnull=True,
        )
        return (staff | workers).distinct()
    return staff
