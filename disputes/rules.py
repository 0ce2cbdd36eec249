"""Who may take which step on a dispute. Visibility itself comes from
``govcenter.jurisdiction`` (through ``selectors.disputes_visible_to``); these rules
answer the narrower question "may this user act on this case now"."""

from __future__ import annotations

from govcenter.jurisdiction import can_reveal_id_numbers, is_admin, scope_of
from govcenter.models import User

from .models import Dispute, Level

Role = User.Role

REGISTERING_ROLES = (Role.GRID_WORKER, Role.VILLAGE_CLERK, Role.TOWNSHIP_STAFF, Role.DISTRICT_STAFF)


def is_level_staff(user, dispute: Dispute, level: str | None = None) -> bool:
    """Whether ``user`` works at the centre (or department) handling ``dispute`` at ``level``."""
    level = level or dispute.level
    if is_admin(user):
        return True
    if level == Level.VILLAGE:
        return user.role == Role.VILLAGE_CLERK and dispute.village_id is not None and user.area_id == dispute.village_id
    if level == Level.TOWNSHIP:
        return (
            user.role == Role.TOWNSHIP_STAFF and dispute.township_id is not None and user.area_id == dispute.township_id
        )
    if level == Level.DISTRICT:
        return user.role == Role.DISTRICT_STAFF and user.area_id == dispute.district_id
    if level == Level.DEPARTMENT:
        return (
            user.role == Role.DEPARTMENT_STAFF
            and dispute.department_id is not None
            and user.department_id == dispute.department_id
        )
    return False


def serves_grid(user, dispute: Dispute) -> bool:
    return dispute.grid_id is not None and dispute.grid_id in scope_of(user).grid_ids and user.role == Role.GRID_WORKER


def is_police_of(user, dispute: Dispute) -> bool:
    """Station staff and community police whose jurisdiction covers the dispute's village or grid."""
    if user.role not in (Role.STATION_STAFF, Role.COMMUNITY_POLICE):
        return False
    scope = scope_of(user)
    return (dispute.village_id in scope.village_ids) or (
        dispute.grid_id is not None and dispute.grid_id in scope.grid_ids
    )


def can_register(user) -> bool:
    return is_admin(user) or user.role in REGISTERING_ROLES


def can_handle(user, dispute: Dispute) -> bool:
    """Accept, assign, escalate, resolve, return results: the staff of the current level."""
    return is_level_staff(user, dispute)


def can_record_mediation(user, dispute: Dispute) -> bool:
    """Level staff; the grid worker of the grid while the case is at village level; police (linkage)."""
    return (
        is_level_staff(user, dispute)
        or (dispute.level == Level.VILLAGE and serves_grid(user, dispute))
        or is_police_of(user, dispute)
    )


def can_follow_up(user, dispute: Dispute) -> bool:
    """Follow-up visits: the level that resolved it, the village centre, or the grid worker."""
    return (
        is_level_staff(user, dispute)
        or (dispute.village_id is not None and is_level_staff(user, dispute, Level.VILLAGE))
        or serves_grid(user, dispute)
    )


def can_review_as_police(user, dispute: Dispute) -> bool:
    return is_police_of(user, dispute)


def can_divert(user, dispute: Dispute) -> bool:
    return dispute.level == Level.DISTRICT and is_level_staff(user, dispute, Level.DISTRICT)


def can_attach(user, dispute: Dispute) -> bool:
    return can_record_mediation(user, dispute) or can_follow_up(user, dispute)


def can_reveal_ids(user, dispute: Dispute) -> bool:
    """Whether ``user`` may see the parties' unmasked ID numbers: those who may in the
    dispute's village (``govcenter.jurisdiction``); for a case placed no lower than a
    township, that township's centre, the district centre and administrators."""
    if dispute.village_id:
        return can_reveal_id_numbers(user, village_id=dispute.village_id)
    if dispute.township_id and is_level_staff(user, dispute, Level.TOWNSHIP):
        return True
    return is_level_staff(user, dispute, Level.DISTRICT)
