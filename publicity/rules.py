"""Who may take which step on a campaign, a distribution or an assignment, now.

One function per step covers role AND state (the rules of the flows' steps, see
``govcenter.steps``): the pages offer exactly the steps whose rule holds, and the
services ask the same rule again inside their transaction (``_require(rules.can_submit(
actor, c))``). A refusal is a falsy ``Denied`` saying why, the message the service shows;
the state is checked before the role, so a step that is over says so to everyone.

Visibility itself comes from ``govcenter.jurisdiction`` (through ``publicity.selectors``);
these rules answer the narrower question "may this user act on this item now".
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govcenter.jurisdiction import CENTRE_ROLES, is_admin, scope_of
from govcenter.levels import serves_grid
from govcenter.models import User
from govcenter.steps import Denied, check

from .models import Assignment, Campaign, VillageDistribution

Role = User.Role
Status = Campaign.Status

Answer = bool | Denied


def centre_area_id(user) -> int | None:
    """The area whose centre ``user`` works for (district, township or village), if any."""
    role = getattr(user, "role", None)
    if role not in CENTRE_ROLES or not user.area_id:
        return None
    scope = scope_of(user)  # checks the home area has the level the role needs
    return user.area_id if scope.area is not None else None


def is_district_staff_of(user, campaign: Campaign) -> bool:
    return user.role == Role.DISTRICT_STAFF and centre_area_id(user) == campaign.district_id


def is_owner_staff(user, campaign: Campaign) -> bool:
    """Staff of the centre that drafted the campaign."""
    return centre_area_id(user) == campaign.owner_area_id


def _district_centre(user, campaign: Campaign) -> bool:
    return is_district_staff_of(user, campaign) or is_admin(user)


def _status_is(campaign: Campaign, statuses, message: str) -> Answer:
    """The campaign is in one of ``statuses``; else ``message`` % its status."""
    return check(campaign.status in statuses, lambda: str(message) % {"status": campaign.get_status_display()})


# --- drafting and review ---------------------------------------------------------------------


def can_draft(user) -> Answer:
    """District, township and village centres draft campaigns for their own area."""
    return check(
        centre_area_id(user) is not None,
        gettext_lazy("Only district, township and village centres draft campaigns."),
    )


def can_edit(user, campaign: Campaign) -> Answer:
    return _status_is(
        campaign,
        Campaign.EDITABLE_STATUSES,
        gettext_lazy("Only a draft or a returned campaign can be changed (this one is %(status)s)."),
    ) and check(
        is_owner_staff(user, campaign) or is_admin(user),
        gettext_lazy("Only the centre that drafted this campaign can change it."),
    )


def is_district_own(campaign: Campaign) -> bool:
    """Drafted by the district centre itself (not a township's or a village's list)."""
    return campaign.owner_area_id == campaign.district_id


def can_submit(user, campaign: Campaign) -> Answer:
    """A township or village sends its draft to the district centre for review. The
    district's own campaign is never submitted to itself: it is published (``can_publish``)."""
    return (
        _status_is(
            campaign,
            Campaign.EDITABLE_STATUSES,
            gettext_lazy("This campaign has already been submitted (%(status)s)."),
        )
        and check(
            not is_district_own(campaign),
            gettext_lazy("The district centre publishes its own campaigns directly; there is nobody to submit to."),
        )
        and check(
            is_owner_staff(user, campaign) or is_admin(user),
            gettext_lazy("Only the centre that drafted this campaign can submit it."),
        )
    )


def can_publish(user, campaign: Campaign) -> Answer:
    """The district centre publishes its own campaign in one step (draft -> approved).

    Why one step, not a second approver: the seed (003, "Policy publicity process") and
    DESIGN.md make the district centre the reviewer of the publicity lists that townships
    and villages draft; a list the district drafts itself has no other reviewer above it.
    Making one district clerk submit to the district and then approve it was three taps of
    ceremony with no check in them, and asking a second district clerk would add a rule the
    seed does not have (and block a one-person district office). So the district's own
    campaign goes straight to approved, with one timeline entry saying who published it."""
    return (
        _status_is(
            campaign,
            Campaign.EDITABLE_STATUSES,
            gettext_lazy("Only a draft or a returned campaign can be published (this one is %(status)s)."),
        )
        and check(
            is_district_own(campaign), gettext_lazy("Only the district centre's own campaigns are published directly.")
        )
        and check(_district_centre(user, campaign), gettext_lazy("Only the district centre can publish campaigns."))
    )


def works_the_review_queue(user) -> bool:
    """The district centre's queue of campaigns awaiting review (and its tab): district
    staff and administrators. Which campaigns it lists is the jurisdiction's business."""
    return is_admin(user) or user.role == Role.DISTRICT_STAFF


def can_approve(user, campaign: Campaign) -> Answer:
    """Approve a submitted campaign: the district centre only."""
    return _status_is(
        campaign,
        (Status.SUBMITTED,),
        gettext_lazy("Only a submitted campaign can be approved (this one is %(status)s)."),
    ) and check(_district_centre(user, campaign), gettext_lazy("Only the district centre can approve campaigns."))


def can_return(user, campaign: Campaign) -> Answer:
    """Return a submitted campaign with a note: the district centre only."""
    return _status_is(
        campaign,
        (Status.SUBMITTED,),
        gettext_lazy("Only a submitted campaign can be returned (this one is %(status)s)."),
    ) and check(_district_centre(user, campaign), gettext_lazy("Only the district centre can return campaigns."))


def can_distribute(user, campaign: Campaign) -> Answer:
    """Send an approved campaign to villages (again, to add more): the district centre."""
    return _status_is(
        campaign,
        (Status.APPROVED, Status.DISTRIBUTED),
        gettext_lazy("Only an approved campaign can be distributed (this one is %(status)s)."),
    ) and check(_district_centre(user, campaign), gettext_lazy("Only the district centre can distribute campaigns."))


def can_close(user, campaign: Campaign) -> Answer:
    return _status_is(
        campaign,
        (Status.APPROVED, Status.DISTRIBUTED),
        gettext_lazy("Only an approved or distributed campaign can be closed (this one is %(status)s)."),
    ) and check(_district_centre(user, campaign), gettext_lazy("Only the district centre can close campaigns."))


# --- villages and grid teams -------------------------------------------------------------------


def can_hand_out(user, distribution: VillageDistribution, campaign: Campaign | None = None) -> Answer:
    """Hand a distributed campaign to the village's grids: that village's centre."""
    campaign = campaign or distribution.campaign
    return _status_is(
        campaign,
        (Status.DISTRIBUTED,),
        gettext_lazy("This campaign is %(status)s; it cannot be handed out now."),
    ) and check(
        is_admin(user) or (user.role == Role.VILLAGE_CLERK and centre_area_id(user) == distribution.village_id),
        gettext_lazy("Only the village centre can hand this campaign to its grids."),
    )


def _grid_team_at_work(assignment: Assignment, campaign: Campaign) -> Answer:
    """The campaign runs and the assignment is open: its grid team may still work on it."""
    return _status_is(
        campaign,
        (Status.DISTRIBUTED,),
        gettext_lazy("This campaign is %(status)s; nothing can be recorded now."),
    ) and check(not assignment.is_done, gettext_lazy("This assignment is already done."))


def can_record_activity(user, assignment: Assignment, campaign: Campaign | None = None) -> Answer:
    """The grid team records activities (as sentiment logs) until the assignment is done."""
    campaign = campaign or assignment.campaign
    return _grid_team_at_work(assignment, campaign) and check(
        serves_grid(user, assignment.grid_id),
        lambda: _("Only the grid workers of %(grid)s record its activities.") % {"grid": assignment.grid},
    )


def can_complete(user, assignment: Assignment, campaign: Campaign | None = None) -> Answer:
    """The grid team marks its assignment done once it has recorded an activity (before
    that the page shows the button disabled, saying why)."""
    campaign = campaign or assignment.campaign
    return (
        _grid_team_at_work(assignment, campaign)
        and check(
            serves_grid(user, assignment.grid_id),
            lambda: _("Only the grid team of %(grid)s can mark this done.") % {"grid": assignment.grid},
        )
        and check(
            assignment.activities.exists(),
            gettext_lazy("Record at least one activity before marking this assignment done."),
        )
    )
