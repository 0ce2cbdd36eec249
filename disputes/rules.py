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

import functools

from django.utils.translation import gettext_lazy as _

from govcenter import feedback, police, supervision, urgent
from govcenter.jurisdiction import can_reveal_id_numbers, is_admin
from govcenter.levels import is_level_staff, serves_grid
from govcenter.models import User
from govcenter.steps import check

from .models import CourtReferral, Dispute, Level, PoliceTransfer

Role = User.Role
Status = Dispute.Status

# Station staff and community police register the 110 calls that are civil disputes.
POLICE_REGISTERING_ROLES = (Role.STATION_STAFF, Role.COMMUNITY_POLICE)
REGISTERING_ROLES = (
    Role.GRID_WORKER,
    Role.VILLAGE_CLERK,
    Role.TOWNSHIP_STAFF,
    Role.DISTRICT_STAFF,
    *POLICE_REGISTERING_ROLES,
)
WORKING = (Status.ACCEPTED, Status.IN_MEDIATION)  # accepted and not yet closed or returned


# --- who --------------------------------------------------------------------------------------


def handles(user, dispute: Dispute) -> bool:
    """The staff of the level handling the dispute now (accept, assign, escalate, resolve, ...).

    A 110 dispute the police station holds is handled by nobody until the station hands it
    to mediation; in the station's own mediation room (警务调解室) its staff handle it."""
    if dispute.held_by_station:
        return dispute.in_station_room and room_staff(user, dispute)
    return is_level_staff(user, dispute)


def of_the_station(user, dispute: Dispute) -> bool:
    """Station staff and community police of the station that registered a 110 dispute."""
    return (
        dispute.police_station_id is not None
        and user.role in POLICE_REGISTERING_ROLES
        and user.police_station_id == dispute.police_station_id
    )


def room_staff(user, dispute: Dispute) -> bool:
    """The staff of the police station whose mediation room mediates the dispute (and administrators)."""
    return is_admin(user) or (
        dispute.police_station_id is not None
        and user.role == Role.STATION_STAFF
        and user.police_station_id == dispute.police_station_id
    )


def serves_the_grid(user, dispute: Dispute) -> bool:
    """A grid worker of the dispute's grid."""
    return serves_grid(user, dispute.grid_id)


def is_police_of(user, dispute: Dispute) -> bool:
    """Station staff and community police whose jurisdiction covers the dispute's village or grid."""
    return police.is_police_of(user, dispute)


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


def not_merged(dispute: Dispute):
    """A case merged into a lead (并案) is handled with the lead: it takes no step of its
    own but "unmerge" (``can_unmerge``)."""
    return check(
        dispute.merged_into_id is None,
        lambda: (
            _("This dispute is merged into %(number)s and handled with it; unmerge it to handle it on its own.")
            % {"number": dispute.merged_into.number}
        ),
    )


def step(rule):
    """Every step rule of a dispute holds only for a case not merged into a lead."""

    @functools.wraps(rule)
    def unless_merged(user, dispute: Dispute):
        return not_merged(dispute) and rule(user, dispute)

    return unless_merged


def not_archived(dispute: Dispute):
    return check(dispute.status != Status.ARCHIVED, _("This dispute is archived; nothing can be changed."))


def is_open(dispute: Dispute):
    return not_archived(dispute) and check(
        dispute.is_open,
        lambda: _("This dispute is closed (%(status)s).") % {"status": dispute.get_status_display()},
    )


def _not_handling_reason(dispute: Dispute) -> str:
    if dispute.awaits_handover:
        return _("The police station has not handed this dispute to mediation yet.")
    if dispute.in_station_room:
        return _("Only the police station's mediation room handling this dispute can do that.")
    return _("Only the %(level)s centre handling this dispute can do that.") % {"level": dispute.get_level_display()}


def _handles(user, dispute: Dispute):
    return check(handles(user, dispute), lambda: _not_handling_reason(dispute))


def _working(dispute: Dispute, reason):
    return check(dispute.status in WORKING, reason)


def can_move_up(dispute: Dispute):
    """Whether the case can go one level up in its state (by a clerk or the overdue sweep)."""
    target = dispute.next_level()
    return (
        check(
            dispute.level != Level.TOWNSHIP_UNIT,
            _("A township station or institute returns its result to the township centre; it does not escalate."),
        )
        and check(
            target is not None,
            _("A functional department returns its result to the district centre; it does not escalate."),
        )
        and check(not dispute.awaits_handover, _("The police station has not handed this dispute to mediation yet."))
        and check(
            not dispute.in_station_room,
            _("The police station's mediation room handles this dispute; it is not escalated."),
        )
        and check(dispute.status != Status.AWAITING_CONFIRMATION, _("Confirm or reject the returned result first."))
        and check(
            target != Level.TOWNSHIP or dispute.township_id is not None,
            _("This dispute has no township to escalate to."),
        )
    )


# --- the steps, in the order of the detail page -----------------------------------------------


@step
def can_accept(user, dispute: Dispute):
    return (
        is_open(dispute)
        and _handles(user, dispute)
        and check(dispute.status == Status.REGISTERED, _("This dispute has already been accepted."))
    )


@step
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


@step
def can_record_mediation(user, dispute: Dispute):
    return (
        is_open(dispute)
        and check(mediates(user, dispute), _("You cannot record mediation for this dispute."))
        and _working(dispute, _("Accept the dispute before recording mediation."))
    )


@step
def can_resolve(user, dispute: Dispute):
    return (
        is_open(dispute) and _handles(user, dispute) and _working(dispute, _("Accept the dispute before resolving it."))
    )


@step
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


@step
def can_confirm_feedback(user, dispute: Dispute):
    return check(
        dispute.status == Status.AWAITING_CONFIRMATION, _("There is no returned result to confirm.")
    ) and _handles(user, dispute)


@step
def can_reject_feedback(user, dispute: Dispute):
    return check(
        dispute.status == Status.AWAITING_CONFIRMATION, _("There is no returned result to reject.")
    ) and _handles(user, dispute)


@step
def can_escalate(user, dispute: Dispute):
    return is_open(dispute) and _handles(user, dispute) and can_move_up(dispute)


@step
def can_mark_urgent(user, dispute: Dispute):
    """An open case, by a grid worker of its grid or the centre handling it (``govcenter.urgent``)."""
    return is_open(dispute) and urgent.can_mark_urgent(user, dispute)


@step
def can_pass_to_district(user, dispute: Dispute):
    """The village centre passes an urgent case straight to the district, skipping the
    township (``govcenter.urgent``), when it could escalate it."""
    return (
        is_open(dispute)
        and urgent.can_pass_to_district(user, dispute)
        and _handles(user, dispute)
        and can_move_up(dispute)
    )


@step
def can_assign_unit(user, dispute: Dispute):
    """The township centre assigns (交办) a case at its level to one of its stations and
    institutes (站所), which returns its result to the township (as a department does to
    the district). Not while a returned result awaits confirmation or the police hold it."""
    return (
        is_open(dispute)
        and check(
            dispute.level == Level.TOWNSHIP,
            _("Only a dispute at township level is assigned to a township station or institute."),
        )
        and check(not dispute.held_by_station, _("The police station holds this dispute; it is not assigned."))
        and _handles(user, dispute)
        and check(dispute.status != Status.AWAITING_CONFIRMATION, _("Confirm or reject the returned result first."))
    )


@step
def can_assign(user, dispute: Dispute):
    return is_open(dispute) and _handles(user, dispute)


@step
def can_close_unresolved(user, dispute: Dispute):
    return (
        is_open(dispute) and _handles(user, dispute) and _working(dispute, _("Accept the dispute before closing it."))
    )


@step
def can_record_follow_up(user, dispute: Dispute):
    """A visit after resolution (which follow-up: ``FollowUp.is_pending``, the service checks it)."""
    return check(
        dispute.status == Status.RESOLVED, _("Follow-up visits are recorded for resolved disputes only.")
    ) and check(visits(user, dispute), _("You cannot record follow-up visits for this dispute."))


@step
def can_tell_parties(user, dispute: Dispute):
    """The origin (where it was registered, or its grid worker) tells the parties a resolved
    case's returned result and records their satisfaction (``govcenter.feedback``)."""
    return (
        not_archived(dispute)
        and check(dispute.status == Status.RESOLVED, _("Only a resolved dispute's result is told to the parties."))
        and feedback.can_tell_parties(user, dispute)
    )


@step
def can_supervise(user, dispute: Dispute):
    """Put an open case under supervision (挂牌督办): the kernel's rule (``govcenter.supervision``)."""
    return supervision.can_supervise(user, dispute)


@step
def can_lift_supervision(user, dispute: Dispute):
    """The district centre (or the township centre that placed it) ends the supervision
    (督办) of an open case (the kernel's rule, ``govcenter.supervision``)."""
    return (
        is_open(dispute)
        and check(dispute.supervised_at is not None, _("This dispute is not under supervision."))
        and supervision.can_lift_supervision(user, dispute)
    )


@step
def can_hand_to_mediation(user, dispute: Dispute):
    """The police station hands a 110 dispute it registered to mediation (警调联动): the
    village or township centre of the place, or its own mediation room. Once."""
    return (
        is_open(dispute)
        and check(dispute.is_police_linked, _("Only a 110 dispute registered by the police is handed to mediation."))
        and check(
            is_admin(user) or of_the_station(user, dispute),
            _("Only the police station that registered this dispute can hand it to mediation."),
        )
        and check(dispute.awaits_handover, _("This dispute has already been handed to mediation."))
    )


@step
def can_station_confirm(user, dispute: Dispute):
    """The police station confirms the result a centre returned on a 110 dispute it handed over."""
    return (
        check(dispute.is_police_linked, _("This dispute was not handed to mediation by the police."))
        and check(
            is_admin(user) or of_the_station(user, dispute),
            _("Only the police station that handed this dispute over can confirm its result."),
        )
        and check(
            dispute.result_returns_to_station,
            _("The station's own mediation room handled this dispute; there is no returned result to confirm."),
        )
        and check(dispute.station_confirmed_at is None, _("The station has already confirmed this result."))
        and check(dispute.status in Dispute.CLOSED_STATUSES, _("The mediation result has not come back yet."))
    )


@step
def can_add_police_review(user, dispute: Dispute):
    return check(
        is_police_of(user, dispute), _("Only police of this jurisdiction can add a police opinion.")
    ) and not_archived(dispute)


@step
def can_attach(user, dispute: Dispute):
    return not_archived(dispute) and check(
        mediates(user, dispute) or visits(user, dispute), _("You cannot add files to this dispute.")
    )


# --- transfer to police (移送公安机关) and court referral (诉调对接) ------------------------------


def transfer_of(dispute: Dispute) -> PoliceTransfer | None:
    try:
        return dispute.police_transfer
    except PoliceTransfer.DoesNotExist:
        return None


def court_referral_of(dispute: Dispute) -> CourtReferral | None:
    try:
        return dispute.court_referral
    except CourtReferral.DoesNotExist:
        return None


@step
def can_transfer_to_police(user, dispute: Dispute):
    """The centre handling an open case transfers it to the police when it turns criminal.
    Which station: one covering the dispute's village (the service checks the one chosen)."""
    return (
        is_open(dispute)
        and _handles(user, dispute)
        and check(
            dispute.village_id is not None,
            _("Only a dispute placed in a village can be transferred: the station covering the village takes it."),
        )
    )


def is_staff_of_station(user, station_id: int | None) -> bool:
    return station_id is not None and user.role == Role.STATION_STAFF and user.police_station_id == station_id


@step
def can_acknowledge_transfer(user, dispute: Dispute):
    """Staff of the station the case was transferred to record their case number, once."""
    transfer = transfer_of(dispute)
    return (
        check(
            dispute.status == Status.TRANSFERRED_TO_POLICE and transfer is not None,
            _("This dispute was not transferred to the police."),
        )
        and check(
            is_staff_of_station(user, transfer.station_id),
            lambda: _("Only the staff of %(station)s can acknowledge this transfer.") % {"station": transfer.station},
        )
        and check(not transfer.is_acknowledged, _("The station has already recorded its case number."))
    )


@step
def can_record_court_outcome(user, dispute: Dispute):
    """The level that referred the case to court records the court's outcome, once."""
    referral = court_referral_of(dispute)
    return (
        check(
            dispute.status == Status.NOT_RESOLVED and referral is not None,
            _("This dispute was not referred to a court."),
        )
        and _handles(user, dispute)
        and check(referral.is_open, _("The court's outcome has already been recorded."))
    )


# --- linked cases (关联) and merged cases (并案) --------------------------------------------------


def links(user, dispute: Dispute) -> bool:
    """Who links a case with related ones: the centre handling it, and the centres above
    it that coordinate across their places (the township centre over its villages, the
    district centre over its district). The link picker offers only such cases."""
    return (
        handles(user, dispute)
        or (dispute.township_id is not None and is_level_staff(user, dispute, Level.TOWNSHIP))
        or is_level_staff(user, dispute, Level.DISTRICT)
    )


@step
def can_link(user, dispute: Dispute):
    """Link the case with related disputes (any state but archived)."""
    return not_archived(dispute) and check(links(user, dispute), _("You cannot link this dispute with others."))


def has_merged_cases(dispute: Dispute) -> bool:
    return dispute.link_group_id is not None and dispute.merged_cases.exists()


@step
def can_unlink(user, dispute: Dispute):
    """Take the case out of its group of linked cases; a lead unmerges its cases first."""
    return (
        check(dispute.link_group_id is not None, _("This dispute is not linked with others."))
        and check(links(user, dispute), _("You cannot unlink this dispute."))
        and check(
            not has_merged_cases(dispute), _("Other disputes are merged into this one; unmerge them before unlinking.")
        )
    )


@step
def can_merge(user, dispute: Dispute):
    """Merging (并案) takes linked cases that are all open and at a level the user handles:
    asked of the lead and of every case merged into it (``services.disputes_merge``). A
    lead is not itself merged (``step``), and a case with merged cases is not merged."""
    return (
        check(dispute.link_group_id is not None, _("Only linked disputes can be merged; link them first."))
        and is_open(dispute)
        and _handles(user, dispute)
    )


def can_unmerge(user, dispute: Dispute):
    """A merged case leaves its lead, by the centre handling the lead (or the case)."""
    return check(dispute.merged_into_id is not None, _("This dispute is not merged into another.")) and check(
        handles(user, dispute) or handles(user, dispute.merged_into),
        lambda: (
            _("Only the centre handling the lead case %(number)s can unmerge this dispute.")
            % {"number": dispute.merged_into.number}
        ),
    )
