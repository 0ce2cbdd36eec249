"""The publicity flows on the case-workflow kernel (``govcenter.steps``): the campaign's
review steps (``publicity.views.FLOW``) and the grid team's "mark done"
(``ASSIGNMENT_FLOW``). The page offers exactly the steps whose rule holds, the rule says
why it refuses, and a POST a user may not take is refused as such, never "correct the form"."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from govcenter import limits
from govcenter.steps import Denied, steps_offered
from publicity import rules
from publicity import services as s
from publicity.models import Assignment, Campaign
from publicity.views import ASSIGNMENT_FLOW, FLOW

from .helpers import activity, approved, at, draft, handed_out, submitted

# The module's tests read the world and roll back what they write: one world for them all.
pytestmark = pytest.mark.usefixtures("world_for_the_module")

Status = Campaign.Status


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def url(name, *args):
    return reverse(f"publicity:{name}", args=args)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- the page offers exactly the steps whose rule holds --------------------------------------


def test_campaign_steps_offered_by_state_and_role(world):
    c = draft(world.township1_user)
    assert steps_offered(FLOW, world.township1_user, c) == ["submit"]
    assert steps_offered(FLOW, world.admin, c) == ["submit"]
    assert steps_offered(FLOW, world.district1, c) == []
    s.campaign_submit(campaign=c, actor=world.township1_user, at=at(-9))
    assert steps_offered(FLOW, world.district1, c) == ["approve", "return"]
    assert steps_offered(FLOW, world.township1_user, c) == []
    s.campaign_approve(campaign=c, actor=world.district1, at=at(-8))
    assert steps_offered(FLOW, world.district1, c) == ["close"]
    s.campaign_distribute(campaign=c, actor=world.district1, at=at(-7), areas=[world.township1])
    assert steps_offered(FLOW, world.district1, c) == ["close"]
    assert steps_offered(FLOW, world.village1_user, c) == []
    s.campaign_close(campaign=c, actor=world.district1, at=at(-6))
    for user in (world.district1, world.admin, world.township1_user):
        assert steps_offered(FLOW, user, c) == []


def test_the_awaited_step_opens_and_closing_stays_folded(world):
    c = submitted(world)
    actions = {a.name: a for a in FLOW.actions(world.district1, c)}
    assert actions["approve"].expanded and not actions["return"].expanded
    assert actions["return"].url == url("return", c.pk) and actions["return"].form.prefix == "return"
    s.campaign_approve(campaign=c, actor=world.district1, at=at(-8))
    assert not FLOW.actions(world.district1, c)[0].expanded


def test_mark_done_is_offered_to_the_grid_team_of_an_open_assignment(world):
    handed_out(world)
    a = Assignment.objects.get(grid=world.grid1)
    # Not before the first activity: the rule refuses, saying why.
    assert steps_offered(ASSIGNMENT_FLOW, world.grid1_user, a) == []
    assert rules.can_complete(world.grid1_user, a).reason == (
        "Record at least one activity before marking this assignment done."
    )
    activity(world, a)
    assert steps_offered(ASSIGNMENT_FLOW, world.grid1_user, a) == ["complete"]
    for user in (world.village1_user, world.district1, world.admin, world.police1):
        assert steps_offered(ASSIGNMENT_FLOW, user, a) == []
    s.assignment_complete(assignment=a, actor=world.grid1_user, at=at(1))
    assert steps_offered(ASSIGNMENT_FLOW, world.grid1_user, a) == []


# --- the rules say why ---------------------------------------------------------------------


def test_a_rule_refuses_with_the_message_its_service_shows(world):
    c = submitted(world)
    answer = rules.can_return(world.township1_user, c)
    assert isinstance(answer, Denied) and answer.reason == "Only the district centre can return campaigns."
    answer = rules.can_submit(world.township1_user, c)
    assert answer.reason == "This campaign has already been submitted (Awaiting review)."
    assert rules.can_approve(world.district1, c) is True
    with pytest.raises(s.PublicityError, match="^Only the district centre can return campaigns.$"):
        s.campaign_return(campaign=c, actor=world.township1_user, at=at(-8), note="改")


def test_the_state_is_checked_before_the_role(world):
    c = approved(world)
    assert rules.can_approve(world.village1_user, c).reason.startswith("Only a submitted campaign can be approved")
    assert rules.can_close(world.village1_user, c).reason == "Only the district centre can close campaigns."


# --- the step view --------------------------------------------------------------------------


def test_an_invalid_post_by_a_user_who_may_not_take_the_step_says_so_not_correct_the_form(world, login):
    """The drift of issue 10: an invalid POST to publicity:return by a user who may not
    return the campaign was answered "Please correct the form below." on a page that
    shows no form."""
    c = submitted(world)
    response = login(world.township1_user).post(url("return", c.pk), {"return-note": ""}, follow=True)
    assert messages_of(response) == ["You cannot take this step on this campaign now."]
    assert response.redirect_chain[-1][0] == c.get_absolute_url()
    assert "Please correct" not in response.content.decode()
    c.refresh_from_db()
    assert c.status == Status.SUBMITTED


def test_a_valid_post_the_rule_refuses_gets_the_rules_reason(world, login):
    c = submitted(world)
    response = login(world.township1_user).post(url("return", c.pk), {"return-note": "改"}, follow=True)
    assert messages_of(response) == ["Only the district centre can return campaigns."]
    c.refresh_from_db()
    assert c.status == Status.SUBMITTED


def test_an_invalid_form_of_an_offered_step_comes_back_unfolded_as_typed(world, login):
    c = submitted(world)
    response = login(world.district1).post(url("return", c.pk), {"return-note": "   "})
    assert response.status_code == 200
    actions = {a.name: a for a in response.context["actions"]}
    assert actions["return"].expanded and actions["return"].form.errors["note"] == ["Say what should be changed."]
    assert not actions["approve"].expanded
    assert messages_of(response) == []


def test_each_review_step_through_its_url(world, login):
    c = draft(world.township1_user)
    response = login(world.township1_user).post(url("submit", c.pk), {"submit-note": "请审"}, follow=True)
    assert messages_of(response) == ["Submitted to the district centre for review."]
    client = login(world.district1)
    response = client.post(url("approve", c.pk), {"approve-note": "同意"}, follow=True)
    assert messages_of(response) == ["Campaign approved. Distribute it to townships and villages next."]
    response = client.post(url("close", c.pk), {"close-note": ""}, follow=True)
    assert messages_of(response) == ["Campaign closed."]
    c.refresh_from_db()
    assert c.status == Status.CLOSED and c.review_note == "同意"
    assert list(c.events.values_list("kind", "note"))[-3:] == [
        ("submitted", "请审"),
        ("approved", "同意"),
        ("closed", ""),
    ]


def test_mark_done_through_the_assignment_page(world, login, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(1))
    handed_out(world, due_on=datetime.date(2026, 6, 20))
    a = Assignment.objects.get(grid=world.grid1)
    client = login(world.grid1_user)
    page = client.get(a.get_absolute_url()).content.decode()
    # Before any activity: the button is there, disabled, saying why; a forced post is refused.
    assert 'data-action="complete"' not in page and "Record at least one activity first." in page
    assert re.search(r'<button[^>]*id="complete-disabled"[^>]*disabled', page)
    response = client.post(url("assignment_complete", a.pk), {"complete-note": "入户"}, follow=True)
    assert messages_of(response) == ["Record at least one activity before marking this assignment done."]
    activity(world, a)
    page = client.get(a.get_absolute_url()).content.decode()
    assert 'data-action="complete"' in page and 'id="complete-disabled"' not in page
    response = client.post(url("assignment_complete", a.pk), {"complete-note": "x" * (limits.NOTE + 1)})
    assert response.status_code == 200 and response.context["actions"][0].form.errors["note"]
    response = client.post(url("assignment_complete", a.pk), {"complete-note": "入户两次"}, follow=True)
    assert messages_of(response) == ["Assignment marked done."]
    a.refresh_from_db()
    assert a.is_done and a.done_note == "入户两次"
    assert 'data-action="complete"' not in response.content.decode()


def test_mark_done_refused_to_others_of_the_jurisdiction(world, login):
    handed_out(world, grids=[world.grid1])
    a = Assignment.objects.get()
    activity(world, a)
    client = login(world.village1_user)
    response = client.post(url("assignment_complete", a.pk), {"complete-note": "x" * (limits.NOTE + 1)}, follow=True)
    assert messages_of(response) == ["You cannot take this step on this assignment now."]
    response = client.post(url("assignment_complete", a.pk), {"complete-note": ""}, follow=True)
    assert messages_of(response) == [f"Only the grid team of {world.grid1} can mark this done."]
    a.refresh_from_db()
    assert not a.is_done


def test_mark_done_is_post_only_404_outside_and_login_for_anonymous(world, login, client):
    handed_out(world)
    a = Assignment.objects.get(grid=world.grid1)
    assert login(world.grid1_user).get(url("assignment_complete", a.pk)).status_code == 405
    assert login(world.grid2_user).post(url("assignment_complete", a.pk), {}).status_code == 404
    client.logout()
    response = client.post(url("assignment_complete", a.pk), {})
    assert response.status_code == 302 and reverse("login") in response["Location"]
