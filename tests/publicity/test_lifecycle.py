"""Every step of a campaign's life, allowed and refused per role, called on the services."""

from __future__ import annotations

import datetime

import pytest

from govcenter.models import Notification
from publicity import rules
from publicity import services as s
from publicity.models import Assignment, Campaign, CampaignEvent, VillageDistribution
from publicity.services import PublicityError

from .helpers import START, approved, at, data, distributed, draft, submitted

# The module's tests read the world and roll back what they write: one world for them all.
pytestmark = pytest.mark.usefixtures("world_for_the_module")

Status = Campaign.Status
Kind = CampaignEvent.Kind


def kinds(c: Campaign) -> list[str]:
    return list(c.events.order_by("at", "pk").values_list("kind", flat=True))


# --- drafting -------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["district1", "township1_user", "village1_user"])
def test_district_township_and_village_centres_draft_for_their_own_area(world, who):
    user = getattr(world, who)
    c = draft(user)
    assert c.status == Status.DRAFT
    assert c.owner_area == user.area
    assert c.district == world.district
    assert kinds(c) == [Kind.CREATED]


@pytest.mark.parametrize("who", ["grid1_user", "police1", "station1", "dept1", "aux1"])
def test_other_roles_cannot_draft(world, who):
    with pytest.raises(PublicityError):
        draft(getattr(world, who))
    assert not Campaign.objects.exists()


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"ends_on": START - datetime.timedelta(days=1)}, "end date cannot be before"),
        ({"title": "  "}, "title"),
        ({"audiences": []}, "audience"),
        ({"allowed_forms": ["by_carrier_pigeon"]}, "form of activity"),
        ({"topic": "astrology"}, "topic"),
    ],
)
def test_a_malformed_campaign_is_refused(world, overrides, message):
    with pytest.raises(PublicityError, match=message):
        draft(world.township1_user, **overrides)
    assert not Campaign.objects.exists()


def test_only_the_drafting_centre_edits_and_submits(world):
    c = draft(world.township1_user)
    for other in (world.township2_user, world.village1_user, world.district1, world.grid1_user):
        with pytest.raises(PublicityError):
            s.campaign_update(campaign=c, actor=other, at=at(-9), data=data(title="改"))
        with pytest.raises(PublicityError):
            s.campaign_submit(campaign=c, actor=other, at=at(-9))
    s.campaign_update(campaign=c, actor=world.township1_user, at=at(-9), data=data(title="防范电信网络诈骗"))
    assert c.title == "防范电信网络诈骗" and c.status == Status.DRAFT
    s.campaign_submit(campaign=c, actor=world.township1_user, at=at(-9))
    assert c.status == Status.SUBMITTED and c.submitted_at == at(-9)
    assert kinds(c) == [Kind.CREATED, Kind.EDITED, Kind.SUBMITTED]


def test_submission_notifies_the_district_centre(world):
    submitted(world)
    assert Notification.objects.filter(recipient=world.district1, title__contains="反电诈宣传月").exists()


def test_a_submitted_campaign_cannot_be_edited_or_submitted_again(world):
    c = submitted(world)
    with pytest.raises(PublicityError, match="Only a draft or a returned"):
        s.campaign_update(campaign=c, actor=world.township1_user, at=at(-8), data=data(title="改"))
    with pytest.raises(PublicityError, match="already been submitted"):
        s.campaign_submit(campaign=c, actor=world.township1_user, at=at(-8))


# --- review ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["township1_user", "township2_user", "village1_user", "grid1_user", "station1", "dept1"]
)
def test_only_district_staff_approve_or_return(world, who):
    c = submitted(world)
    user = getattr(world, who)
    with pytest.raises(PublicityError, match="Only the district centre"):
        s.campaign_approve(campaign=c, actor=user, at=at(-8))
    with pytest.raises(PublicityError, match="Only the district centre"):
        s.campaign_return(campaign=c, actor=user, at=at(-8), note="改")
    c.refresh_from_db()
    assert c.status == Status.SUBMITTED


def test_district_staff_of_another_district_cannot_review(world):
    from govcenter.services import area_add_or_update
    from tests.factories import make_user

    other, _ = area_add_or_update(code="330103000000", name="别区")
    stranger = make_user("district9", "district_staff", area=other)
    c = submitted(world)
    with pytest.raises(PublicityError):
        s.campaign_approve(campaign=c, actor=stranger, at=at(-8))


def test_returned_campaign_is_edited_and_resubmitted_then_approved(world):
    c = submitted(world)
    s.campaign_return(campaign=c, actor=world.district1, at=at(-8), note="请补充反诈热线96110")
    assert c.status == Status.RETURNED and c.review_note == "请补充反诈热线96110"
    assert Notification.objects.filter(recipient=world.township1_user, title__contains="returned").exists()
    with pytest.raises(PublicityError, match="Only a submitted"):
        s.campaign_approve(campaign=c, actor=world.district1, at=at(-8))
    s.campaign_update(campaign=c, actor=world.township1_user, at=at(-7), data=data(content="反诈热线96110"))
    assert c.status == Status.RETURNED  # stays returned until resubmitted
    s.campaign_submit(campaign=c, actor=world.township1_user, at=at(-7))
    s.campaign_approve(campaign=c, actor=world.district1, at=at(-6), note="同意")
    assert c.status == Status.APPROVED and c.reviewed_by == world.district1
    assert kinds(c) == [Kind.CREATED, Kind.SUBMITTED, Kind.RETURNED, Kind.EDITED, Kind.SUBMITTED, Kind.APPROVED]


def test_returning_needs_a_note(world):
    c = submitted(world)
    with pytest.raises(PublicityError, match="what should be changed"):
        s.campaign_return(campaign=c, actor=world.district1, at=at(-8), note="   ")
    c.refresh_from_db()
    assert c.status == Status.SUBMITTED


def test_a_draft_cannot_be_approved(world):
    c = draft(world.township1_user)
    with pytest.raises(PublicityError, match="Only a submitted"):
        s.campaign_approve(campaign=c, actor=world.district1, at=at(-8))


# --- distribution -------------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["draft", "submitted", "returned"])
def test_nobody_distributes_an_unapproved_campaign(world, stage):
    c = submitted(world) if stage != "draft" else draft(world.township1_user)
    if stage == "returned":
        s.campaign_return(campaign=c, actor=world.district1, at=at(-8), note="改")
    for user in (world.district1, world.admin, world.township1_user):
        with pytest.raises(PublicityError, match="Only an approved campaign"):
            s.campaign_distribute(campaign=c, actor=user, at=at(-7), areas=[world.township1])
    assert not VillageDistribution.objects.exists()


@pytest.mark.parametrize("who", ["township1_user", "village1_user", "grid1_user"])
def test_only_district_staff_distribute(world, who):
    c = approved(world)
    with pytest.raises(PublicityError, match="Only the district centre"):
        s.campaign_distribute(campaign=c, actor=getattr(world, who), at=at(-7), areas=[world.township1])
    assert not VillageDistribution.objects.exists()


def test_distributing_a_township_reaches_all_its_villages_once(world):
    c = approved(world)
    made = s.campaign_distribute(campaign=c, actor=world.district1, at=at(-7), areas=[world.township1, world.village1])
    assert sorted(d.village.code for d in made) == [world.village1.code, world.village2.code]
    assert c.status == Status.DISTRIBUTED and c.distributed_at == at(-7)
    d1 = VillageDistribution.objects.get(campaign=c, village=world.village1)
    assert (d1.township, d1.district) == (world.township1, world.district)
    # Twice in a row: nothing twice.
    assert s.campaign_distribute(campaign=c, actor=world.district1, at=at(-6), areas=[world.township1]) == []
    assert VillageDistribution.objects.filter(campaign=c).count() == 2
    # Adding a village of another township later sends only that one.
    more = s.campaign_distribute(campaign=c, actor=world.district1, at=at(-5), areas=[world.township1, world.village3])
    assert [d.village for d in more] == [world.village3]
    assert VillageDistribution.objects.filter(campaign=c).count() == 3
    assert kinds(c).count(Kind.DISTRIBUTED) == 2
    assert Notification.objects.filter(recipient=world.village1_user).count() == 1
    assert Notification.objects.filter(recipient=world.village3_user).count() == 1


def test_distribution_stays_inside_the_district(world):
    from govcenter.services import area_add_or_update

    other_district, _ = area_add_or_update(code="330103000000", name="别区")
    other_township, _ = area_add_or_update(code="330103001000", name="别镇")
    c = approved(world)
    with pytest.raises(PublicityError, match="of this district"):
        s.campaign_distribute(campaign=c, actor=world.district1, at=at(-7), areas=[other_township])
    with pytest.raises(PublicityError, match="at least one"):
        s.campaign_distribute(campaign=c, actor=world.district1, at=at(-7), areas=[])
    assert not VillageDistribution.objects.exists()


# --- hand-out ------------------------------------------------------------------------------


def test_village_hands_the_campaign_to_chosen_grids_once_each(world):
    c = distributed(world)
    d = c.distributions.get(village=world.village1)
    made = s.assignments_hand_out(
        distribution=d, actor=world.village1_user, at=at(-6), grids=[world.grid1], due_on=datetime.date(2026, 6, 20)
    )
    assert [a.grid for a in made] == [world.grid1]
    a = made[0]
    assert (a.village, a.township, a.district, a.due_on) == (
        world.village1,
        world.township1,
        world.district,
        datetime.date(2026, 6, 20),
    )
    assert Notification.objects.filter(recipient=world.grid1_user, url=a.get_absolute_url()).count() == 1
    # All grids next: only the one not yet assigned gets a new assignment; twice in a row, none.
    again = s.assignments_hand_out(
        distribution=d,
        actor=world.village1_user,
        at=at(-5),
        grids=[world.grid1, world.grid1b],
        due_on=datetime.date(2026, 6, 25),
    )
    assert [a.grid for a in again] == [world.grid1b]
    assert (
        s.assignments_hand_out(
            distribution=d,
            actor=world.village1_user,
            at=at(-4),
            grids=[world.grid1, world.grid1b],
            due_on=datetime.date(2026, 6, 25),
        )
        == []
    )
    assert Assignment.objects.filter(campaign=c).count() == 2
    assert Assignment.objects.get(grid=world.grid1).due_on == datetime.date(2026, 6, 20)  # kept
    assert kinds(c).count(Kind.HANDED_OUT) == 2


def test_only_the_village_centre_hands_out_its_copy(world):
    c = distributed(world)
    d = c.distributions.get(village=world.village1)
    for user in (world.village2_user, world.township1_user, world.district1, world.grid1_user):
        with pytest.raises(PublicityError, match="Only the village centre"):
            s.assignments_hand_out(
                distribution=d, actor=user, at=at(-6), grids=[world.grid1], due_on=datetime.date(2026, 6, 20)
            )
    d2 = c.distributions.get(village=world.village2)
    with pytest.raises(PublicityError, match="grids of this village"):
        s.assignments_hand_out(
            distribution=d2,
            actor=world.village2_user,
            at=at(-6),
            grids=[world.grid1],
            due_on=datetime.date(2026, 6, 20),
        )
    assert not Assignment.objects.exists()


@pytest.mark.parametrize(
    "due_on,message",
    [(datetime.date(2026, 5, 20), "past"), (datetime.date(2026, 7, 5), "campaign period")],
)
def test_due_date_must_be_ahead_and_inside_the_period(world, due_on, message):
    c = distributed(world)
    d = c.distributions.get(village=world.village1)
    with pytest.raises(PublicityError, match=message):
        s.assignments_hand_out(distribution=d, actor=world.village1_user, at=at(-6), grids=[world.grid1], due_on=due_on)


def test_closed_campaign_cannot_be_handed_out(world):
    c = distributed(world)
    with pytest.raises(PublicityError, match="Only the district centre"):
        s.campaign_close(campaign=c, actor=world.township1_user, at=at(-6))
    s.campaign_close(campaign=c, actor=world.district1, at=at(-6))
    assert c.status == Status.CLOSED
    d = c.distributions.get(village=world.village1)
    with pytest.raises(PublicityError, match="cannot be handed out"):
        s.assignments_hand_out(
            distribution=d, actor=world.village1_user, at=at(-5), grids=[world.grid1], due_on=datetime.date(2026, 6, 20)
        )
    with pytest.raises(PublicityError, match="Only an approved campaign"):
        s.campaign_distribute(campaign=c, actor=world.district1, at=at(-5), areas=[world.village3])


# --- the district's own campaign (issue 16.14) -------------------------------------------------


def test_the_district_publishes_its_own_campaign_in_one_step(world):
    c = draft(world.district1)
    assert rules.can_submit(world.district1, c).reason == (
        "The district centre publishes its own campaigns directly; there is nobody to submit to."
    )
    with pytest.raises(PublicityError, match="nobody to submit to"):
        s.campaign_submit(campaign=c, actor=world.district1, at=at(-9))
    c = s.campaign_publish(campaign=c, actor=world.district1, at=at(-9))
    assert c.status == Status.APPROVED and c.reviewed_by == world.district1
    assert kinds(c) == [Kind.CREATED, Kind.APPROVED]
    assert c.review_note == "Published directly by the district centre."
    assert rules.can_distribute(world.district1, c)


@pytest.mark.parametrize("who", ["township1_user", "village1_user", "grid1_user"])
def test_only_the_district_publishes_and_only_its_own_campaigns(world, who):
    own = draft(world.district1)
    with pytest.raises(PublicityError, match="Only the district centre can publish"):
        s.campaign_publish(campaign=own, actor=getattr(world, who), at=at(-9))
    township_list = draft(world.township1_user)
    with pytest.raises(PublicityError, match="own campaigns are published directly"):
        s.campaign_publish(campaign=township_list, actor=world.district1, at=at(-9))
    assert own.status == township_list.status == Status.DRAFT
