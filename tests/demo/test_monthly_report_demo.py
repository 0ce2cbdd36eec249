"""The monthly report (月报) on the seeded demo: township1 submitted last month's report,
its figures those of a recount at the time of the seed; district1 sees it submitted and
the other townships not."""

from __future__ import annotations

import pytest
from django.urls import reverse

from analysis.models import MonthlyReport
from analysis.reports import last_month
from disputes.models import Dispute
from govcenter.levels import local_date
from govcenter.models import User
from tests.analysis.ledger import recount


@pytest.fixture
def seeded(seeded_demo, db):
    return seeded_demo


def test_township1_submitted_last_month(seeded, client):
    township1 = User.objects.get(username="township1")
    report = MonthlyReport.objects.get(township=township1.area)
    assert report.is_submitted and report.month == last_month(local_date(seeded.at))
    expected = recount(list(Dispute.objects.filter(township=township1.area)), report.period, report.submitted_at)
    # Open, overdue and supervised are the state at the submission: only the period's counts are recounted.
    for key in ("registered", "resolved", "not_resolved", "transferred", "resolution_rate", "on_time_rate"):
        assert report.figures[key] == pytest.approx(expected[key])
    client.force_login(User.objects.get(username="district1"))
    rows = client.get(reverse("analysis:reports")).context["overview"]
    assert [row["township"] for row in rows if row["submitted"]] == [township1.area]
    assert len(rows) > 1
