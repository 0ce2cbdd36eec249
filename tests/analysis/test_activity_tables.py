"""The statistics page's tables of sentiment logs, agency matters and publicity
(analysis.activity): each figure against a recount in plain Python
(tests/analysis/activity_ledger.py), per jurisdiction, the list links, query counts."""

from __future__ import annotations

from unittest import mock

import pytest
from django.urls import reverse

from publicity.models import Activity, VillageDistribution
from publicity.selectors import activities_visible_to, distributions_visible_to
from sentiment.models import AgencyMatter, Log
from sentiment.selectors import agency_matters_visible_to, logs_visible_to

from .activity_ledger import (
    MAY_JUNE,
    build_logs,
    build_publicity,
    local,
    make_log,
    make_matter,
    recount_agency,
    recount_logs,
    recount_publicity,
)
from .ledger import NOVEMBER, NOW

URL = reverse("analysis:statistics")
NOVEMBER_QUERY = {"period": "month", "year": "2026", "month": "11"}
MAY_JUNE_QUERY = {"period": "range", "date_from": "2026-05-01", "date_to": "2026-06-30"}
USERS = ["district1", "township1_user", "township2_user", "village1_user", "station1", "dept1", "admin"]


@pytest.fixture(autouse=True)
def frozen_now():
    with mock.patch("analysis.views.timezone.now", return_value=NOW):
        yield


@pytest.fixture
def rows(world):
    return build_logs(world)


def _rows_by_label(rows) -> dict:
    return {str(label): (row, links) for label, row, links in rows}


def _pick(row: dict, expected: dict) -> dict:
    return {k: row[k] for k in expected}


@pytest.mark.parametrize("who", USERS)
def test_log_and_agency_totals_equal_the_recount_of_the_jurisdiction(world, rows, login, who):
    user = getattr(world, who)
    context = login(user).get(URL, NOVEMBER_QUERY).context
    logs, matters = list(logs_visible_to(user)), list(agency_matters_visible_to(user))
    assert context["logs_total"] == recount_logs(logs, NOVEMBER, NOW)
    expected = recount_agency(matters, NOVEMBER, NOW)
    assert _pick(context["agency_total"], expected) == pytest.approx(expected)


def test_known_answers_for_the_township(world, rows, login):
    context = login(world.township1_user).get(URL, NOVEMBER_QUERY).context
    # Filed: the 3rd, the first minute, the handled and the overdue one (not December's, not township 2's).
    assert context["logs_total"] == {"filed": 4, "handled": 2, "open": 3, "overdue": 1}
    agency = context["agency_total"]
    assert (agency["registered"], agency["done"], agency["on_time"]) == (4, 3, 1)
    assert agency["on_time_rate"] == pytest.approx(1 / 3)
    assert (agency["open"], agency["overdue"]) == (2, 1)


def test_breakdown_rows_equal_the_recount(world, rows, login):
    context = login(world.district1).get(URL, NOVEMBER_QUERY).context
    everything = list(Log.objects.all())
    (_kind_title, by_kind), (_category_title, by_category) = context["log_tables"]
    kinds = _rows_by_label(by_kind)
    for value, label in Log.Kind.choices:
        assert kinds[str(label)][0] == recount_logs([x for x in everything if x.kind == value], NOVEMBER, NOW), value
    categories = _rows_by_label(by_category)
    for value, label in Log.Category.choices:
        expected = recount_logs([x for x in everything if x.category == value], NOVEMBER, NOW)
        assert categories[str(label)][0] == expected, value
    matters = list(AgencyMatter.objects.all())
    types = _rows_by_label(context["agency_rows"])
    for value, label in AgencyMatter.Type.choices:
        expected = recount_agency([m for m in matters if m.matter_type == value], NOVEMBER, NOW)
        assert _pick(types[str(label)][0], expected) == pytest.approx(expected), value
    assert types["Pension"][0]["done"] == 1 and types["Pension"][0]["on_time"] == 0  # 00:30 on the 11th is late


def test_links_list_as_many_rows_as_they_count(world, rows, login):
    client = login(world.township1_user)
    response = client.get(URL, NOVEMBER_QUERY)
    context = response.context
    html = response.content.decode()
    (_t, by_kind), (_t2, by_category) = context["log_tables"]
    checked = 0
    for label_rows in (by_kind, by_category):
        for _label, row, links in label_rows:
            for figure in ("filed", "open"):
                listed = client.get(links[figure]).context["filter"].qs.count()
                assert listed == row[figure], (links[figure], row)
                checked += row[figure]
    assert checked
    for figure in ("filed", "open"):
        link = context["logs_total_links"][figure]
        assert client.get(link).context["filter"].qs.count() == context["logs_total"][figure]
        assert link.replace("&", "&amp;") in html
    for _label, row, links in context["agency_rows"]:
        for figure in ("open", "overdue"):
            assert client.get(links[figure]).context["filter"].qs.count() == row[figure], links[figure]
    for figure in ("open", "overdue"):
        link = context["agency_total_links"][figure]
        assert client.get(link).context["filter"].qs.count() == context["agency_total"][figure]


def test_a_narrowed_scope_counts_its_area_and_drops_links_the_lists_cannot_follow(world, rows, login):
    response = login(world.district1).get(URL, {**NOVEMBER_QUERY, "area": world.township1.pk})
    context = response.context
    logs = list(Log.objects.filter(township=world.township1))
    assert context["logs_total"] == recount_logs(logs, NOVEMBER, NOW)
    matters = list(AgencyMatter.objects.filter(township=world.township1))
    expected = recount_agency(matters, NOVEMBER, NOW)
    assert _pick(context["agency_total"], expected) == pytest.approx(expected)
    # The log and agency lists filter by grid only: no link that would count the whole district.
    assert context["logs_total_links"] == {} and context["agency_total_links"] == {}


def test_a_station_counts_its_villages(world, rows, login):
    context = login(world.station1).get(URL, NOVEMBER_QUERY).context
    logs = list(Log.objects.filter(village__in=[world.village1, world.village2]))
    assert context["logs_total"] == recount_logs(logs, NOVEMBER, NOW)
    assert context["logs_total"]["filed"] == 4


@pytest.mark.parametrize("who", ["district1", "township1_user", "township2_user", "village1_user", "station1"])
def test_publicity_totals_equal_the_recount(world, login, who):
    build_publicity(world)
    user = getattr(world, who)
    context = login(user).get(URL, MAY_JUNE_QUERY).context
    expected = recount_publicity(
        list(activities_visible_to(user).select_related("log")), list(distributions_visible_to(user)), MAY_JUNE
    )
    assert context["publicity_total"] == expected


def test_publicity_known_answers_and_links(world, login):
    made = build_publicity(world)
    client = login(world.district1)
    context = client.get(URL, MAY_JUNE_QUERY).context
    total = context["publicity_total"]
    # The July activity is after the period; township 2's campaign has no activities.
    assert (total["activities"], total["participants"], total["households"]) == (2, 42, 14)
    assert (total["villages"], total["campaigns_distributed"]) == (3, 2)
    rows = _rows_by_label(context["publicity_rows"])
    row, links = rows[made.campaign.title]
    assert (row["villages"], row["activities"]) == (2, 2)
    assert client.get(links["activities"]).context["filter"].qs.count() == 2
    assert rows["防溺水宣传"][0] == {"villages": 1, "activities": 0, "participants": 0, "households": 0}
    # Narrowed to a township: the activity list follows with its township filter.
    narrowed = client.get(URL, {**MAY_JUNE_QUERY, "area": world.township2.pk}).context
    assert narrowed["publicity_total"]["villages"] == 1 and narrowed["publicity_total"]["activities"] == 0
    t1 = client.get(URL, {**MAY_JUNE_QUERY, "area": world.township1.pk}).context
    link = t1["publicity_total_links"]["activities"]
    assert f"township={world.township1.pk}" in link
    assert client.get(link).context["filter"].qs.count() == t1["publicity_total"]["activities"] == 2
    assert Activity.objects.count() == 3 and VillageDistribution.objects.count() == 3


def test_log_list_open_status_lists_every_status_of_the_flow(world, rows, login):
    client = login(world.township1_user)
    listed = client.get(reverse("sentiment:list"), {"status": "open"}).context["filter"].qs
    assert set(listed) == {rows.overdue, rows.open, rows.back}
    assert "In the flow (all)" in client.get(reverse("sentiment:list")).content.decode()


def _more(world, n: int) -> None:
    for i in range(n):
        log = make_log(world, world.grid1 if i % 2 else world.grid2, occurred_at=local(11, 3 + i % 10),
                       kind=Log.Kind.values[i % 5], category=Log.Category.values[i % 10])  # fmt: skip
        make_matter(world, log, created_at=local(11, 3), due_on=local(11, 10).date(),
                    matter_type=AgencyMatter.Type.values[i % 10])  # fmt: skip


@pytest.mark.parametrize("who", ["district1", "township1_user", "station1"])
def test_query_count_does_not_grow_with_the_rows(world, login, django_assert_max_num_queries, who):
    build_publicity(world)
    client = login(getattr(world, who))
    _more(world, 2)
    with django_assert_max_num_queries(40) as few:
        client.get(URL, NOVEMBER_QUERY)
    _more(world, 18)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL, NOVEMBER_QUERY)
    assert response.context["logs_total"]["filed"] == 20
