"""Township stations and institutes (站所) as handlers of disputes (issue 12 item 6): the
township centre assigns a case at its level to one of its units, whose staff accept,
mediate and return the result to the township, which confirms (the result then travels
down to the origin) or rejects it; who is notified at each step; who may and may not."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from disputes import rules
from disputes import services as s
from disputes.models import Dispute, DisputeEvent, Level
from disputes.tasks import escalate_overdue_now
from govcenter.feedback import Satisfaction
from govcenter.models import Department, Notification

from .helpers import T0, at, register

Status = Dispute.Status


def inbox(*users) -> dict[str, list[str]]:
    """Each user's notification titles, oldest first."""
    return {
        u.username: list(Notification.objects.filter(recipient=u).order_by("pk").values_list("title", flat=True))
        for u in users
    }


def at_township(world) -> Dispute:
    d = register(world.grid1_user, grid=world.grid1)
    s.dispute_escalate(dispute=d, actor=world.village1_user, reason="跨村纠纷", at=at(hours=1))
    s.dispute_accept(dispute=d, actor=world.township1_user, at=at(hours=2))
    return d


def assigned(world, unit=None) -> Dispute:
    d = at_township(world)
    return s.dispute_assign_unit(
        dispute=d, actor=world.township1_user, at=at(hours=3), unit=unit or world.unit1, note="请司法所调处"
    )


def returned(world) -> Dispute:
    d = assigned(world)
    s.dispute_accept(dispute=d, actor=world.unit1_user, at=at(hours=4))
    return s.dispute_return_feedback(dispute=d, actor=world.unit1_user, at=at(hours=6), result="双方达成协议")


def test_the_whole_path_from_the_grid_to_a_unit_and_back_down_notifies_each_level(world):
    everyone = [world.township1_user, world.unit1_user, world.unit1b_user, world.unit2_user]
    d = at_township(world)
    before = {u: len(titles) for u, titles in inbox(*everyone, world.village1_user, world.grid1_user).items()}

    d = s.dispute_assign_unit(dispute=d, actor=world.township1_user, at=at(hours=3), unit=world.unit1, note="请调处")
    assert (d.level, d.status, d.department, d.handler) == (Level.TOWNSHIP_UNIT, Status.REGISTERED, world.unit1, None)
    # The unit's deadline: 10 working days for a general case (the migration's row).
    assert d.due_at == datetime.datetime(2026, 11, 16, 23, 59, 59, tzinfo=T0.tzinfo)
    box = inbox(*everyone)
    assert box["unit1"] == [f"Dispute {d.notice_name()} assigned to 桃源司法所 by the township centre"]
    assert box["unit1b"] == [] and box["unit2"] == []  # another unit of the township, a unit of another one
    event = d.events.get(kind=DisputeEvent.Kind.ESCALATED, to_level=Level.TOWNSHIP_UNIT)
    assert (event.label, event.from_level, event.note) == (
        "Assigned to a township station or institute",
        Level.TOWNSHIP,
        "桃源司法所 · 请调处",
    )

    s.dispute_accept(dispute=d, actor=world.unit1_user, at=at(hours=4))
    s.dispute_record_mediation(
        dispute=d, actor=world.unit1_user, at=at(hours=5), held_on=at(hours=5).date(), method="on_site",
        mediator_kinds=[], mediators="司法所调解员", outcome="agreement",
    )  # fmt: skip
    assert d.__class__.objects.get(pk=d.pk).handler == world.unit1_user  # who accepted it handles it
    d = s.dispute_return_feedback(dispute=d, actor=world.unit1_user, at=at(hours=6), result="双方达成协议")
    assert (d.level, d.status, d.handler) == (Level.TOWNSHIP, Status.AWAITING_CONFIRMATION, None)
    assert (
        inbox(world.township1_user)["township1"][-1]
        == f"Result of dispute {d.notice_name()} returned for your confirmation"
    )
    assert d.events.get(kind=DisputeEvent.Kind.FEEDBACK_RETURNED).label == "Station's result returned to the township"

    d = s.dispute_confirm_feedback(dispute=d, actor=world.township1_user, at=at(hours=7))
    assert (d.status, d.result_level, d.department) == (Status.RESOLVED, Level.TOWNSHIP_UNIT, world.unit1)
    # The result travels down to the village that escalated it and the grid worker who found it, once each.
    after = inbox(world.village1_user, world.grid1_user, world.unit1b_user, world.unit2_user)
    for username in ("village1", "grid1"):
        new = after[username][before[username] :]
        assert [t for t in new if d.number in t and "result" in t.lower()] == [new[-1]], username
    assert after["unit1b"] == [] and after["unit2"] == []
    assert d.awaiting_parties
    d = s.dispute_tell_parties(
        dispute=d, actor=world.grid1_user, at=at(hours=8), how="phone", satisfaction=Satisfaction.SATISFIED
    )
    assert d.parties_told_at is not None and not d.awaiting_parties


def test_the_township_rejects_a_units_result_and_it_goes_back_to_the_unit(world):
    d = returned(world)
    d = s.dispute_reject_feedback(dispute=d, actor=world.township1_user, at=at(hours=7), reason="协议未履行")
    assert (d.level, d.status, d.department) == (Level.TOWNSHIP_UNIT, Status.ACCEPTED, world.unit1)
    assert rules.can_return_feedback(world.unit1_user, d)
    d = s.dispute_return_feedback(dispute=d, actor=world.unit1_user, at=at(hours=9), result="协议已履行")
    assert d.level == Level.TOWNSHIP and d.status == Status.AWAITING_CONFIRMATION


def test_unsatisfied_parties_send_a_units_result_back_to_the_unit(world):
    d = returned(world)
    s.dispute_confirm_feedback(dispute=d, actor=world.township1_user, at=at(hours=7))
    d = s.dispute_tell_parties(
        dispute=d, actor=world.village1_user, at=at(hours=8), how="phone", satisfaction=Satisfaction.UNSATISFIED
    )
    assert (d.level, d.department) == (Level.TOWNSHIP_UNIT, world.unit1)
    assert rules.can_accept(world.unit1_user, d) or rules.can_return_feedback(world.unit1_user, d)


def test_who_may_take_the_units_steps(world):
    d = at_township(world)
    for other in (world.township2_user, world.village1_user, world.district1, world.unit1_user, world.dept1):
        assert not rules.can_assign_unit(other, d), other
    assert rules.can_assign_unit(world.township1_user, d)
    with pytest.raises(s.DisputeError, match="Choose an active station or institute of this township."):
        s.dispute_assign_unit(dispute=d, actor=world.township1_user, at=at(hours=3), unit=world.unit2, note="n")
    Department.objects.filter(pk=world.unit1b.pk).update(is_active=False)
    world.unit1b.refresh_from_db()
    with pytest.raises(s.DisputeError, match="Choose an active station or institute of this township."):
        s.dispute_assign_unit(dispute=d, actor=world.township1_user, at=at(hours=3), unit=world.unit1b, note="n")
    with pytest.raises(s.DisputeError):  # a district department is not a unit of the township
        s.dispute_assign_unit(dispute=d, actor=world.township1_user, at=at(hours=3), unit=world.department, note="n")

    d = s.dispute_assign_unit(dispute=d, actor=world.township1_user, at=at(hours=3), unit=world.unit1, note="n")
    for other in (world.unit1b_user, world.unit2_user, world.township1_user, world.township2_user, world.dept1):
        assert not rules.can_accept(other, d), other
    assert rules.can_accept(world.unit1_user, d)
    s.dispute_accept(dispute=d, actor=world.unit1_user, at=at(hours=4))
    for other in (world.unit1b_user, world.unit2_user, world.township1_user):
        assert not rules.can_return_feedback(other, d), other
        assert not rules.can_record_mediation(other, d), other
    refusal = rules.can_escalate(world.unit1_user, d)
    assert not refusal
    assert refusal.reason == (
        "A township station or institute returns its result to the township centre; it does not escalate."
    )
    assert not rules.can_assign_unit(world.unit1_user, d)  # a unit does not pass it to another unit


def test_a_district_department_is_not_offered_to_the_township_nor_a_unit_to_the_district(world):
    from disputes.selectors import department_choices, unit_choices

    d = at_township(world)
    assert set(unit_choices(d)) == {world.unit1, world.unit1b}
    assert list(department_choices(d)) == [world.department]
    district_case = register(world.district1, source=Dispute.Source.HOTLINE_12345)
    with pytest.raises(s.DisputeError, match="Choose an active department of this district."):
        s.dispute_escalate(
            dispute=district_case, actor=world.district1, reason="r", at=at(hours=1), department=world.unit1
        )


def test_an_overdue_case_at_a_unit_is_supervised_there_and_the_township_told(world):
    d = assigned(world)
    s.dispute_accept(dispute=d, actor=world.unit1_user, at=at(hours=4))
    counts = escalate_overdue_now(at=d.due_at + datetime.timedelta(minutes=1))
    assert counts["supervised"] == 1 and counts["escalated"] == 0
    d.refresh_from_db()
    assert d.level == Level.TOWNSHIP_UNIT and d.supervised_at is not None
    title = f"Dispute {d.notice_name()} is overdue and under supervision"
    box = inbox(world.unit1_user, world.township1_user, world.district1, world.unit1b_user)
    assert box["unit1"].count(title) == 1 and box["township1"].count(title) == 1 and box["district1"].count(title) == 1
    assert title not in box["unit1b"]
    # Once per deadline: a second sweep at the same moment does nothing.
    assert escalate_overdue_now(at=d.due_at - datetime.timedelta(minutes=1))["supervised"] == 0


# --- pages --------------------------------------------------------------------------------------


def test_the_unit_sees_its_cases_now_and_after_they_returned_others_get_404(world, login, client):
    d = assigned(world)
    detail = reverse("disputes:detail", args=[d.pk])
    page = login(world.unit1_user).get(detail)
    assert page.status_code == 200 and "桃源司法所" in page.content.decode()
    assert "Accept this dispute" in page.content.decode()
    ledger = login(world.unit1_user).get(reverse("disputes:list"))
    assert [row.pk for row in ledger.context["page"]] == [d.pk]
    for other in (world.unit1b_user, world.unit2_user, world.dept1, world.township2_user):
        assert login(other).get(detail).status_code == 404, other
    s.dispute_accept(dispute=d, actor=world.unit1_user, at=at(hours=4))
    s.dispute_return_feedback(dispute=d, actor=world.unit1_user, at=at(hours=6), result="已调处")
    assert login(world.unit1_user).get(detail).status_code == 200  # returned: still theirs to read
    client.logout()
    anonymous = client.get(detail)
    assert anonymous.status_code == 302 and reverse("login") in anonymous["Location"]


def test_the_township_assigns_through_the_page(world, login):
    d = at_township(world)
    client = login(world.township1_user)
    page = client.get(reverse("disputes:detail", args=[d.pk]))
    assert "Assign to a township station or institute" in page.content.decode()
    response = client.post(reverse("disputes:assign_unit", args=[d.pk]), {"unit": world.unit1.pk, "note": "请调处"})
    assert response.status_code == 302
    d.refresh_from_db()
    assert (d.level, d.department) == (Level.TOWNSHIP_UNIT, world.unit1)


@pytest.mark.parametrize("data", [{"note": "请调处"}, {"unit": "x", "note": "请调处"}, {"unit": "", "note": " "}])
def test_a_bad_assignment_keeps_the_input_and_changes_nothing(world, login, data):
    d = at_township(world)
    response = login(world.township1_user).post(reverse("disputes:assign_unit", args=[d.pk]), data)
    assert response.status_code == 200
    form = next(a.form for a in response.context["actions"] if a.expanded)
    assert form.errors and form.data.get("note") == data.get("note")
    assert Dispute.objects.get(pk=d.pk).level == Level.TOWNSHIP


def test_a_unit_of_another_township_is_not_a_choice(world, login):
    d = at_township(world)
    response = login(world.township1_user).post(
        reverse("disputes:assign_unit", args=[d.pk]), {"unit": world.unit2.pk, "note": "n"}
    )
    assert response.status_code == 200
    assert "unit" in next(a.form for a in response.context["actions"] if a.expanded).errors
    assert Dispute.objects.get(pk=d.pk).level == Level.TOWNSHIP


def test_another_townships_staff_get_404_on_the_step(world, login, client):
    d = at_township(world)
    url = reverse("disputes:assign_unit", args=[d.pk])
    assert login(world.township2_user).post(url, {"unit": world.unit1.pk, "note": "n"}).status_code == 404
    client.logout()
    assert client.post(url, {"unit": world.unit1.pk, "note": "n"}).status_code == 302
    assert Dispute.objects.get(pk=d.pk).level == Level.TOWNSHIP


def test_the_unit_shows_in_the_export_and_the_printed_sheet(world, login):
    d = assigned(world)
    client = login(world.township1_user)
    sheet = client.get(reverse("disputes:print", args=[d.pk]))
    assert "桃源司法所" in sheet.content.decode()
    csv = b"".join(client.get(reverse("disputes:export_csv")).streaming_content).decode("utf-8-sig")
    row = next(line for line in csv.splitlines() if d.number in line)
    assert "桃源司法所" in row
    filtered = client.get(reverse("disputes:list"), {"level": Level.TOWNSHIP_UNIT})
    assert [x.pk for x in filtered.context["page"]] == [d.pk]


def test_the_units_home_offers_its_cases(world, login):
    page = login(world.unit1_user).get(reverse("home"))
    assert page.status_code == 200
    assert reverse("disputes:list") in page.content.decode()


def test_the_township_supervises_what_it_assigned_to_its_unit(world):
    from govcenter.supervision import can_supervise

    d = assigned(world)
    assert can_supervise(world.township1_user, d) and can_supervise(world.district1, d)
    assert not can_supervise(world.township2_user, d) and not can_supervise(world.unit1_user, d)
    before = Notification.objects.filter(recipient=world.unit1_user, url=d.get_absolute_url()).count()
    d = s.dispute_supervise_by(
        dispute=d, actor=world.township1_user, at=at(hours=4), due_on=at(days=3).date(), note="限期调处"
    )
    assert d.supervised_at is not None
    # The unit handling it is told, once.
    assert Notification.objects.filter(recipient=world.unit1_user, url=d.get_absolute_url()).count() == before + 1
    assert rules.can_lift_supervision(world.township1_user, Dispute.objects.get(pk=d.pk))
    assert not rules.can_lift_supervision(world.township2_user, Dispute.objects.get(pk=d.pk))


def test_after_a_unit_the_township_still_escalates_to_the_district_where_the_sweep_supervises(world):
    # A case back at the township that a unit handled before (e.g. reopened after a flare-up).
    d = at_township(world)
    Dispute.objects.filter(pk=d.pk).update(department=world.unit1)
    d = Dispute.objects.get(pk=d.pk)
    assert d.next_level() == Level.DISTRICT and d.escalates_automatically()
    d = s.dispute_escalate(dispute=d, actor=world.township1_user, reason="上报", at=at(hours=8))
    assert (d.level, d.department) == (Level.DISTRICT, world.unit1)  # the unit still reads it
    # Only the district names a department: overdue, the sweep supervises it instead of failing.
    assert not d.escalates_automatically()
    counts = escalate_overdue_now(at=d.due_at + datetime.timedelta(minutes=1))
    assert counts["supervised"] == 1 and counts["escalated"] == 0
    d.refresh_from_db()
    assert d.level == Level.DISTRICT and d.supervised_at is not None


def test_a_case_coming_due_at_a_unit_reminds_its_staff_not_the_township(world):
    from govcenter.reminders import reminders_send

    d = assigned(world)
    s.dispute_accept(dispute=d, actor=world.unit1_user, at=at(hours=4))
    d.refresh_from_db()
    assert reminders_send(at=d.due_at - datetime.timedelta(days=1), kinds=["dispute-due"]) == 1
    title = f"Dispute {d.number} is coming due (due tomorrow)"
    box = inbox(world.unit1_user, world.unit1b_user, world.township1_user)
    assert box["unit1"].count(title) == 1 and title not in box["unit1b"] and title not in box["township1"]
