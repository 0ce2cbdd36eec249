"""Who may take which step on a log. Visibility itself comes from
``govcenter.jurisdiction`` (through ``selectors.logs_visible_to``); these rules answer
the narrower question "may this user act on this log now". The services check them
again inside their transaction; the pages use them to offer only the allowed steps."""

from __future__ import annotations

from govcenter.jurisdiction import is_admin, scope_of
from govcenter.models import User

from .models import AgencyMatter, Level, Log

Role = User.Role


def is_level_staff(user, log: Log, level: str | None = None) -> bool:
    """Whether ``user`` works at the centre (or department) handling ``log`` at ``level``."""
    level = level or log.level
    if is_admin(user):
        return True
    if level == Level.VILLAGE:
        return user.role == Role.VILLAGE_CLERK and user.area_id == log.village_id
    if level == Level.TOWNSHIP:
        return user.role == Role.TOWNSHIP_STAFF and user.area_id == log.township_id
    if level == Level.DISTRICT:
        return user.role == Role.DISTRICT_STAFF and user.area_id == log.district_id
    if level == Level.DEPARTMENT:
        return (
            user.role == Role.DEPARTMENT_STAFF
            and log.department_id is not None
            and user.department_id == log.department_id
        )
    return False


def serves_grid(user, grid_id: int) -> bool:
    """A grid worker serving this grid now."""
    return getattr(user, "role", None) == Role.GRID_WORKER and grid_id in scope_of(user).grid_ids


def can_file(user) -> bool:
    """Logs are the grid workers' own record, filed in the grids they serve."""
    return getattr(user, "role", None) == Role.GRID_WORKER and bool(scope_of(user).grid_ids)


def can_screen(user, log: Log) -> bool:
    """Handle here, report up or answer at once: the centre the log is waiting at."""
    return log.awaiting_screening and is_level_staff(user, log)


def can_report_up(user, log: Log) -> bool:
    return log.in_flow and log.level in (Level.VILLAGE, Level.TOWNSHIP) and is_level_staff(user, log)


def can_handle_here(user, log: Log) -> bool:
    """Put someone in charge at this level (or change who is)."""
    return log.in_flow and log.level in (Level.VILLAGE, Level.TOWNSHIP, Level.DISTRICT) and is_level_staff(user, log)


def can_assign_department(user, log: Log) -> bool:
    return log.in_flow and log.level == Level.DISTRICT and is_level_staff(user, log)


def can_feed_back(user, log: Log) -> bool:
    """The handling level's staff, or the person it put in charge, record the result."""
    if not log.in_flow:
        return False
    if is_level_staff(user, log):
        return True
    return log.status == Log.Status.IN_HAND and log.handler_id is not None and log.handler_id == user.pk


def can_turn_into_dispute(user, log: Log) -> bool:
    """A log not yet linked to a dispute: the grid worker or the village centre for a filed
    log; the centre the log is waiting at or handled by for a reported one (not a
    department, which does not keep the ledger)."""
    if log.dispute_id is not None or log.status == Log.Status.FED_BACK:
        return False
    if is_admin(user):
        return True
    if log.status == Log.Status.FILED:
        return serves_grid(user, log.grid_id) or is_level_staff(user, log, Level.VILLAGE)
    return log.level != Level.DEPARTMENT and is_level_staff(user, log)


def can_add_photos(user, log: Log) -> bool:
    return is_admin(user) or log.recorded_by_id == user.pk or serves_grid(user, log.grid_id)


def can_complete_agency(user, matter: AgencyMatter) -> bool:
    """The assignee, a grid worker of the grid, the village centre."""
    if not matter.is_open:
        return False
    if is_admin(user) or matter.assignee_id == user.pk:
        return True
    if serves_grid(user, matter.grid_id):
        return True
    return user.role == Role.VILLAGE_CLERK and user.area_id == matter.village_id


def screens_logs(user) -> bool:
    """Roles with an incoming queue of reported logs."""
    return is_admin(user) or user.role in (
        Role.VILLAGE_CLERK,
        Role.TOWNSHIP_STAFF,
        Role.DISTRICT_STAFF,
        Role.DEPARTMENT_STAFF,
    )


def queue_level(user) -> str | None:
    """The level whose queue the user works: their centre's, or their department's."""
    return {
        Role.VILLAGE_CLERK: Level.VILLAGE,
        Role.TOWNSHIP_STAFF: Level.TOWNSHIP,
        Role.DISTRICT_STAFF: Level.DISTRICT,
        Role.DEPARTMENT_STAFF: Level.DEPARTMENT,
    }.get(getattr(user, "role", None))
