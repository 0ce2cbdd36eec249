"""Less typing for the grid worker (issue 16, items 21 and 22): the administrator's common
matters per category on the filing form, the worker's recent residents offered before typing,
and the last log's kind, category and place preset."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sentiment.models import Log, Phrase
from sentiment.selectors import RECENT, last_choices, recent_places, recent_residents
from tests.factories import make_resident

from .helpers import file_log

pytestmark = pytest.mark.usefixtures("world_for_the_module")

FILE = reverse("sentiment:file")


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def test_every_category_has_default_phrases_with_their_policy_basis():
    # Seeded by migration 0018: the administrator starts from sensible defaults.
    by_category = {c: list(Phrase.objects.offered().filter(category=c)) for c in Log.Category.values}
    assert all(len(phrases) >= 2 for phrases in by_category.values()), by_category
    subsistence = [p.matter for p in by_category["subsistence"]]
    assert subsistence == ["咨询低保办理条件", "询问低保年审材料", "对低保金额有异议"]
    assert by_category["subsistence"][0].policy_basis == "《社会救助暂行办法》"


def test_the_form_offers_the_active_phrases_in_the_administrators_order(world, login):
    Phrase.objects.create(category="subsistence", matter="低保走访", order=1)
    Phrase.objects.filter(matter="对低保金额有异议").update(active=False)
    body = login(world.grid1_user).get(FILE).content.decode()
    assert 'id="phrases"' in body
    first, second = body.index(">低保走访<"), body.index(">咨询低保办理条件<")
    assert first < second
    assert "对低保金额有异议" not in body
    assert 'data-policy-basis="《社会救助暂行办法》"' in body


def test_a_phrase_is_unique_in_its_category():
    with pytest.raises(IntegrityError):
        Phrase.objects.create(category="subsistence", matter="咨询低保办理条件")


def test_phrase_admin_lists_and_edits(world, login):
    client = login(world.admin)
    assert client.get(reverse("admin:sentiment_phrase_changelist")).status_code == 200
    phrase = Phrase.objects.first()
    assert client.get(reverse("admin:sentiment_phrase_change", args=[phrase.pk])).status_code == 200


def test_a_fresh_worker_gets_the_plain_presets(world, login):
    response = login(world.grid1_user).get(FILE)
    form = response.context["form"]
    assert form["kind"].value() == "visit"
    assert form["category"].value() is None
    assert response.context["recent_residents"] == []


def test_the_last_logs_kind_category_and_place_are_preset(world, login):
    file_log(world, kind="inspection", category="production_safety", place="村东加油站")
    file_log(world, kind="visit", category="hardship", place="村委会", occurred_at=_ago(hours=0.5))
    response = login(world.grid1_user).get(FILE)
    form = response.context["form"]
    last = Log.objects.filter(recorded_by=world.grid1_user).order_by("-occurred_at", "-pk").first()
    assert (form["kind"].value(), form["category"].value(), form["place"].value()) == (
        last.kind,
        last.category,
        last.place,
    )
    body = response.content.decode()
    assert 'list="recent-places"' in body and '<option value="村东加油站">' in body


def test_recent_residents_come_newest_first_each_once_and_only_of_the_workers_grids(world, login):
    other = make_resident(world.grid1, "钱七")
    file_log(world, resident=world.resident1, occurred_at=_ago(days=3))
    file_log(world, resident=other, occurred_at=_ago(days=2))
    file_log(world, resident=world.resident1, occurred_at=_ago(days=1))
    file_log(world, actor=world.grid2_user, grid=world.grid2, resident=world.resident2, occurred_at=_ago(hours=5))
    response = login(world.grid1_user).get(FILE)
    assert [r["pk"] for r in response.context["recent_residents"]] == [world.resident1.pk, other.pk]
    body = response.content.decode()
    assert f'id="resident-{world.resident1.pk}"' in body and f'id="resident-{other.pk}"' in body
    assert "李小红" not in body  # grid2's resident, logged by grid2's worker


def test_recent_lists_are_bounded_and_their_queries_constant(world):
    residents = [make_resident(world.grid1, f"村民{i}") for i in range(RECENT + 3)]
    for i, r in enumerate(residents):
        file_log(world, resident=r, place=f"地点{i % (RECENT + 2)}", occurred_at=_ago(hours=len(residents) - i))
    with CaptureQueriesContext(connection) as q:
        recent = recent_residents(world.grid1_user, [world.grid1])
        places = recent_places(world.grid1_user)
        last = last_choices(world.grid1_user, [world.grid1])
    assert len(q) == 4
    # Recomputed in plain Python over the rows.
    logs = sorted(
        Log.objects.filter(recorded_by=world.grid1_user), key=lambda log: (log.occurred_at, log.pk), reverse=True
    )
    expected = []
    for log in logs:
        if log.resident_id not in expected:
            expected.append(log.resident_id)
    assert [r.pk for r in recent] == expected[:RECENT]
    expected_places = []
    for log in logs:
        if log.place and log.place not in expected_places:
            expected_places.append(log.place)
    assert places == expected_places[:RECENT]
    assert last == {"kind": logs[0].kind, "category": logs[0].category, "place": logs[0].place}


def test_the_filing_forms_queries_do_not_grow_with_the_workers_logs(world, login):
    client = login(world.grid1_user)
    file_log(world)
    with CaptureQueriesContext(connection) as few:
        assert client.get(FILE).status_code == 200
    for i in range(10):
        file_log(world, resident=make_resident(world.grid1, f"村民{i}"), place=f"地点{i}")
    with CaptureQueriesContext(connection) as many:
        assert client.get(FILE).status_code == 200
    assert len(many) == len(few)


def test_outside_the_filing_roles_the_form_is_forbidden_and_anonymous_goes_to_login(world, login, client):
    assert client.get(FILE).status_code == 302
    assert login(world.village1_user).get(FILE).status_code == 403


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    matter=st.text(max_size=60), policy=st.text(max_size=60), category=st.sampled_from([*Log.Category.values, "x", ""])
)
def test_any_phrase_text_renders_and_any_posted_category_is_answered(world, login, matter, policy, category):
    """Whatever the administrator typed renders escaped; whatever is posted gets a page, not a 500.
    (The admin's forms refuse a NUL character, and PostgreSQL cannot store one: the phrase is
    stored without it; the post keeps it, as an attacker would send it.)"""
    typed = matter.replace("\x00", "")
    Phrase.objects.filter(matter=typed).delete()
    Phrase.objects.create(category="other", matter=typed, policy_basis=policy.replace("\x00", ""))
    client = login(world.grid1_user)
    assert client.get(FILE).status_code == 200
    response = client.post(FILE, {"grid": world.grid1.pk, "kind": "visit", "category": category, "matter": matter})
    assert response.status_code in (200, 302)


def _ago(*, days: float = 0, hours: float = 0) -> datetime.datetime:
    from .helpers import T0

    return T0 - datetime.timedelta(days=days, hours=hours)
