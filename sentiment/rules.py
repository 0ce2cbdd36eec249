"""Who may take which step on a log, now. Visibility itself comes from
``govcenter.jurisdiction`` (through ``selectors.logs_visible_to``); these rules answer the
narrower question "may this user take this step on this log in its current state".

One function per step covers role AND state (``can_report_up``, ``can_feed_back``, ...).
The detail page offers a step exactly when its rule holds (``views.FLOW``, the table of
steps) and the service asks the same rule inside its transaction
(``_require(rules.can_report_up(actor, log))``). A rule answers True, or a falsy ``Denied``
that says why (``govcenter.steps.check``), which the service shows. Who staffs a level and
who serves a grid come from the kernel (``govcenter.levels``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from govcenter import feedback, police, urgent
from govcenter.jurisdiction import is_admin, scope_of
from govcenter.levels import is_level_staff, level_of, serves_grid
from govcenter.models import User
from govcenter.steps import check

from .models import AgencyMatter, Level, Log

Role = User.Role
Status = Log.Status


# Who files logs: the grid workers, and the community police officer of a grid team (who
# goes along on visits and may record one himself).
FILING_ROLES = (Role.GRID_WORKER, Role.COMMUNITY_POLICE)
# Who may be named as accompanying a visit, and so co-signs its log.
COSIGNING_ROLES = (Role.COMMUNITY_POLICE, Role.AUXILIARY_POLICE)


def can_file(user) -> bool:
    """Logs are filed by the grid team in the grids they serve: grid workers and community
    police with an active membership (not the station villages a police officer also sees)."""
    return getattr(user, "role", None) in FILING_ROLES and bool(scope_of(user).grid_ids)


def can_file_in(user, grid_id: int | None):
    """In one of the grids the user serves now (their active memberships)."""
    return check(can_file(user), _("Only the grid team (grid workers and community police) file sentiment logs.")) and (
        check(grid_id in scope_of(user).grid_ids, _("You can file logs only in the grids you serve."))
    )


def queue_level(user) -> str | None:
    """The level whose queue of reported logs the user works: their centre's, or their department's."""
    return level_of(user)


# --- shared conditions ------------------------------------------------------------------------


def in_flow(log: Log):
    """Reported and not yet answered."""
    return check(log.in_flow, _("This log is not waiting in the reporting flow."))


def _level_staff(user, log: Log, levels, reason):
    return check(log.level in levels and is_level_staff(user, log), reason)


# --- the steps, in the order of the detail page -----------------------------------------------


def can_feed_back(user, log: Log):
    """The handling level's staff, or the person it put in charge, record the result."""
    return in_flow(log) and check(
        is_level_staff(user, log) or (log.status == Status.IN_HAND and log.handler_id == user.pk),
        _("Only the level handling this log, or the person in charge, can feed back a result."),
    )


def can_handle_here(user, log: Log):
    """Put someone in charge at this level (or change who is)."""
    return in_flow(log) and _level_staff(
        user,
        log,
        (Level.VILLAGE, Level.TOWNSHIP, Level.DISTRICT),
        lambda: (
            _("Only the %(level)s centre handling this log can put someone in charge.")
            % {"level": log.get_level_display()}
        ),
    )


def can_report_up(user, log: Log):
    """The village centre reports to the township, the township to the district."""
    return (
        in_flow(log)
        and check(
            log.level in (Level.VILLAGE, Level.TOWNSHIP),
            _("The district assigns logs to a functional department instead of reporting them up."),
        )
        and check(
            is_level_staff(user, log),
            lambda: (
                _("Only the %(level)s centre handling this log can report it up.") % {"level": log.get_level_display()}
            ),
        )
    )


def can_mark_urgent(user, log: Log):
    """An incident report in the reporting flow, by a grid worker of its grid or the centre
    handling it (``govcenter.urgent``)."""
    return (
        check(log.kind == Log.Kind.INCIDENT, _("Only an incident report can be marked urgent."))
        and in_flow(log)
        and urgent.can_mark_urgent(user, log)
    )


def can_report_to_district(user, log: Log):
    """The village centre passes an urgent log straight to the district, skipping the township."""
    return in_flow(log) and urgent.can_pass_to_district(user, log)


def can_assign_department(user, log: Log):
    return in_flow(log) and _level_staff(
        user, log, (Level.DISTRICT,), _("Only the district centre assigns logs at district level to a department.")
    )


def can_turn_into_dispute(user, log: Log):
    """A log not yet linked to a dispute: the grid worker or the village centre for a filed
    log; the centre the log is waiting at or handled by for a reported one (not a
    department, which does not keep the ledger)."""
    if is_admin(user):
        who = True
    elif log.status == Status.FILED:
        who = serves_grid(user, log.grid_id) or is_level_staff(user, log, Level.VILLAGE)
    else:
        who = log.level != Level.DEPARTMENT and is_level_staff(user, log)
    return check(
        log.dispute_id is None,
        lambda: _("This log is already linked to dispute %(number)s.") % {"number": log.dispute.number},
    ) and check(log.status != Status.FED_BACK and who, _("You cannot turn this log into a dispute."))


def _named_officer_awaited(user, log: Log):
    return check(
        log.accompanied_by_id is not None
        and log.accompanied_by_id == user.pk
        and getattr(user, "role", None) in COSIGNING_ROLES,
        _("Only the police officer named as accompanying this visit can co-sign its log."),
    ) and check(
        log.cosign == Log.Cosign.AWAITING,
        lambda: (
            _("This log is not awaiting your co-signature (%(state)s).")
            % {"state": log.get_cosign_display() or _("not asked")}
        ),
    )


def can_cosign(user, log: Log):
    """The officer named on the log confirms he was there, while it awaits him."""
    return _named_officer_awaited(user, log)


def can_decline_cosign(user, log: Log):
    """The same officer, in the same state, says he cannot confirm it (with a note)."""
    return _named_officer_awaited(user, log)


def can_add_photos(user, log: Log):
    return check(
        is_admin(user) or log.recorded_by_id == user.pk or serves_grid(user, log.grid_id),
        _("Only the grid worker who filed this log can add photos."),
    )


def can_give_police_opinion(user, log: Log):
    """Station staff and community police of the log's place, while it awaits their review."""
    return check(
        police.is_police_of(user, log), _("Only police of this jurisdiction can give a police opinion.")
    ) and check(log.awaits_police_review, _("This log does not await a police opinion."))


def can_tell_parties(user, log: Log):
    """The village centre or the grid worker tells the parties the result fed back and
    records their satisfaction (``govcenter.feedback``, as for disputes)."""
    return check(log.status == Status.FED_BACK, _("No result has been fed back on this log.")) and (
        feedback.can_tell_parties(user, log)
    )


# --- agency matters (completed on their own page) ----------------------------------------------


def can_complete_agency(user, matter: AgencyMatter):
    """An open matter: the assignee, a grid worker of the grid, the village centre."""
    return check(matter.is_open, _("This agency matter is already completed.")) and check(
        matter.assignee_id == user.pk
        or serves_grid(user, matter.grid_id)
        # The matter carries its log's places, so the village centre is found as for the log.
        or is_level_staff(user, matter, Level.VILLAGE),
        _("Only the assignee, a grid worker of the grid or the village centre can complete this matter."),
    )
