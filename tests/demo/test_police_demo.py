"""The demo's police review queue: station1 and police1 find a fraud case and a hazard log
waiting, and nothing older than two days is still waiting or overdue."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from disputes.models import Dispute
from govcenter.models import User
from sentiment.models import Log


@pytest.fixture
def seeded(seeded_demo, db):
    return seeded_demo


@pytest.mark.parametrize("username", ["station1", "police1"])
def test_the_police_find_a_fraud_case_and_a_hazard_log_waiting(seeded, client, username):
    client.force_login(User.objects.get(username=username))
    sections = {s["key"]: s for s in client.get(reverse("police_queue")).context["sections"]}
    disputes, logs = sections["disputes"]["rows"], sections["logs"]["rows"]
    assert any(d.category == Dispute.Category.ONLINE_FRAUD for d in disputes)
    assert any(d.risk_criminal for d in disputes)
    assert any(log.category == Log.Category.SECURITY_HAZARD for log in logs)
    tiles = {t["key"]: t["count"] for t in client.get(reverse("home")).context["police_tiles"]}
    assert tiles["awaiting_review"] == sections["disputes"]["count"] + sections["logs"]["count"] > 0


def test_nothing_old_waits_and_nothing_is_overdue(seeded):
    old = timezone.now() - datetime.timedelta(days=3)
    live = Dispute.objects.exclude(status="archived").exclude(village=None)  # disputes.police: the queue's
    assert not live.filter(police_review="pending", registered_at__lt=old)
    assert not Log.objects.filter(police_review="pending", created_at__lt=old)
    assert not live.filter(police_review="pending", police_review_due_at__lt=timezone.now())
    # The older queued ones were judged, with a verdict.
    assert Dispute.objects.filter(police_review="given").exclude(police_verdict="").exists()
    assert Log.objects.filter(police_review="given").exclude(police_verdict="").exists()
