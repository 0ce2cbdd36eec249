"""The demo's urgent items (紧急, issue 12 items 4 and 8): village1 finds an urgent dispute
first in its ledger; district1 finds the urgent incident report village1 passed straight to
it first in its queue; station1 finds both first in its review queue. All made by the
services (one timeline event each, the alarms sent), and none sent again by e-mail or SMS."""

from __future__ import annotations

import pytest
from django.urls import reverse

from disputes.models import Dispute, DisputeEvent
from govcenter.levels import Level
from govcenter.models import Notification, User
from govcenter.urgent import UrgentReason
from sentiment.models import Log, LogEvent


@pytest.fixture
def seeded(seeded_demo, db):
    return seeded_demo


def _login(client, username):
    client.force_login(User.objects.get(username=username))
    return client


def _urgent_dispute() -> Dispute:
    return Dispute.objects.get(urgent_at__isnull=False, village__users__username="village1")


def _urgent_log() -> Log:
    return Log.objects.get(urgent_at__isnull=False)


def test_village1_finds_an_urgent_dispute_first_in_its_ledger(seeded, client):
    d = _urgent_dispute()
    assert (d.level, d.status, d.urgent_reason) == (Level.VILLAGE, Dispute.Status.REGISTERED, "mass_incident")
    assert d.events.filter(kind=DisputeEvent.Kind.MARKED_URGENT).count() == 1
    page = _login(client, "village1").get(reverse("disputes:list"))
    assert list(page.context["page"])[0].pk == d.pk
    assert "urgent-badge" in page.content.decode()
    # The alarm reached the three centres and the police of the place, once each.
    alarmed = set(
        Notification.objects.filter(urgent=True, url=d.get_absolute_url()).values_list("recipient__username", flat=True)
    )
    assert {"village1", "township1", "district1", "station1"} <= alarmed
    assert Notification.objects.filter(urgent=True, url=d.get_absolute_url()).count() == len(alarmed)


def test_district1_finds_the_urgent_incident_passed_straight_to_it_first(seeded, client):
    log = _urgent_log()
    assert (log.kind, log.urgent_reason) == (Log.Kind.INCIDENT, UrgentReason.DANGER_TO_LIFE)
    assert (log.level, log.status) == (Level.DISTRICT, Log.Status.REPORTED_UP)
    passed = log.events.get(kind=LogEvent.Kind.REPORTED_UP)
    assert (passed.from_level, passed.to_level) == (Level.VILLAGE, Level.DISTRICT)
    assert passed.actor.username == "village1"
    queue = _login(client, "district1").get(reverse("sentiment:queue"), {"tab": "new"})
    assert list(queue.context["page"])[0].pk == log.pk
    told = Notification.objects.filter(recipient__username="township1", url=log.get_absolute_url())
    assert told.filter(title__contains="passed straight").count() == 1


@pytest.mark.parametrize("username", ["station1", "police1"])
def test_the_police_find_the_urgent_items_first_in_their_review_queue(seeded, client, username):
    sections = {s["key"]: s for s in _login(client, username).get(reverse("police_queue")).context["sections"]}
    assert sections["disputes"]["rows"][0].pk == _urgent_dispute().pk
    assert sections["logs"]["rows"][0].pk == _urgent_log().pk


def test_the_demo_sends_no_alarm_about_the_past(seeded):
    assert not Notification.objects.filter(urgent=True, delivered_at__isnull=True).exists()
