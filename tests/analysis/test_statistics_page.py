"""The statistics page (统计报表): who may see it, within which jurisdiction, what its
tables say (recomputed in tests/analysis/ledger.py), bad parameters, query counts."""

from __future__ import annotations

import re
from unittest import mock

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from disputes.models import Dispute
from disputes.selectors import disputes_visible_to
from tests.disputes.helpers import register
from tests.factories import build_world

from .ledger import NOVEMBER, NOW, build_ledger, recount

URL = reverse("analysis:statistics")
NOVEMBER_QUERY = {"period": "month", "year": "2026", "month": "11"}


@pytest.fixture
def ledger(world):
    return build_ledger(world)


@pytest.fixture(autouse=True)
def frozen_now():
    with mock.patch("analysis.views.timezone.now", return_value=NOW):
        yield


def _total(response) -> dict:
    return response.context["total"]


def test_anonymous_goes_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("who", ["grid1_user", "police1", "aux1", "unit1_user"])
def test_roles_without_the_page_are_refused(world, login, who):
    assert login(getattr(world, who)).get(URL).status_code == 403


@pytest.mark.parametrize(
    "who",
    ["district1", "township1_user", "township2_user", "village1_user", "village2_user", "station1", "dept1", "admin"],
)
def test_totals_equal_the_recount_of_the_jurisdiction(world, ledger, login, who):
    user = getattr(world, who)
    response = login(user).get(URL, NOVEMBER_QUERY)
    assert response.status_code == 200
    expected = recount(list(disputes_visible_to(user)), NOVEMBER, NOW)
    total = _total(response)
    assert {k: total[k] for k in expected} == pytest.approx(expected)


def test_the_township_sees_only_its_villages(world, ledger, login):
    response = login(world.township1_user).get(URL, NOVEMBER_QUERY)
    assert _total(response)["registered"] == 6  # not township2's case
    area_table = response.context["tables"][-1]
    assert [row[0] for row in area_table.rows] == [world.village1.name, world.village2.name]
    assert world.village3.name not in response.content.decode()


def test_a_village_clerk_sees_only_the_village(world, ledger, login):
    response = login(world.village2_user).get(URL, NOVEMBER_QUERY)
    expected = recount(list(Dispute.objects.filter(village=world.village2)), NOVEMBER, NOW)
    assert _total(response)["registered"] == expected["registered"] == 1  # the flared one (late: October)
    assert _total(response)["resolved"] == expected["resolved"] == 1  # late


def test_a_station_sees_its_villages(world, ledger, login):
    response = login(world.station1).get(URL, NOVEMBER_QUERY)
    expected = recount(list(Dispute.objects.filter(village__in=[world.village1, world.village2])), NOVEMBER, NOW)
    assert _total(response)["registered"] == expected["registered"] == 6


@pytest.mark.parametrize(
    "who,area",
    [
        ("township1_user", "village3"),
        ("township1_user", "township2"),
        ("village1_user", "township1"),
        ("village1_user", "village2"),
        ("station1", "village3"),
        ("dept1", "village1"),
    ],
)
def test_a_scope_outside_the_jurisdiction_is_404(world, login, who, area):
    response = login(getattr(world, who)).get(URL, {"area": getattr(world, area).pk})
    assert response.status_code == 404


def test_the_district_narrows_to_a_township_and_drills_down(world, ledger, login):
    client = login(world.district1)
    whole = client.get(URL, NOVEMBER_QUERY)
    assert _total(whole)["registered"] == 7
    townships = whole.context["tables"][-1].rows
    assert [row[0] for row in townships] == [world.township1.name, world.township2.name]
    drill = townships[0][3]
    assert f"area={world.township1.pk}" in drill and "month=11" in drill
    narrowed = client.get(URL + drill)
    expected = recount(list(Dispute.objects.filter(township=world.township1)), NOVEMBER, NOW)
    assert _total(narrowed)["registered"] == expected["registered"] == 6


def test_breakdown_rows_equal_the_recount(world, ledger, login):
    response = login(world.district1).get(URL, NOVEMBER_QUERY)
    by_category = response.context["tables"][0]
    rows = {label: row for label, row, _links, _drill in by_category.rows}
    everything = list(Dispute.objects.all())
    for value, label in Dispute.Category.choices:
        expected = recount([d for d in everything if d.category == value], NOVEMBER, NOW)
        assert {k: rows[label][k] for k in expected} == pytest.approx(expected), value
    assert rows["Land and boundary"]["registered"] == 1  # the township's case (late was registered in October)


def test_registered_link_lists_as_many_disputes_as_it_counts(world, ledger, login):
    client = login(world.township1_user)
    response = client.get(URL, NOVEMBER_QUERY)
    by_source = {label: (row, links) for label, row, links, _d in response.context["tables"][1].rows}
    row, links = by_source["Walk-in"]
    assert row["registered"] == 2
    ledger_page = client.get(links["registered"])
    assert ledger_page.context["count"].value == 2
    overdue_page = client.get(links["overdue"])
    assert overdue_page.context["count"].value == row["overdue"] == 1
    # And the link is in the page.
    html = response.content.decode()
    assert links["registered"].replace("&", "&amp;") in html


def test_rates_without_a_denominator_show_a_dash(world, login):
    response = login(world.township1_user).get(URL, {"period": "year", "year": "2020"})
    assert response.status_code == 200
    assert _total(response)["resolution_rate"] is None
    assert "—" in response.content.decode()


def test_default_is_this_month(world, login):
    response = login(world.township1_user).get(URL)
    assert response.status_code == 200
    assert response.context["period"] == NOVEMBER


@pytest.mark.parametrize(
    "query,first,last",
    [
        ({"period": "quarter", "year": "2026", "quarter": "4"}, "2026-10-01", "2026-12-31"),
        ({"period": "year", "year": "2025"}, "2025-01-01", "2025-12-31"),
        ({"period": "range", "date_from": "2026-11-03", "date_to": "2026-11-05"}, "2026-11-03", "2026-11-05"),
    ],
)
def test_periods(world, login, query, first, last):
    period = login(world.township1_user).get(URL, query).context["period"]
    assert (period.first.isoformat(), period.last.isoformat()) == (first, last)


@pytest.mark.parametrize(
    "query,message",
    [
        ({"period": "range", "date_from": "2026-11-05"}, "Give both dates of the period."),
        ({"period": "range", "date_from": "2026-11-05", "date_to": "2026-11-01"}, "cannot be before its start"),
        ({"period": "month", "year": "1999"}, "greater than or equal to 2000"),
        ({"period": "month", "month": "13"}, "Select a valid choice"),
    ],
)
def test_bad_input_gets_a_message_and_keeps_what_was_typed(world, login, query, message):
    response = login(world.township1_user).get(URL, query)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "period" not in response.context or response.context.get("period") is None
    for value in query.values():
        assert value in html


def _disputes(world, n: int) -> None:
    for i in range(n):
        register(
            world.grid1_user if i % 2 else world.grid2_user,
            grid=world.grid1 if i % 2 else world.grid2,
            category=Dispute.Category.values[i % 5],
            source=Dispute.Source.values[i % 3],
        )


@pytest.mark.parametrize("who", ["district1", "township1_user", "station1"])
def test_query_count_does_not_grow_with_the_rows(world, login, django_assert_max_num_queries, who):
    client = login(getattr(world, who))
    _disputes(world, 2)
    with django_assert_max_num_queries(40) as few:
        client.get(URL, NOVEMBER_QUERY)
    _disputes(world, 18)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL, NOVEMBER_QUERY)
    assert _total(response)["registered"] == 20


def test_navigation_entry(world, login):
    html = login(world.township1_user).get(reverse("home")).content.decode()
    assert re.search(rf'href="{URL}"', html)
    html = login(world.grid1_user).get(reverse("home")).content.decode()
    assert not re.search(rf'href="{URL}"', html)


PARAMETERS = ("period", "year", "month", "quarter", "date_from", "date_to", "area")
ODD = ["", "0", "-1", "13", "99999999999999999999", "2026-02-30", "9999-12-31", "0001-01-01", "x" * 300, "１２", "NaN"]


class StatisticsParametersNeverFail(TestCase):
    """Whatever the GET parameters, the page answers 200 (with a message) or 404 (a scope outside)."""

    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()
        register(cls.world.grid1_user, grid=cls.world.grid1)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        who=st.sampled_from(["district1", "township1_user", "village1_user", "station1", "dept1", "admin"]),
        query=st.dictionaries(
            st.sampled_from(PARAMETERS),
            st.one_of(
                st.sampled_from(ODD),
                st.sampled_from(["month", "quarter", "year", "range"]),
                st.integers(-5, 3000).map(str),
                st.dates().map(lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}"),
                st.text(max_size=12),
            ),
            max_size=5,
        ),
    )
    def test_no_server_error(self, who, query):
        self.client.force_login(getattr(self.world, who))
        if getattr(self.world, who).is_staff:
            from tests.conftest import pass_second_factor

            pass_second_factor(self.client, getattr(self.world, who))
        response = self.client.get(URL, query)
        assert response.status_code in (200, 404), (query, response.status_code)
        if response.status_code == 200 and response.context.get("period") is None:
            assert "alert" in response.content.decode() or "text-danger" in response.content.decode()


@pytest.mark.parametrize("who", ["district1", "township1_user", "station1"])
def test_open_now_links_list_as_many_disputes_as_they_count(world, ledger, login, who):
    client = login(getattr(world, who))
    response = client.get(URL, NOVEMBER_QUERY)
    link = response.context["total_links"]["open"]
    assert client.get(link).context["count"].value == _total(response)["open"]
    checked = 0
    for table in response.context["tables"]:
        for _label, row, links, _drill in table.rows:
            if links:
                assert client.get(links["open"]).context["count"].value == row["open"], links["open"]
                checked += row["open"]
    assert checked


def test_the_ledger_open_status_is_every_open_status(world, ledger, login):
    client = login(world.district1)
    listed = client.get(reverse("disputes:list"), {"status": "open"}).context["count"].value
    assert listed == Dispute.objects.filter(status__in=Dispute.OPEN_STATUSES).count() > 0
    assert "Open (all)" in client.get(reverse("disputes:list")).content.decode()
