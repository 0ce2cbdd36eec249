"""The home dashboard on the seeded demo, as district1, township1, village1, station1 and
grid1 would see it: this month's figures and the trend equal a row-by-row recount."""

from __future__ import annotations

from unittest import mock

import pytest
from django.urls import reverse

from analysis.dashboard import month_period, month_start
from disputes.selectors import disputes_visible_to
from govcenter.levels import local_date
from govcenter.models import User
from publicity.selectors import activities_visible_to
from tests.analysis.ledger import RESOLVED, recount


@pytest.fixture
def seeded(seeded_demo, db):
    return seeded_demo


def _panel(client, now):
    with mock.patch("govcenter.views.timezone.now", return_value=now):
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return next(item["panel"] for item in response.context["home_panels"] if item["key"] == "dashboard")


@pytest.mark.parametrize("username", ["district1", "township1", "village1", "station1", "grid1"])
def test_this_months_figures_equal_a_recount(seeded, client, username):
    user = User.objects.get(username=username)
    client.force_login(user)
    now = seeded.at
    panel = _panel(client, now)
    rows = list(disputes_visible_to(user))
    expected = recount(rows, month_period(month_start(local_date(now))), now)
    assert {k: panel["this"][k] for k in expected} == pytest.approx(expected)
    assert panel["this"]["open"] > 0 or username == "grid1"


def test_the_districts_trend_equals_a_recount(seeded, client):
    user = User.objects.get(username="district1")
    client.force_login(user)
    panel = _panel(client, seeded.at)
    rows = list(disputes_visible_to(user))
    for row in panel["trend"]:

        def in_month(moment, month=row["month"]):
            return moment is not None and local_date(moment).replace(day=1) == month

        assert row["registered"] == sum(in_month(d.registered_at) for d in rows)
        assert row["resolved"] == sum(d.status in RESOLVED and in_month(d.resolved_at) for d in rows)
    assert sum(row["registered"] for row in panel["trend"]) > 0


@pytest.mark.parametrize("username", ["district1", "township1", "village1"])
def test_the_log_and_agency_links_list_as_many_as_they_count(seeded, client, username):
    client.force_login(User.objects.get(username=username))
    response = client.get(reverse("home"))
    panel = next(item["panel"] for item in response.context["home_panels"] if item["key"] == "dashboard")
    for _label, n, url in panel["logs"]:
        assert client.get(url).context["filter"].qs.count() == n, url
    assert client.get(panel["agency_open_url"]).context["filter"].qs.count() == panel["agency_open"]
    assert client.get(panel["agency_overdue_url"]).context["filter"].qs.count() == panel["agency_overdue"]
    assert panel["logs_open"] + panel["agency_open"] > 0 or username != "district1"


@pytest.mark.parametrize("username", ["district1", "township1", "village1", "station1"])
def test_publicity_activities_this_month_equal_a_recount(seeded, client, username):
    user = User.objects.get(username=username)
    client.force_login(user)
    panel = _panel(client, seeded.at)
    period = month_period(month_start(local_date(seeded.at)))
    held = [a for a in activities_visible_to(user) if period.first <= a.held_on <= period.last]
    assert panel["publicity"] == len(held)
    assert client.get(panel["publicity_url"]).context["filter"].qs.count() == len(held)
