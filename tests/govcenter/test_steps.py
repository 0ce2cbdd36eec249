"""The kernel's table of steps and its one step view (``govcenter.steps``), through the small
flow of tests/govcenter/kernel_urls.py: the page offers exactly the steps whose rule holds,
and a POST is looked up, checked, validated and performed in that order."""

from __future__ import annotations

import pytest
from django.urls import reverse

from disputes.models import Dispute, DisputeEvent
from govcenter.steps import Denied, check
from govcenter.timeline import WorkflowError, require
from tests.disputes.helpers import register

from .kernel_urls import FLOW

pytestmark = pytest.mark.urls("tests.govcenter.kernel_urls")


def url(name, *args):
    return reverse(f"kernel_test:{name}", args=args)


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def case(world):
    return register(world.grid1_user, grid=world.grid1)


# --- rules -------------------------------------------------------------------------------------


def test_check_chains_stop_at_the_first_refusal_and_say_why():
    answer = check(True, "a") and check(False, "second") and check(False, "third")
    assert not answer and isinstance(answer, Denied) and answer.reason == "second"
    assert (check(1, "a") and check("x", "b")) is True
    assert Denied(lambda: "formatted when shown").reason == "formatted when shown"


def test_require_raises_the_apps_error_with_the_rules_reason_or_the_given_message():
    class AppError(WorkflowError):
        pass

    with pytest.raises(AppError, match="^why not$") as caught:
        require(check(False, "why not"), error=AppError)
    assert caught.value.field is None
    with pytest.raises(AppError, match="^explicit$") as caught:
        require(Denied("why not"), "explicit", "note", error=AppError)
    assert caught.value.field == "note"
    require(check(True, "never shown"), error=AppError)


# --- the page ----------------------------------------------------------------------------------


def test_actions_are_exactly_the_steps_whose_rule_holds_in_table_order(world, case):
    names = [a.name for a in FLOW.actions(world.village1_user, case)]
    assert names == ["accept", "comment"]
    assert FLOW.actions(world.grid1_user, case) == []  # a grid worker does not staff the level
    actions = {a.name: a for a in FLOW.actions(world.village1_user, case)}
    assert actions["accept"].expanded and not actions["comment"].expanded  # the awaited step opens
    assert actions["comment"].title == f"Comment on {case.number}"
    assert actions["accept"].url == url("accept", case.pk) and actions["comment"].url == url("comment_on", case.pk)
    assert actions["accept"].style == "success" and actions["accept"].form.dispute == case


def test_a_step_with_targets_is_offered_once_per_offered_target(world, case):
    first = case.follow_ups.create(due_on="2026-12-01")
    case.follow_ups.create(due_on="2026-11-20", cancelled=True)
    actions = {a.name: a for a in FLOW.actions(world.village1_user, case)}
    assert set(actions) == {"accept", "comment", f"visit{first.pk}"}
    visit = actions[f"visit{first.pk}"]
    assert visit.title == "Visit due 2026-12-01" and visit.form.follow_up == first
    assert visit.url == url("visit", case.pk, first.pk)


# --- the view ----------------------------------------------------------------------------------


def test_success_performs_the_service_and_redirects_with_the_message(world, case, login):
    response = login(world.village1_user).post(url("accept", case.pk), {"note": "ok"}, follow=True)
    case.refresh_from_db()
    assert case.status == Dispute.Status.ACCEPTED
    assert response.redirect_chain[-1][0] == case.get_absolute_url()
    assert f"{case.number} accepted." in messages_of(response)


def test_an_invalid_form_of_an_offered_step_comes_back_unfolded_as_typed(world, case, login):
    response = login(world.village1_user).post(url("comment_on", case.pk), {"note": "x" * 30})
    assert response.status_code == 200
    actions = {a.name: a for a in response.context["actions"]}
    assert actions["comment"].expanded and "note" in actions["comment"].form.errors
    assert not actions["accept"].expanded  # only the step that came back opens
    assert actions["comment"].form.data["note"] == "x" * 30


def test_an_invalid_post_by_a_user_who_may_not_take_the_step_says_so_not_correct_the_form(world, case, login):
    response = login(world.grid1_user).post(url("comment_on", case.pk), {}, follow=True)
    assert messages_of(response) == ["You cannot take this step on this dispute now."]
    assert response.redirect_chain[-1][0] == case.get_absolute_url()


def test_a_valid_post_the_rule_refuses_gets_the_services_reason(world, case, login):
    client = login(world.village1_user)
    client.post(url("accept", case.pk), {"note": "ok"})
    response = client.post(url("accept", case.pk), {"note": "again"}, follow=True)
    assert "This dispute has already been accepted." in messages_of(response)
    assert DisputeEvent.objects.filter(dispute=case, kind="accepted").count() == 1


def test_a_service_error_is_a_message_or_sits_beside_its_field(world, case, login):
    client = login(world.village1_user)
    response = client.post(url("comment_on", case.pk), {"note": "refuse"}, follow=True)
    assert messages_of(response) == ["The service refuses."]
    response = client.post(url("comment_on", case.pk), {"note": "field"})
    assert response.status_code == 200
    actions = {a.name: a for a in response.context["actions"]}
    assert actions["comment"].form.errors["note"] == ["The service dislikes this note."]


def test_outside_the_jurisdiction_404_anonymous_to_login_get_405(world, case, login, client):
    assert login(world.village2_user).post(url("accept", case.pk), {"note": "x"}).status_code == 404
    client.logout()
    response = client.post(url("accept", case.pk), {"note": "x"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert login(world.village1_user).get(url("accept", case.pk)).status_code == 405
    case.refresh_from_db()
    assert case.status == Dispute.Status.REGISTERED


def test_a_target_not_of_the_item_is_404(world, case, login):
    other = register(world.grid1_user, grid=world.grid1)
    foreign = other.follow_ups.create(due_on="2026-12-01")
    mine = case.follow_ups.create(due_on="2026-12-01")
    client = login(world.village1_user)
    assert client.post(url("visit", case.pk, foreign.pk), {"note": "x"}).status_code == 404
    assert client.post(url("visit", case.pk, mine.pk), {"note": "x"}).status_code == 302


def test_two_steps_may_not_share_a_name():
    with pytest.raises(ValueError, match="share a name"):
        type(FLOW)(
            namespace="x",
            visible=FLOW.visible,
            steps=[FLOW.step("accept"), FLOW.step("accept")],
            detail=FLOW.detail,
            refused="",
        )
