"""The warning inbox (预警): who sees which warning, the detail page, the steps by rule and
state, the home panel's and the statistics page's figures recomputed, and GET parameters
and the disposal form that never give a server error."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from analysis.models import Warning, WarningEvent, WarningRule
from analysis.selectors import warnings_visible_to
from analysis.warning_services import warning_acknowledge, warning_dispose, warnings_sweep
from govcenter.steps import steps_offered
from tests.factories import build_world
from tests.seeded import ensure_seeded_defaults

from .warning_helpers import at, case

K = WarningRule.Kind
LIST = reverse("analysis:warnings")


def _warnings(world):
    """One warning in 东山村 (township 1: three cases against 宏达), one in 南湖村 (township 2:
    a wage case of 12 workers)."""
    for day in range(3):
        case(world, when=at(day))
    case(world, when=at(3), village=world.village3, respondent="石门公司", category="labour_wages", people_involved=12)
    warnings_sweep(at=at(4))
    return (
        Warning.objects.get(rule__kind=K.REPEAT_RESPONDENT),
        Warning.objects.get(rule__kind=K.WAGE_ARREARS),
    )


@pytest.fixture
def two(world):
    return _warnings(world)


# --- jurisdiction -------------------------------------------------------------------------------

SEES = {
    "district1": {"v1", "v3"},
    "township1_user": {"v1"},
    "township2_user": {"v3"},
    "village1_user": {"v1"},
    "village2_user": set(),
    "village3_user": {"v3"},
    "station1": {"v1"},
    "station2_user": {"v3"},
}


@pytest.mark.parametrize("who", sorted(SEES))
def test_each_user_sees_the_warnings_of_their_jurisdiction(world, two, login, who):
    v1, v3 = two
    names = {v1.pk: "v1", v3.pk: "v3"}
    client = login(getattr(world, who))
    response = client.get(LIST)
    assert response.status_code == 200
    listed = {names[w.pk] for w in response.context["page"].object_list if w.pk in names}
    assert listed == SEES[who]
    for w in (v1, v3):
        status = client.get(w.get_absolute_url()).status_code
        assert status == (200 if names[w.pk] in SEES[who] else 404)


def test_roles_without_the_inbox_are_refused(world, two, login):
    assert login(world.grid1_user).get(LIST).status_code == 403
    assert login(world.dept1).get(two[0].get_absolute_url()).status_code == 404


def test_anonymous_users_go_to_the_login(client, world, two):
    for url in (LIST, two[0].get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]
    response = client.post(reverse("analysis:warning_acknowledge", args=[two[0].pk]), {})
    assert response.status_code == 302 and "login" in response["Location"]
    assert Warning.objects.get(pk=two[0].pk).status == Warning.Status.OPEN


def test_a_multi_village_warning_is_not_shown_to_a_village(world, login):
    case(world, when=at(0))
    case(world, when=at(1), village=world.village2)
    case(world, when=at(2))
    warnings_sweep(at=at(3), kinds=[K.REPEAT_RESPONDENT])
    w = Warning.objects.get()
    assert not warnings_visible_to(world.village1_user).filter(pk=w.pk).exists()
    assert warnings_visible_to(world.township1_user).filter(pk=w.pk).exists()


# --- the detail page ----------------------------------------------------------------------------


def test_the_detail_says_why_with_the_numbers_and_links_the_cases(world, two, login):
    v1, _v3 = two
    html = login(world.district1).get(v1.get_absolute_url()).content.decode()
    assert "3 disputes within 180 days against 清溪宏达建筑工程有限公司" in html
    for d in v1.disputes.all():
        assert d.get_absolute_url() in html
    assert 'id="warning-chart-data"' in html


def test_the_trend_counts_the_cases_per_month(world, two, login):
    v1, _v3 = two
    response = login(world.district1).get(v1.get_absolute_url())
    trend = response.context["trend"]
    assert len(trend) == 12
    by_month = {}
    for d in v1.disputes.all():
        local = d.registered_at.astimezone(at(0).tzinfo).date().replace(day=1)
        by_month[local] = by_month.get(local, 0) + 1
    assert {row["month"]: row["registered"] for row in trend if row["registered"]} == by_month


def test_a_station_sees_only_the_cases_of_its_villages(world, login):
    case(world, when=at(0))
    case(world, when=at(1), village=world.village2)
    case(world, when=at(2))
    case(world, when=at(2), village=world.village3)
    warnings_sweep(at=at(3), kinds=[K.REPEAT_RESPONDENT])
    w = Warning.objects.get()
    response = login(world.station2_user).get(w.get_absolute_url())
    assert [d.village_id for d in response.context["cases"]] == [world.village3.pk]
    assert response.context["hidden"] == 3


# --- steps --------------------------------------------------------------------------------------


def test_steps_offered_by_role_and_state(world, two):
    from analysis.warning_views import FLOW

    v1, _v3 = two
    assert "acknowledge" in steps_offered(FLOW, world.township1_user, v1)
    assert "acknowledge" in steps_offered(FLOW, world.district1, v1)
    for who in (world.village1_user, world.station1, world.township2_user):
        assert steps_offered(FLOW, who, v1) == []
    v1 = warning_acknowledge(warning=v1, actor=world.township1_user, at=at(5))
    assert steps_offered(FLOW, world.township1_user, v1) == ["dispose", "link_cases"]
    v1 = warning_dispose(warning=v1, actor=world.township1_user, at=at(5), disposal="joint_mediation")
    assert steps_offered(FLOW, world.township1_user, v1) == ["dispose", "link_cases", "close"]


def test_acknowledge_dispose_and_close_through_the_pages(world, two, login):
    v1, _v3 = two
    client = login(world.township1_user)
    r = client.post(reverse("analysis:warning_acknowledge", args=[v1.pk]), {"acknowledge-note": "收到"})
    assert r.status_code == 302
    r = client.post(
        reverse("analysis:warning_dispose", args=[v1.pk]),
        {"dispose-disposal": "lead_handler", "dispose-handler": world.township1_user.pk, "dispose-note": "牵头"},
    )
    assert r.status_code == 302
    v1.refresh_from_db()
    assert (v1.status, v1.disposal, v1.handler_id) == ("disposing", "lead_handler", world.township1_user.pk)
    r = client.post(reverse("analysis:warning_close", args=[v1.pk]), {"close-note": "已化解"})
    v1.refresh_from_db()
    assert v1.status == Warning.Status.CLOSED and v1.closed_at is not None
    kinds = list(v1.events.values_list("kind", flat=True))
    assert kinds[-3:] == [WarningEvent.Kind.ACKNOWLEDGED, WarningEvent.Kind.DISPOSED, WarningEvent.Kind.CLOSED]


def test_no_action_needs_a_reason_and_nothing_is_lost(world, two, login):
    v1, _v3 = two
    warning_acknowledge(warning=v1, actor=world.district1, at=at(5))
    client = login(world.district1)
    r = client.post(reverse("analysis:warning_dispose", args=[v1.pk]), {"dispose-disposal": "no_action"})
    assert r.status_code == 200
    assert "Say why no action is needed." in r.content.decode()
    assert Warning.objects.get(pk=v1.pk).status == Warning.Status.ACKNOWLEDGED


def test_a_lead_handler_from_another_township_is_refused(world, two, login):
    v1, _v3 = two
    warning_acknowledge(warning=v1, actor=world.district1, at=at(5))
    r = login(world.district1).post(
        reverse("analysis:warning_dispose", args=[v1.pk]),
        {"dispose-disposal": "lead_handler", "dispose-handler": world.township2_user.pk},
    )
    assert r.status_code == 200
    assert Warning.objects.get(pk=v1.pk).handler_id is None


def test_a_village_clerk_cannot_take_a_step(world, two, login):
    v1, _v3 = two
    r = login(world.village1_user).post(reverse("analysis:warning_acknowledge", args=[v1.pk]), {})
    assert r.status_code == 302
    assert Warning.objects.get(pk=v1.pk).status == Warning.Status.OPEN


def test_another_township_gets_404_on_a_step(world, two, login):
    v1, _v3 = two
    r = login(world.township2_user).post(reverse("analysis:warning_acknowledge", args=[v1.pk]), {})
    assert r.status_code == 404


def test_closing_needs_a_disposal_first(world, two, login):
    v1, _v3 = two
    warning_acknowledge(warning=v1, actor=world.district1, at=at(5))
    login(world.district1).post(reverse("analysis:warning_close", args=[v1.pk]), {"close-note": "x"})
    assert Warning.objects.get(pk=v1.pk).status == Warning.Status.ACKNOWLEDGED


def test_the_district_supervises_a_warning(world, two, login):
    v1, _v3 = two
    import datetime

    due = (datetime.date.today() + datetime.timedelta(days=3)).isoformat()
    login(world.district1).post(
        reverse("analysis:supervise", args=[v1.pk]), {"supervise-due_on": due, "supervise-note": "限期研判"}
    )
    assert Warning.objects.get(pk=v1.pk).supervised_at is not None


# --- figures ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["district1", "township1_user", "station2_user"])
def test_the_home_panel_counts_recomputed(world, two, login, who):
    user = getattr(world, who)
    warning_acknowledge(warning=two[0], actor=world.district1, at=at(5))
    response = login(user).get(reverse("home"))
    panel = next(p["panel"] for p in response.context["home_panels"] if p["key"] == "warnings")
    expected = {}
    for w in Warning.objects.all():
        if who == "district1" or (who == "township1_user" and w.township_id == world.township1.pk):
            expected[(w.rule.kind, w.status)] = expected.get((w.rule.kind, w.status), 0) + 1
        elif who == "station2_user" and w.disputes.filter(village=world.village3).exists():
            expected[(w.rule.kind, w.status)] = expected.get((w.rule.kind, w.status), 0) + 1
    shown = {(r["kind"], s): r[s] for r in panel["rows"] for s in Warning.Status.values if r[s]}
    assert shown == expected
    html = response.content.decode()
    assert 'id="warnings-panel"' in html and f"{LIST}?rule=" in html


def test_the_nav_shows_the_open_count(world, two, login):
    html = login(world.district1).get(reverse("home")).content.decode()
    assert re.search(rf'href="{LIST}"[^>]*>[^<]*Warnings <span class="badge[^"]*">2</span>', html)


def test_the_statistics_table_recomputed(world, two, login):
    from analysis.warning_services import warning_close

    v1, v3 = two
    warning_acknowledge(warning=v1, actor=world.district1, at=at(5))
    warning_dispose(warning=v1, actor=world.district1, at=at(5), disposal="joint_mediation")
    warning_close(warning=v1, actor=world.district1, at=at(6), note="ok")
    query = {"period": "month", "year": "2026", "month": "11"}
    response = login(world.district1).get(reverse("analysis:statistics"), query)
    rows, total = response.context["warning_table"]
    start, end = at(-1).replace(day=1, hour=0), at(29).replace(day=1, month=12, hour=0)
    for row in rows:
        mine = [w for w in Warning.objects.all() if w.rule.kind == row["kind"]]
        assert row["raised"] == sum(1 for w in mine if start <= w.raised_at < end)
        assert row["closed"] == sum(1 for w in mine if w.closed_at and start <= w.closed_at < end)
        assert row["open"] == sum(1 for w in mine if w.status != "closed")
    assert total == {"raised": 2, "closed": 1, "open": 1}


def test_the_list_reads_a_constant_number_of_queries(world, login, django_assert_max_num_queries):
    for i in range(6):
        case(world, category="labour_wages", people_involved=20 + i, when=at(i))
    warnings_sweep(at=at(7))
    client = login(world.district1)
    client.get(LIST)
    with django_assert_max_num_queries(14):
        assert client.get(LIST).status_code == 200


# --- hypothesis ---------------------------------------------------------------------------------

ODD = ["", "0", "-1", "open_all", "closed", "x" * 300, "１２", "NaN", "\x00", "yes", "99999999999999999999"]


class WarningInputsNeverFail(TestCase):
    @classmethod
    def setUpTestData(cls):
        ensure_seeded_defaults()
        cls.world = build_world()
        cls.v1, cls.v3 = _warnings(cls.world)
        warning_acknowledge(warning=cls.v1, actor=cls.world.district1, at=at(5))

    @settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        query=st.dictionaries(
            st.sampled_from(["rule", "status", "urgent", "page"]),
            st.one_of(st.sampled_from(ODD + list(K.values)), st.text(max_size=12)),
            max_size=4,
        )
    )
    def test_inbox_parameters(self, query):
        self.client.force_login(self.world.district1)
        assert self.client.get(LIST, query).status_code == 200

    @settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        data=st.dictionaries(
            st.sampled_from(["dispose-disposal", "dispose-handler", "dispose-note"]),
            st.one_of(
                st.sampled_from([*Warning.Disposal.values, "", "0", "-1", "x" * 3000, "99999999999999999999"]),
                st.text(max_size=20),
            ),
            max_size=3,
        )
    )
    def test_disposal_form(self, data):
        self.client.force_login(self.world.district1)
        response = self.client.post(reverse("analysis:warning_dispose", args=[self.v1.pk]), data)
        assert response.status_code in (200, 302)
