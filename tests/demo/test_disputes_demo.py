"""The demo ledger: 200+ disputes in every status, level, category and source, taken
through the real services, the same on a second run."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.db.models import Count, Min, Q

from disputes import demo, rules
from disputes.models import Dispute, DisputeEvent, FollowUp, Level, MediationRecord, Party, PoliceReview, RiskLevel
from govcenter.models import Notification, User
from govcenter.pii import validate_id_number

Status, Source, Category = Dispute.Status, Dispute.Source, Dispute.Category


def ours():
    """The disputes of this demo (other apps' demos register a few too, e.g. from a sentiment log)."""
    return Dispute.objects.filter(source_reference__startswith=demo.MARKER)


def counts() -> dict[str, int]:
    models = [Dispute, Party, MediationRecord, FollowUp, PoliceReview, DisputeEvent, Notification]
    return {m.__name__: m.objects.count() for m in models}


@pytest.fixture
def seeded(seeded_demo, db):
    """The time the demo was seeded: once for tests/demo (tests/demo/conftest.py ``seeded_demo``); what
    a test writes is rolled back after it."""
    return seeded_demo.at


def test_a_second_seed_creates_nothing(seeded):
    before = counts()
    assert demo.seed({"district": User.objects.get(username="district1").area}) == []
    assert demo.seed(None) == []  # without a context: the district of district1
    call_command("seed_demo", verbosity=0)
    assert counts() == before


# One seed takes a few seconds: the checks share one seeded database.


def test_the_ledger_covers_every_status_level_category_source_risk_and_deadline_state(seeded):
    check_coverage(seeded)
    check_overdue_and_supervised(seeded)
    check_due_soon_case_in_village1(seeded)


def test_police_find_a_transfer_waiting_and_the_ledger_a_court_referral_awaiting_its_outcome(seeded):
    station1 = User.objects.get(username="station1")
    transferred = ours().transferred_to_police()
    done = transferred.filter(police_transfer__acknowledged_at__isnull=False)
    assert done.exclude(police_transfer__case_number="").count() == done.count() >= 1
    waiting = transferred.filter(
        police_transfer__acknowledged_at__isnull=True, police_transfer__station=station1.police_station
    )
    assert waiting.count() == 1
    assert rules.can_acknowledge_transfer(station1, waiting.get()) is True
    unread = Notification.objects.filter(recipient=station1, read_at__isnull=True, url=waiting.get().get_absolute_url())
    # Once for the transfer (a fraud case flagged 民转刑 also awaits the police review).
    assert [n.title for n in unread].count(
        f"Dispute {waiting.get().notice_name()} was transferred to your station by the Village centre"
    ) == 1
    assert ours().awaiting_court_outcome().exists()
    # Every referral to litigation names its court and date.
    litigation = ours().filter(status=Status.NOT_RESOLVED, referral=Dispute.Referral.LITIGATION)
    assert litigation.count() == ours().referred_to_court().count() >= 2


def test_the_ledgers_records_are_consistent(seeded):
    check_numbers(seeded)
    check_timelines(seeded)
    check_closed_cases(seeded)
    check_parties(seeded)
    check_no_mail_about_the_past(seeded)


def check_coverage(seeded):
    qs = Dispute.objects.all()
    assert ours().count() >= 200
    assert set(qs.values_list("status", flat=True)) == set(Status.values)
    assert set(qs.values_list("level", flat=True)) == set(Level.values)
    assert set(qs.values_list("category", flat=True)) == set(Category.values)
    assert set(qs.values_list("source", flat=True)) == set(Source.values)
    assert set(qs.values_list("risk_level", flat=True)) == set(RiskLevel.values)
    for flag in ("risk_criminal", "risk_mass_incident", "vulnerable_party"):
        assert qs.filter(**{flag: True}).exists(), flag
    assert (
        qs.filter(status=Status.NOT_RESOLVED).exclude(referral="").count()
        == qs.filter(status=Status.NOT_RESOLVED).count()
    )
    # Spread over the last months, across the demo villages.
    assert qs.aggregate(first=Min("registered_at"))["first"] < seeded - datetime.timedelta(days=90)
    assert qs.values("village").distinct().count() >= 8


def check_overdue_and_supervised(seeded):
    assert Dispute.objects.overdue(seeded).count() >= 3
    supervised = Dispute.objects.filter(supervised_at__isnull=False)
    assert supervised.exists()
    assert set(supervised.values_list("level", flat=True)) == {Level.DEPARTMENT}
    assert DisputeEvent.objects.filter(kind=DisputeEvent.Kind.SUPERVISED, actor__isnull=True).exists()
    assert DisputeEvent.objects.filter(kind=DisputeEvent.Kind.ESCALATED, actor__isnull=True).exists()  # the sweep


def check_numbers(seeded):
    numbers = list(Dispute.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers))
    assert all(n.startswith("MD-330102-") for n in numbers)
    # The demo registers in date order, so its numbers rise with the registration time.
    demo_numbers = list(ours().order_by("registered_at", "pk").values_list("number", flat=True))
    assert len(demo_numbers) >= 200 and demo_numbers == sorted(demo_numbers)


def check_timelines(seeded):
    assert not Dispute.objects.exclude(events__kind=DisputeEvent.Kind.REGISTERED).exists()
    registered = Count("events", filter=Q(events__kind=DisputeEvent.Kind.REGISTERED))
    assert not Dispute.objects.annotate(n=registered).exclude(n=1).exists()
    assert not DisputeEvent.objects.filter(dispute__in=ours(), at__gt=seeded).exists()
    for d in ours().prefetch_related("events"):
        events = list(d.events.all())
        assert events[0].kind == DisputeEvent.Kind.REGISTERED, d.number
        assert events[0].at == d.registered_at
        assert [e.at for e in events] == sorted(e.at for e in events), d.number


def check_closed_cases(seeded):
    archived = Dispute.objects.filter(status=Status.ARCHIVED)
    assert archived.exists()
    assert not archived.filter(follow_ups__visited_on__isnull=True, follow_ups__cancelled=False).exists()
    assert not archived.filter(mediations__isnull=True).exists()
    resolved = Dispute.objects.filter(status=Status.RESOLVED)
    assert not resolved.filter(resolved_at__isnull=True).exists()
    assert FollowUp.objects.filter(dispute__in=resolved, visited_on__isnull=True).exists()
    assert DisputeEvent.objects.filter(kind=DisputeEvent.Kind.REOPENED).exists()
    assert DisputeEvent.objects.filter(kind=DisputeEvent.Kind.FEEDBACK_REJECTED).exists()
    assert DisputeEvent.objects.filter(kind=DisputeEvent.Kind.DIVERTED).exists()


def check_parties(seeded):
    parties = Party.objects.filter(dispute__in=ours())
    with_id = parties.exclude(id_number_hash="")
    assert with_id.count() >= 100
    for party in with_id[:300]:
        assert validate_id_number(party.reveal_id_number()) == party.reveal_id_number()
        assert party.id_number_masked[:-4] == "*" * 14
    assert parties.filter(kind=Party.Kind.ORGANISATION, role=Party.Role.RESPONDENT).exists()
    assert not parties.filter(kind=Party.Kind.ORGANISATION).exclude(id_number_hash="").exists()
    assert parties.filter(resident__isnull=False).exists()
    # The texts name the parties.
    for d in ours().prefetch_related("parties")[:50]:
        applicant = d.parties.get(role=Party.Role.APPLICANT).name.split("等")[0]
        assert applicant in d.summary or f"{applicant[0]}某" in d.summary, (d.summary, applicant)


def check_due_soon_case_in_village1(seeded):
    village1 = User.objects.get(username="village1").area
    soon = ours().filter(due_at__gt=seeded, due_at__lte=seeded + datetime.timedelta(minutes=6))
    assert soon.count() == 1
    d = soon.get()
    assert (d.village, d.level, d.is_open) == (village1, Level.VILLAGE, True)
    assert d.events.last().due_at == d.due_at


def check_no_mail_about_the_past(seeded):
    about_ours = Notification.objects.filter(url__in=[d.get_absolute_url() for d in ours()])
    assert about_ours.count() >= 200
    assert not about_ours.filter(delivered_at__isnull=True).exists()
    old = about_ours.filter(created_at__lt=seeded - datetime.timedelta(days=3))
    assert old.exists() and not old.filter(read_at__isnull=True).exists()
    assert about_ours.filter(read_at__isnull=True).exists()  # the recent ones are new


def test_station1_and_police1_find_110_cases_in_police_mediation_linkage(seeded):
    from disputes import selectors

    station1, police1 = User.objects.get(username="station1"), User.objects.get(username="police1")
    linked = ours().filter(police_station=station1.police_station)
    assert linked.count() == len(demo.POLICE_CALLS)
    assert all(d.source == Source.POLICE_110 and d.alarm_number and d.alarm_at for d in linked)
    # Handed to the village and to the township centre and to the station's own room; one not yet.
    assert set(linked.values_list("handed_to", flat=True)) == {"village", "township", "station_room", ""}
    awaiting = list(selectors.awaiting_station_confirmation(station1))
    assert {d.status for d in awaiting} == {Status.RESOLVED, Status.NOT_RESOLVED}
    assert awaiting == list(selectors.awaiting_station_confirmation(police1))
    confirmed = linked.get(station_confirmed_at__isnull=False)
    assert confirmed.status == Status.RESOLVED and confirmed.events.filter(kind="station_confirmed").count() == 1
    room = linked.get(handed_to="station_room")
    assert room.status == Status.RESOLVED and room.handler == station1
    pending = linked.get(handed_to="")
    assert pending.registered_by == police1 and pending.is_open
    # The result of each case handed to a centre reached station1 once.
    for d in linked.filter(handed_to__in=["village", "township"], status__in=Dispute.CLOSED_STATUSES):
        assert (
            Notification.objects.filter(
                recipient=station1, url=d.get_absolute_url(), title__contains="returned"
            ).count()
            == 1
        )


def test_results_wait_for_the_parties_at_village1_and_grid1_and_one_is_back_for_review(seeded):
    """Issue 12, item 8: older results were told to the parties; recent ones wait in
    village1's and grid1's lists; an unsatisfied one is back under review."""
    from govcenter.feedback import awaiting_parties_q, sent_back_for_review_q

    village1 = User.objects.get(username="village1").area
    grid1 = User.objects.get(username="grid1")
    waiting = ours().filter(awaiting_parties_q(), status=Status.RESOLVED)
    assert waiting.filter(village=village1, registered_by=grid1, events__kind=DisputeEvent.Kind.FEEDBACK_CONFIRMED)
    assert ours().filter(parties_told_at__isnull=False, satisfaction="satisfied").exists()
    assert ours().filter(parties_told_at__isnull=False, satisfaction="basically").exists()
    review = ours().filter(sent_back_for_review_q(), status__in=Dispute.OPEN_STATUSES, village=village1)
    assert review.filter(level=Level.TOWNSHIP, registered_by=grid1).exists()
    assert Notification.objects.filter(recipient=grid1, title__startswith="Result of dispute").exists()
    # Nothing was told before its result came back, nor after the seed.
    for d in ours().filter(parties_told_at__isnull=False):
        assert d.result_returned_at <= d.parties_told_at <= seeded, d.number
