"""The link picker and the link / unlink / merge / unmerge steps over HTTP: the user who
may, a user outside the jurisdiction (404), anonymous (login); the search parameter
under hypothesis."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from disputes import services
from disputes.models import Dispute, DisputeEvent

from .ledger_helpers import messages_of, register, url

pytestmark = pytest.mark.usefixtures("world_for_the_module")

Kind = DisputeEvent.Kind


def fresh(d: Dispute) -> Dispute:
    return Dispute.objects.get(pk=d.pk)


@pytest.fixture
def pair(world):
    """Two township-level cases of T1 against the same company, which township1 handles."""
    a = register(world.township1_user, township=world.township1, village=world.village1, respondent="宏达建筑")
    b = register(world.township1_user, township=world.township1, village=world.village2, respondent="宏达建筑")
    return a, b


@pytest.fixture
def linked(world, pair):
    services.disputes_link(disputes=list(pair), actor=world.township1_user)
    return pair


@pytest.fixture
def merged(world, linked):
    lead, other = linked
    services.disputes_merge(lead=lead, others=[other], actor=world.township1_user)
    return fresh(lead), fresh(other)


# --- the link picker --------------------------------------------------------------------------


def test_the_picker_finds_cases_by_party_within_the_jurisdiction(world, login, pair):
    a, b = pair
    elsewhere = register(world.village3_user, village=world.village3, respondent="宏达建筑")  # township 2
    response = login(world.township1_user).get(url("link", a.pk), {"q": "宏达"})
    assert response.status_code == 200
    numbers = [d.number for d in response.context["candidates"]]
    assert numbers == [b.number]  # not a itself, not township2's case
    assert elsewhere.number not in response.content.decode()


def test_the_picker_finds_cases_by_number(world, login, pair):
    a, b = pair
    response = login(world.township1_user).get(url("link", a.pk), {"q": b.number})
    assert [d.pk for d in response.context["candidates"]] == [b.pk]


def test_linking_from_the_picker(world, login, pair):
    a, b = pair
    client = login(world.township1_user)
    response = client.post(url("link", a.pk), {"disputes": [b.pk], "note": "同一被申请人"}, follow=True)
    assert fresh(a).link_group_id == fresh(b).link_group_id is not None
    assert any(b.number in m for m in messages_of(response))
    page = client.get(url("detail", a.pk)).content.decode()
    assert f'data-linked="{b.number}"' in page and "宏达建筑" in page
    assert f'data-linked="{a.number}"' in client.get(url("detail", b.pk)).content.decode()


def test_linking_a_case_outside_the_jurisdiction_is_404(world, login, pair):
    a, _b = pair
    elsewhere = register(world.village3_user, village=world.village3)
    response = login(world.township1_user).post(url("link", a.pk), {"disputes": [elsewhere.pk]})
    assert response.status_code == 404
    assert fresh(a).link_group_id is None and fresh(elsewhere).link_group_id is None


def test_the_picker_of_a_case_outside_the_jurisdiction_is_404(world, login, pair):
    a, b = pair
    client = login(world.township2_user)
    assert client.get(url("link", a.pk), {"q": "宏达"}).status_code == 404
    assert client.post(url("link", a.pk), {"disputes": [b.pk]}).status_code == 404


def test_the_picker_sends_anonymous_users_to_login(client, pair):
    a, b = pair
    for response in (client.get(url("link", a.pk)), client.post(url("link", a.pk), {"disputes": [b.pk]})):
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert fresh(a).link_group_id is None


@pytest.mark.parametrize("ids", [[], ["x"], ["99999999999999999999"], ["-1"]])
def test_bad_ids_give_a_message_and_link_nothing(world, login, pair, ids):
    a, _b = pair
    response = login(world.township1_user).post(url("link", a.pk), {"disputes": ids}, follow=True)
    assert response.status_code == 200
    assert "Tick the disputes to link with this one." in messages_of(response)
    assert fresh(a).link_group_id is None


def test_a_grid_worker_is_not_offered_the_picker(world, login):
    d = register(world.grid1_user, grid=world.grid1)
    client = login(world.grid1_user)
    assert url("link", d.pk) not in client.get(url("detail", d.pk)).content.decode()
    response = client.get(url("link", d.pk), follow=True)
    assert messages_of(response) == ["You cannot link this dispute with others."]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.one_of(st.text(max_size=120), st.sampled_from(["\x00", "%", "_", "MD-", "宏达", " " * 5, "9" * 30])))
def test_no_search_text_gives_a_server_error(world, q):
    a = Dispute.objects.filter(township=world.township1).first() or register(
        world.township1_user, township=world.township1, village=world.village1
    )
    client = Client()
    client.force_login(world.township1_user)
    response = client.get(url("link", a.pk), {"q": q})
    assert response.status_code == 200
    assert all(d.pk != a.pk for d in response.context["candidates"])


# --- the steps: unlink, merge, unmerge ---------------------------------------------------------


def test_unlink_step(world, login, linked):
    a, b = linked
    response = login(world.township1_user).post(url("unlink", a.pk), {"note": "误关联"}, follow=True)
    assert "Unlinked." in messages_of(response)
    assert fresh(a).link_group_id is None and fresh(b).link_group_id is None


def test_merge_step(world, login, linked):
    lead, other = linked
    client = login(world.township1_user)
    assert 'data-action="merge"' in client.get(url("detail", lead.pk)).content.decode()
    response = client.post(url("merge", lead.pk), {"others": [other.pk], "note": "并案处理"}, follow=True)
    assert response.status_code == 200
    assert fresh(other).merged_into_id == lead.pk


def test_merge_step_with_no_choice_keeps_the_form(world, login, linked):
    lead, other = linked
    response = login(world.township1_user).post(url("merge", lead.pk), {"others": ["x"], "note": "并案处理"})
    assert response.status_code == 200  # the page again, the form unfolded with its error
    assert "并案处理" in response.content.decode()
    assert fresh(other).merged_into_id is None


def test_a_merged_case_shows_the_lead_and_offers_only_unmerge(world, login, merged):
    lead, other = merged
    client = login(world.township1_user)
    response = client.get(url("detail", other.pk))
    html = response.content.decode()
    assert 'id="merged-notice"' in html and lead.get_absolute_url() in html
    assert [a.name for a in response.context["actions"]] == ["unmerge"]
    refused = client.post(url("accept", other.pk), {"note": ""}, follow=True)
    assert fresh(other).status == Dispute.Status.REGISTERED
    assert messages_of(refused)  # the step is refused with a message


def test_the_leads_step_over_http_applies_to_the_merged_case(world, login, merged):
    lead, other = merged
    login(world.township1_user).post(url("accept", lead.pk), {"note": ""})
    assert fresh(other).status == Dispute.Status.ACCEPTED
    assert fresh(other).events.filter(kind=Kind.WITH_LEAD).exists()


def test_unmerge_step(world, login, merged):
    _lead, other = merged
    response = login(world.township1_user).post(url("unmerge", other.pk), {"note": ""}, follow=True)
    assert "Unmerged: this dispute is handled on its own again." in messages_of(response)
    assert fresh(other).merged_into_id is None


@pytest.mark.parametrize("step", ["unlink", "merge", "unmerge"])
def test_steps_outside_the_jurisdiction_are_404(world, login, merged, step):
    lead, other = merged
    target = lead if step == "merge" else other
    response = login(world.township2_user).post(url(step, target.pk), {"others": [other.pk], "note": ""})
    assert response.status_code == 404
    assert fresh(other).merged_into_id == lead.pk


@pytest.mark.parametrize("step", ["unlink", "merge", "unmerge"])
def test_steps_send_anonymous_users_to_login(client, merged, step):
    lead, other = merged
    response = client.post(url(step, other.pk), {"note": ""})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert fresh(other).merged_into_id == lead.pk


def test_a_case_outside_the_area_shows_only_its_number(world, login):
    mine = register(world.village1_user, village=world.village1)
    theirs = register(world.village3_user, village=world.village3, respondent="宏达建筑")
    services.disputes_link(disputes=[mine, theirs], actor=world.district1, at=timezone.now())
    html = login(world.village1_user).get(url("detail", mine.pk)).content.decode()
    assert theirs.number in html and "outside your area" in html
    assert theirs.get_absolute_url() not in html and "宏达建筑" not in html
