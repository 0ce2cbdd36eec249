"""The demo's township stations and institutes (站所): township1's 司法所 (login unit1) and
民政办 (unit2), with disputes and logs the township assigned them at every state."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.urls import reverse

from disputes import rules as dispute_rules
from disputes.models import Dispute, Level
from disputes.selectors import disputes_visible_to
from govcenter.demo import DEMO_PASSWORD
from govcenter.models import Area, Department, Notification, User
from sentiment.models import Log
from sentiment.selectors import logs_visible_to

Status = Dispute.Status


@pytest.fixture
def seeded(seeded_demo, db):
    return seeded_demo


def test_unit1_and_unit2_are_township1s_justice_and_civil_affairs_offices(seeded, rf):
    township1 = Area.objects.get(code="330102001000")
    for username, kind in (("unit1", Department.Kind.JUSTICE), ("unit2", Department.Kind.CIVIL_AFFAIRS)):
        user = User.objects.select_related("department").get(username=username)
        assert user.role == User.Role.UNIT_STAFF and user.full_name
        assert (user.department.township, user.department.kind) == (township1, kind)
        assert authenticate(rf.post("/accounts/login/"), username=username, password=DEMO_PASSWORD) == user
        user.full_clean()
    assert not Department.objects.filter(township__isnull=False).exclude(township=township1).exists()


def test_unit1_finds_cases_at_every_state_and_only_its_own(seeded, login):
    unit1 = User.objects.get(username="unit1")
    township1_staff = User.objects.get(username="township1")
    cases = Dispute.objects.filter(department=unit1.department)
    at_unit = cases.filter(level=Level.TOWNSHIP_UNIT)
    assert set(at_unit.values_list("status", flat=True)) == {Status.REGISTERED, Status.IN_MEDIATION}
    assert all(dispute_rules.can_accept(unit1, d) for d in at_unit.filter(status=Status.REGISTERED))
    awaiting = cases.get(level=Level.TOWNSHIP, status=Status.AWAITING_CONFIRMATION)
    assert dispute_rules.can_confirm_feedback(township1_staff, awaiting)
    confirmed = cases.get(status=Status.RESOLVED)
    assert confirmed.result_level == Level.TOWNSHIP_UNIT and confirmed.awaiting_parties
    # unit1 sees exactly the cases assigned to its office (now or before), in the list as on the page.
    assert set(disputes_visible_to(unit1)) == set(cases)
    page = login(unit1).get(reverse("disputes:list"))
    assert page.status_code == 200 and {row.pk for row in page.context["page"]} == set(
        cases.values_list("pk", flat=True)
    )
    assert cases.count() == 4
    unit2 = User.objects.get(username="unit2")
    assert Dispute.objects.get(department=unit2.department).status == Status.ACCEPTED
    assert login(unit2).get(reverse("disputes:detail", args=[awaiting.pk])).status_code == 404
    # Each assignment told the office once.
    for d in at_unit:
        titles = Notification.objects.filter(recipient=unit1, url=d.get_absolute_url()).values_list("title", flat=True)
        assert (
            list(titles).count(f"Dispute {d.notice_name()} assigned to {unit1.department} by the township centre") == 1
        )


def test_the_units_have_logs_in_hand_and_fed_back(seeded, login):
    unit1, unit2 = User.objects.get(username="unit1"), User.objects.get(username="unit2")
    in_hand = Log.objects.get(department=unit1.department)
    assert (in_hand.level, in_hand.status) == (Level.TOWNSHIP_UNIT, Log.Status.IN_HAND)
    fed_back = Log.objects.get(department=unit2.department)
    assert fed_back.status == Log.Status.FED_BACK and fed_back.awaiting_parties
    assert set(logs_visible_to(unit1)) == {in_hand}
    queue = login(unit1).get(reverse("sentiment:queue"), {"tab": "in_hand"})
    assert queue.status_code == 200 and [log.pk for log in queue.context["page"]] == [in_hand.pk]
