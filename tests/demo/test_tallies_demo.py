"""The dispute and log tallies of the seeded demo equal a recount of their rows, and the
statistics page of a year of the district (read from the tallies) equals the rows' figures."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.urls import reverse

from analysis import figures, tallies
from analysis.activity import log_counts_by
from analysis.models import LOG_TALLY_COUNTERS, TALLY_COUNTERS, DisputeTally, LogTally
from disputes.selectors import disputes_visible_to
from govcenter.levels import local_date
from govcenter.models import User
from sentiment.models import Log
from sentiment.selectors import logs_visible_to


@pytest.fixture
def seeded(seeded_demo, db):
    return seeded_demo


def test_the_tallies_equal_a_recount(seeded):
    stored = {
        (t.month, t.district_id, t.township_id, t.dimension, t.value): [getattr(t, n) for n in TALLY_COUNTERS]
        for t in DisputeTally.objects.all()
    }
    assert {k: v for k, v in stored.items() if any(v)} == {k: v for k, v in tallies.recount().items() if any(v)}
    assert stored


def test_the_log_tallies_equal_a_recount(seeded):
    stored = {
        (t.month, t.district_id, t.township_id, t.dimension, t.value): [getattr(t, n) for n in LOG_TALLY_COUNTERS]
        for t in LogTally.objects.all()
    }
    assert {k: v for k, v in stored.items() if any(v)} == {k: v for k, v in tallies.LOGS.recount().items() if any(v)}
    assert stored


def test_a_year_of_the_district_from_the_tallies_equals_the_rows(seeded, client):
    user = User.objects.get(username="district1")
    client.force_login(user)
    now = seeded.at
    year = local_date(now).year
    with mock.patch("analysis.views.timezone.now", return_value=now):
        response = client.get(reverse("analysis:statistics"), {"period": "year", "year": str(year)})
    assert response.status_code == 200
    period = figures.Period.of_dates(datetime.date(year, 1, 1), datetime.date(year, 12, 31))
    assert response.context["total"] == figures.counts(disputes_visible_to(user), period, now=now)
    # The log tables too: read from the log tallies, equal to the rows' grouped counts.
    (_kind, by_kind), (_category, by_category) = response.context["log_tables"]
    logs = logs_visible_to(user)
    zeros = dict.fromkeys(("filed", "handled", "open", "overdue"), 0)
    for dimension, choices, shown in (
        ("kind", Log.Kind.choices, by_kind),
        ("category", Log.Category.choices, by_category),
    ):
        raw = log_counts_by(logs, period, dimension, now=now)
        assert [counts for _label, counts, _links in shown] == [raw.get(value, zeros) for value, _l in choices]
    assert any(counts["filed"] for _label, counts, _links in by_kind)
