"""The dashboard on the home page (issue 14, item 1): every figure recounted in plain Python
over the rows of the user's jurisdiction (tests/analysis/ledger.py), the trend's months and
counts, the chart data equal to the tables, jurisdiction, query counts."""

from __future__ import annotations

import datetime
import json
import re
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from analysis.dashboard import month_period, trend
from disputes.models import Dispute
from disputes.selectors import disputes_visible_to
from govcenter.levels import local_date
from govcenter.models import Area
from grids.models import Grid
from sentiment.models import AgencyMatter, Log
from sentiment.selectors import agency_matters_visible_to, logs_visible_to
from tests.disputes.helpers import at, register

from .ledger import NOW, OPEN, RESOLVED, build_ledger, recount

HOME = reverse("home")
CENTRES = ["district1", "township1_user", "township2_user", "village1_user", "village2_user", "station1", "admin"]


@pytest.fixture
def ledger(world):
    return build_ledger(world)


@pytest.fixture(autouse=True)
def frozen_now():
    with mock.patch("govcenter.views.timezone.now", return_value=NOW):
        yield


def _panel(response) -> dict | None:
    for item in response.context["home_panels"]:
        if item["key"] == "dashboard":
            return item["panel"]
    return None


def _month(year: int, month: int):
    return month_period(datetime.date(year, month, 1))


def test_anonymous_goes_to_login(client, db):
    response = client.get(HOME)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("who", CENTRES)
def test_month_figures_equal_the_recount(world, ledger, login, who):
    user = getattr(world, who)
    panel = _panel(login(user).get(HOME))
    rows = list(disputes_visible_to(user))
    for key, period in (("this", _month(2026, 11)), ("last", _month(2026, 10)), ("last_year", _month(2025, 11))):
        expected = recount(rows, period, NOW)
        assert {name: panel[key][name] for name in expected} == expected, key
    assert panel["urgent"] == sum(d.status in OPEN and d.urgent_at is not None for d in rows)


def test_the_figures_are_not_all_zero(world, ledger, login):
    """So that the recount comparisons can fail: township1's November has cases of every kind."""
    panel = _panel(login(world.township1_user).get(HOME))
    assert (panel["this"]["registered"], panel["this"]["resolved"], panel["this"]["overdue"]) == (6, 3, 1)
    assert panel["this"]["supervised"] == 1
    assert panel["last"]["registered"] == 1  # c.late, registered in October
    assert panel["this"]["repeat_rate"] == 0.5


def test_an_urgent_open_case_is_counted(world, ledger, login):
    Dispute.objects.filter(pk=ledger.overdue.pk).update(urgent_at=at(10), urgent_reason="major_incident")
    Dispute.objects.filter(pk=ledger.village.pk).update(urgent_at=at(1), urgent_reason="major_incident")  # resolved
    assert _panel(login(world.township1_user).get(HOME))["urgent"] == 1


@pytest.mark.parametrize(
    "who,level", [("district1", "township"), ("township1_user", "village"), ("village1_user", None)]
)
def test_area_rows_equal_the_recount_of_each_area(world, ledger, login, who, level):
    user = getattr(world, who)
    panel = _panel(login(user).get(HOME))
    rows = list(disputes_visible_to(user))
    november = _month(2026, 11)
    if level is None:  # a village is broken down by grid
        names = {g.name: g.pk for g in Grid.objects.filter(village=world.village1)}
        assert [label for label, *_rest in panel["area_rows"]] == [world.grid1.name]
        for label, row, _links, _drill in panel["area_rows"]:
            expected = recount([d for d in rows if d.grid_id == names[label]], november, NOW)
            assert {k: row[k] for k in expected} == expected
        return
    areas = {a.name: a.pk for a in Area.objects.filter(level=level)}
    assert panel["area_rows"]
    for label, row, _links, _drill in panel["area_rows"]:
        expected = recount([d for d in rows if getattr(d, f"{level}_id") == areas[label]], november, NOW)
        assert {k: row[k] for k in expected} == expected, label


def test_a_township_sees_only_its_villages(world, ledger, login):
    panel = _panel(login(world.township1_user).get(HOME))
    labels = {label for label, *_rest in panel["area_rows"]}
    assert labels == {world.village1.name, world.village2.name}
    assert world.village3.name not in labels
    assert panel["this"]["registered"] == sum(
        d.township_id == world.township1.pk
        and d.registered_at >= _month(2026, 11).start
        and d.registered_at < _month(2026, 11).end
        for d in Dispute.objects.all()
    )


def test_the_registered_link_lists_as_many_as_it_counts(world, ledger, login):
    client = login(world.township1_user)
    panel = _panel(client.get(HOME))
    assert client.get(panel["links"]["registered"]).context["count"].value == panel["this"]["registered"]
    assert client.get(panel["links"]["overdue"]).context["count"].value == panel["this"]["overdue"]
    assert client.get(panel["links"]["supervised"]).context["count"].value == panel["this"]["supervised"]
    assert client.get(panel["last_links"]["registered"]).context["count"].value == panel["last"]["registered"]


def test_the_trend_months_and_counts(world, ledger, login):
    user = world.district1
    panel = _panel(login(user).get(HOME))
    months = [row["month"] for row in panel["trend"]]
    assert months[0] == datetime.date(2025, 12, 1) and months[-1] == datetime.date(2026, 11, 1)
    assert len(months) == 12
    rows = list(disputes_visible_to(user))
    for row in panel["trend"]:

        def same_month(moment, month=row["month"]):
            return moment is not None and local_date(moment).replace(day=1) == month

        assert row["registered"] == sum(same_month(d.registered_at) for d in rows), row
        assert row["resolved"] == sum(d.status in RESOLVED and same_month(d.resolved_at) for d in rows), row
    # Every case but c.december (registered after NOW) is within the 12 months.
    assert sum(row["registered"] for row in panel["trend"]) == len(rows) - 1


def test_the_trend_is_one_query_at_a_local_month_boundary(world, ledger):
    # 23:30 in Shanghai on 31 October is 15:30 UTC: October, not November.
    late = datetime.datetime(2026, 10, 31, 23, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
    register(world.grid1_user, grid=world.grid1, when=late)
    with CaptureQueriesContext(connection) as queries:
        rows = trend(Dispute.objects.filter(township=world.township1), datetime.date(2026, 11, 1))
    assert len(queries) == 1
    by_month = {row["month"]: row["registered"] for row in rows}
    assert by_month[datetime.date(2026, 10, 1)] == 2  # c.late and the one at 23:30


def _table(html: str, table_id: str) -> list[list[str]]:
    body = re.search(rf'<table[^>]*id="{table_id}".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    out = []
    for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)]
        out.append(cells)
    return out


def test_the_chart_data_equals_the_tables(world, ledger, login):
    html = login(world.district1).get(HOME).content.decode()
    data = json.loads(
        re.search(r'<script id="dashboard-chart-data" type="application/json">(.*?)</script>', html, re.S).group(1)
    )
    trend_rows = _table(html, "dash-trend")
    assert data["trend"]["labels"] == [r[0] for r in trend_rows]
    assert data["trend"]["registered"] == [int(r[1]) for r in trend_rows]
    assert data["trend"]["resolved"] == [int(r[2]) for r in trend_rows]
    area_rows = _table(html, "dash-areas")
    assert data["areas"]["labels"] == [r[0] for r in area_rows]
    assert data["areas"]["registered"] == [int(r[1]) for r in area_rows]
    assert data["areas"]["resolved"] == [int(r[2]) for r in area_rows]
    assert sum(data["trend"]["registered"]) > 0
    # The chart's script is the vendored file, no inline script.
    assert "vendor/chartjs/chart.umd.min.js" in html


@pytest.mark.parametrize("who", ["district1", "township1_user", "village1_user", "station1"])
def test_logs_and_agency_matters_equal_the_recount(world, ledger, login, who):
    user = getattr(world, who)
    panel = _panel(login(user).get(HOME))
    logs = list(logs_visible_to(user))
    assert panel["logs_open"] == sum(log.status in Log.OPEN_FLOW_STATUSES for log in logs)
    matters = [m for m in agency_matters_visible_to(user) if m.status == AgencyMatter.Status.OPEN]
    assert panel["agency_open"] == len(matters)
    assert panel["agency_overdue"] == sum(m.due_on < local_date(NOW) for m in matters)


def test_a_grid_worker_sees_their_grid(world, ledger, login):
    user = world.grid1_user
    panel = _panel(login(user).get(HOME))
    rows = list(disputes_visible_to(user))
    assert {d.grid_id for d in rows} <= {world.grid1.pk}
    november = _month(2026, 11)
    assert panel["kind"] == "grid"
    assert panel["this"]["registered"] == sum(november.start <= d.registered_at < november.end for d in rows) == 5
    assert panel["this"]["open"] == sum(d.status in OPEN for d in rows)
    assert panel["this"]["overdue"] == sum(d.status in OPEN and d.due_at is not None and d.due_at < NOW for d in rows)


@pytest.mark.parametrize("who", ["police1", "aux1", "unit1_user", "dept1"])
def test_roles_without_a_dashboard_see_none(world, login, who):
    response = login(getattr(world, who)).get(HOME)
    assert response.status_code == 200
    assert _panel(response) is None


def _disputes(world, n: int) -> None:
    for i in range(n):
        register(
            world.grid1_user if i % 2 else world.grid2_user,
            grid=world.grid1 if i % 2 else world.grid2,
            category=Dispute.Category.values[i % 5],
        )


@pytest.mark.parametrize("who", ["district1", "township1_user", "village1_user", "station1", "grid1_user", "admin"])
def test_the_home_query_count_does_not_grow_with_the_rows(world, login, django_assert_max_num_queries, who):
    client = login(getattr(world, who))
    _disputes(world, 2)
    client.get(HOME)  # warm the per-session caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(HOME).status_code == 200
    _disputes(world, 18)
    with django_assert_max_num_queries(len(few)):
        assert client.get(HOME).status_code == 200


@pytest.mark.parametrize("who", ["district1", "township1_user", "village1_user", "station1", "grid1_user"])
def test_the_open_now_link_lists_as_many_as_it_counts(world, ledger, login, who):
    client = login(getattr(world, who))
    response = client.get(HOME)
    panel = _panel(response)
    assert panel["this"]["open"]
    link = panel["links"]["open"]
    assert "status=open" in link
    assert client.get(link).context["count"].value == panel["this"]["open"]
    assert f'id="dash-open" href="{link.replace("&", "&amp;")}"' in response.content.decode()
    for _label, row, links, _drill in panel.get("area_rows", []):
        if links:
            assert client.get(links["open"]).context["count"].value == row["open"]
