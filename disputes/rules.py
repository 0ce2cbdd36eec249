"""Who may take which step on a dispute, now. Visibility itself comes from
``govcenter.jurisdiction`` (through ``selectors.disputes_visible_to``); these rules answer
the narrower question "may this user take this step on this case in its current state".

One function per step covers role AND state (``can_accept``, ``can_escalate``, ...). The
detail page offers a step exactly when its rule holds (``views.FLOW``, the table of
steps) and the service asks the same rule inside its transaction
(``_require(rules.can_accept(actor, d))``). A rule answers True, or a falsy ``Denied``
that says why (``govcenter.steps.check``), which the service shows.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from govcenter import supervision
from govcenter.jurisdiction import can_reveal_id_numbers, is_admin, scope_of
from govcenter.levels import is_level_staff, serves_grid
from govcenter.models import User
from govcenter.steps import check

from .models import Dispute, Level

Role = User.Role
Status = Dispute.Status

REGISTERING_ROLES = (Role.GRID_WORKER, Role.VILLAGE_CLERK, Role.TOWNSHIP_STAFF, Role.DISTRICT_STAFF)
WORKING = (Status.ACCEPTED, Status.IN_MEDIATION)  # accepted and not yet closed or returned


# --- who --------------------------------------------------------------------------------------


def handles(user, dispute: Dispute) -> bool:
    """The staff of the level handling the dispute now (accept, assign, escalate, resolve, ...)."""
    return is_level_staff(user, dispute)


def serves_the_grid(user, dispute: Dispute) -> bool:
    """A grid worker of the dispute's grid."""
    return serves_grid(user, dispute.grid_id)


def is_police_of(user, dispute: Dispute) -> bool:
    """Station staff and community police whose jurisdiction covers the dispute's village or grid."""
    if user.role not in (Role.STATION_STAFF, Role.COMMUNITY_POLICE):
        return False
    scope = scope_of(user)
    return (dispute.village_id in scope.village_ids) or (
        dispute.grid_id is not None and dispute.grid_id in scope.grid_ids
    )


def mediates(user, dispute: Dispute) -> bool:
    """Level staff; the grid worker of the grid while the case is at village level; police (linkage)."""
    return (
        handles(user, dispute)
        or (dispute.level == Level.VILLAGE and serves_the_grid(user, dispute))
        or is_police_of(user, dispute)
    )


def police_linkage_only(user, dispute: Dispute) -> bool:
    """Police who are not otherwise handling the case record mediation as police-mediation
    linkage (警调联动) only: the form offers only that method and the service refuses others."""
    return is_police_of(user, dispute) and not handles(user, dispute) and not serves_the_grid(user, dispute)


def visits(user, dispute: Dispute) -> bool:
    """Follow-up visits: the level that resolved it, the village centre, or the grid worker."""
    return (
        handles(user, dispute)
        or (dispute.village_id is not None and is_level_staff(user, dispute, Level.VILLAGE))
        or serves_the_grid(user, dispute)
    )


def can_register(user) -> bool:
    return is_admin(user) or user.role in REGISTERING_ROLES


def can_reveal_ids(user, dispute: Dispute) -> bool:
    """Whether ``user`` may see the parties' unmasked ID numbers: those who may in the
    dispute's village (``govcenter.jurisdiction``); for a case placed no lower than a
    township, that township's centre, the district centre and administrators."""
    if dispute.village_id:
        return can_reveal_id_numbers(user, village_id=dispute.village_id)
    if dispute.township_id and is_level_staff(user, dispute, Level.TOWNSHIP):
        return True
    return is_level_staff(user, dispute, Level.DISTRICT)


# --- shared conditions ------------------------------------------------------------------------


def not_archived(dispute: Dispute):
    return check(dispute.status != Status.ARCHIVED, _("This dispute is archived; nothing can be changed."))


def is_open(dispute: Dispute):
    return not_archived(dispute) and check(
        dispute.is_open,
        lambda: _("This dispute is closed (%(status)s).") % {"status": dispute.get_status_display()},
    )


def _handles(user, dispute: Dispute):
    return check(
        handles(user, dispute),
        lambda: (
            _("Only the %(level)s centre handling this dispute can do that.") % {"level": dispute.get_level_display()}
        ),
    )


def _working(dispute: Dispute, reason):
    return check(dispute.status in WORKING, reason)


def can_move_up(dispute: Dispute):
    """Whether the case can go one level up in its state (by a clerk or the overdue sweep)."""
    target = dispute.next_level()
    return (
        check(target is not None, _("This dispute is already at the top level (functional department)."))
        and check(dispute.status != Status.AWAITING_CONFIRMATION, _("Confirm or reject the returned result first."))
        and check(
            target != Level.TOWNSHIP or dispute.township_id is not None,
            _("This dispute has no township to escalate to."),
        )
    )


# --- the steps, in the order of the detail page -----------------------------------------------


def can_accept(user, dispute: Dispute):
    return (
        is_open(dispute)
        and _handles(user, dispute)
        and check(dispute.status == Status.REGISTERED, _("This dispute has already been accepted."))
    )


def can_divert(user, dispute: Dispute):
    """District staff send an item received at district level down, before accepting it."""
    return (
        is_open(dispute)
        and check(
            dispute.level == Level.DISTRICT and is_level_staff(user, dispute, Level.DISTRICT),
            _("Only district staff can divert a dispute that is at district level."),
        )
        and check(
            dispute.status == Status.REGISTERED,
            _("Only a dispute not yet accepted at district level can be diverted."),
        )
    )


def can_record_mediation(user, dispute: Dispute):
    return (
        is_open(dispute)
        and check(mediates(user, dispute), _("You cannot record mediation for this dispute."))
        and _working(dispute, _("Accept the dispute before recording mediation."))
    )


def can_resolve(user, dispute: Dispute):
    return (
        is_open(dispute) and _handles(user, dispute) and _working(dispute, _("Accept the dispute before resolving it."))
    )


def can_return_feedback(user, dispute: Dispute):
    """Send the result down to the level that sent the case up, for it to confirm."""
    return (
        is_open(dispute)
        and _handles(user, dispute)
        and _working(dispute, _("Accept the dispute before returning a result."))
        and check(
            dispute.previous_level() is not None,
            _("This dispute was registered at this level; resolve it here instead."),
        )
    )


def can_confirm_feedback(user, dispute: Dispute):
    return check(
        dispute.status == Status.AWAITING_CONFIRMATION, _("There is no returned result to confirm.")
    ) and _handles(user, dispute)


def can_reject_feedback(user, dispute: Dispute):
    return check(
        dispute.status == Status.AWAITING_CONFIRMATION, _("There is no returned result to reject.")
    ) and _handles(user, dispute)


def can_escalate(user, dispute: Dispute):
    return is_open(dispute) and _handles(user, dispute) and can_move_up(dispute)


def can_assign(user, dispute: Dispute):
    return is_open(dispute) and _handles(user, dispute)


def can_close_unresolved(user, dispute: Dispute):
    return (
        is_open(dispute) and _handles(user, dispute) and _working(dispute, _("Accept the dispute before closing it."))
    )


def can_record_follow_up(user, dispute: Dispute):
    """A visit after resolution (which follow-up: ``FollowUp.is_pending``, the service checks it)."""
    return check(
        dispute.status == Status.RESOLVED, _("Follow-up visits are recorded for resolved disputes only.")
    ) and check(visits(user, dispute), _("You cannot record follow-up visits for this dispute."))


def can_lift_supervision(user, dispute: Dispute):
    """The district centre (or the township centre that placed it) ends the supervision
    (督办) of an open case (the kernel's rule, ``govcenter.supervision``)."""
    return (
        is_open(dispute)
        and check(dispute.supervised_at is not None, _("This dispute is not under supervision."))
        and supervision.can_lift_supervision(user, dispute)
    )


def can_add_police_review(user, dispute: Dispute):
    return check(
        is_police_of(user, dispute), _("Only police of this jurisdiction can add a police opinion.")
    ) and not_archived(dispute)


def can_attach(user, dispute: Dispute):
    return not_archived(dispute) and check(
        mediates(user, dispute) or visits(user, dispute), _("You cannot add files to this dispute.")
    )
