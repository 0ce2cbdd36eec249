"""The statistics page (统计报表) on the seeded demo, as district1, township1, village1 and
station1 would try it: every total equals a row-by-row recount of what the user may see."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.urls import reverse

from analysis.figures import Period
from disputes.selectors import disputes_visible_to
from govcenter.levels import local_date
from govcenter.models import User
from tests.analysis.ledger import recount


@pytest.fixture
def seeded(seeded_demo, db):
    return seeded_demo


@pytest.mark.parametrize("username", ["district1", "township1", "village1", "station1"])
def test_the_totals_equal_a_recount(seeded, client, username):
    user = User.objects.get(username=username)
    client.force_login(user)
    now = seeded.at
    last = local_date(now)
    first = last - datetime.timedelta(days=365)
    with mock.patch("analysis.views.timezone.now", return_value=now):
        response = client.get(
            reverse("analysis:statistics"),
            {"period": "range", "date_from": first.isoformat(), "date_to": last.isoformat()},
        )
    assert response.status_code == 200
    total = response.context["total"]
    expected = recount(list(disputes_visible_to(user)), Period.of_dates(first, last), now)
    assert {k: total[k] for k in expected} == pytest.approx(expected)
    assert total["registered"] > 0


def test_the_district_demo_has_something_in_every_column(seeded, client):
    client.force_login(User.objects.get(username="district1"))
    last = local_date(seeded.at)
    response = client.get(
        reverse("analysis:statistics"),
        {
            "period": "range",
            "date_from": (last - datetime.timedelta(days=365)).isoformat(),
            "date_to": last.isoformat(),
        },
    )
    total = response.context["total"]
    assert total["resolved"] and total["open"] and total["closed"]
