"""Who may take which step on a campaign, a distribution or an assignment.

Visibility itself comes from ``govcenter.jurisdiction`` (through ``publicity.selectors``);
these rules answer the narrower question "may this user act on this item now". The
services check them again and alone decide; the pages use them to offer only the
steps that will be accepted.
"""

from __future__ import annotations

from govcenter.jurisdiction import CENTRE_ROLES, is_admin, scope_of
from govcenter.models import User

from .models import Assignment, Campaign, VillageDistribution

Role = User.Role
Status = Campaign.Status


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


def can_draft(user) -> bool:
    """District, township and village centres draft campaigns for their own area."""
    return centre_area_id(user) is not None


def can_edit(user, campaign: Campaign) -> bool:
    return campaign.is_editable and (is_owner_staff(user, campaign) or is_admin(user))


def can_submit(user, campaign: Campaign) -> bool:
    return can_edit(user, campaign)


def works_the_review_queue(user) -> bool:
    """The district centre's queue of campaigns awaiting review (and its tab): district
    staff and administrators. Which campaigns it lists is the jurisdiction's business."""
    return is_admin(user) or user.role == Role.DISTRICT_STAFF


def can_review(user, campaign: Campaign) -> bool:
    """Approve or return: the district centre only."""
    return campaign.status == Status.SUBMITTED and (is_district_staff_of(user, campaign) or is_admin(user))


def can_distribute(user, campaign: Campaign) -> bool:
    """Send an approved campaign to villages (again, to add more): the district centre."""
    return campaign.status in (Status.APPROVED, Status.DISTRIBUTED) and (
        is_district_staff_of(user, campaign) or is_admin(user)
    )


def can_close(user, campaign: Campaign) -> bool:
    return campaign.status in (Status.APPROVED, Status.DISTRIBUTED) and (
        is_district_staff_of(user, campaign) or is_admin(user)
    )


def can_hand_out(user, distribution: VillageDistribution, campaign: Campaign | None = None) -> bool:
    """Hand a distributed campaign to the village's grids: that village's centre."""
    campaign = campaign or distribution.campaign
    if campaign.status != Status.DISTRIBUTED:
        return False
    return is_admin(user) or (user.role == Role.VILLAGE_CLERK and centre_area_id(user) == distribution.village_id)


def serves_grid(user, grid_id: int) -> bool:
    """A grid worker of the grid's team now."""
    return user.role == Role.GRID_WORKER and grid_id in scope_of(user).grid_ids


def can_record_activity(user, assignment: Assignment, campaign: Campaign | None = None) -> bool:
    """The grid team records activities (as sentiment logs) until the assignment is done."""
    campaign = campaign or assignment.campaign
    return campaign.status == Status.DISTRIBUTED and not assignment.is_done and serves_grid(user, assignment.grid_id)


def can_complete(user, assignment: Assignment, campaign: Campaign | None = None) -> bool:
    return can_record_activity(user, assignment, campaign)
