"""110 calls into mediation (警调联动): the police station registers a civil dispute that
came in as a 110 call, hands it with one step to the village or township centre or to its
own mediation room, and confirms the result that returns to it; the ledger shows the
linkage on the case, in the list filter, the exports and the printed sheets.

Every step allowed and refused per role and state is checked for all roles in
``test_rules`` (the 110 states are among its states); here the paths a station walks."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from disputes import rules, selectors
from disputes import services as s
from disputes.models import Dispute, DisputeEvent, MediationRecord
from govcenter.models import Notification, User
from tests.factories import make_user

from .ledger_helpers import days_ago, messages_of, url
from .ledger_helpers import register as register_now

pytestmark = pytest.mark.usefixtures("world_for_the_module")

Kind = DisputeEvent.Kind
Status = Dispute.Status
HandedTo = Dispute.HandedTo


def call_110(actor, village, **kwargs) -> Dispute:
    kwargs.setdefault("summary", "邻里噪音纠纷（110 警情）")
    return register_now(
        actor,
        village=village,
        source=Dispute.Source.POLICE_110,
        category=Dispute.Category.NEIGHBOURHOOD,
        alarm_number="J3301022026110200001",
        alarm_at=timezone.now() - datetime.timedelta(hours=2),
        **kwargs,
    )


def handed(world, to=HandedTo.VILLAGE, actor=None) -> Dispute:
    d = call_110(world.station1, world.village1)
    return s.dispute_hand_to_mediation(dispute=d, actor=actor or world.station1, at=timezone.now(), handed_to=to)


def notes_of(user, d: Dispute) -> list[str]:
    return list(Notification.objects.filter(recipient=user, url=d.get_absolute_url()).values_list("title", flat=True))


def _register_post(world, **overrides) -> dict:
    data = {
        "source": "police_110",
        "category": "neighbourhood",
        "risk_level": "general",
        "summary": "邻里噪音纠纷",
        "description": "110 接警：邻居深夜噪音引发争执。",
        "occurred_on": days_ago(1).isoformat(),
        "location": "",
        "village": world.village1.pk,
        "grid": "",
        "alarm_number": "J3301022026110200007",
        "alarm_at": (timezone.localtime() - datetime.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "parties-TOTAL_FORMS": "2",
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "0",
        "parties-MAX_NUM_FORMS": "20",
        "parties-0-role": "applicant",
        "parties-0-kind": "person",
        "parties-0-name": "王大明",
        "parties-1-role": "respondent",
        "parties-1-kind": "person",
        "parties-1-name": "李四",
    }
    data.update(overrides)
    return data


# --- registration ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["station1", "police1"])
def test_station_staff_and_community_police_register_a_110_call(world, login, role):
    client = login(getattr(world, role))
    page = client.get(url("register"))
    assert page.status_code == 200
    form = page.context["form"]
    assert form["source"].value() == "police_110"
    assert [v for v, _label in form.fields["source"].choices] == ["police_110"]
    # Only the villages the station covers are offered.
    assert set(form.fields["village"].queryset) == {world.village1, world.village2}

    response = client.post(url("register"), _register_post(world))
    d = Dispute.objects.get()
    assert response.status_code == 302 and response["Location"] == d.get_absolute_url()
    assert (d.police_station, d.alarm_number, d.village, d.township, d.level, d.status, d.handed_to) == (
        world.station,
        "J3301022026110200007",
        world.village1,
        world.township1,
        "village",
        "registered",
        "",
    )
    assert d.alarm_at is not None and d.registered_by == getattr(world, role)
    # The village centre hears of it when the station hands it over, not before.
    assert notes_of(world.village1_user, d) == []


def test_the_police_cannot_register_in_a_village_their_station_does_not_cover(world, login):
    response = login(world.station1).post(url("register"), _register_post(world, village=world.village3.pk))
    assert response.status_code == 200 and "village" in response.context["form"].errors
    assert not Dispute.objects.exists()
    with pytest.raises(s.DisputeError, match="villages your station covers"):
        call_110(world.station1, world.village3)


def test_a_110_registration_needs_the_alarm_receipt(world, login):
    response = login(world.station1).post(url("register"), _register_post(world, alarm_number="", alarm_at=""))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["alarm_number"] == ["Enter the alarm receipt number (接警单号)."]
    assert errors["alarm_at"] == ["Enter when the alarm was received."]
    assert not Dispute.objects.exists()
    with pytest.raises(s.DisputeError, match="110 calls"):
        register_now(world.station1, village=world.village1, alarm_number="J1", alarm_at=timezone.now())
    with pytest.raises(s.DisputeError, match="future"):
        register_now(
            world.station1,
            village=world.village1,
            source="police_110",
            alarm_number="J1",
            alarm_at=timezone.now() + datetime.timedelta(days=1),
        )


def test_other_roles_get_no_alarm_fields(world, login):
    form = login(world.village1_user).get(url("register")).context["form"]
    assert "alarm_number" not in form.fields and "alarm_at" not in form.fields


# --- jurisdiction ----------------------------------------------------------------------------------


def test_a_110_case_answers_404_outside_the_stations_villages(world, login):
    d = call_110(world.station1, world.village1)
    for user in (world.station2_user, world.police3, world.village3_user):
        client = login(user)
        assert client.get(url("detail", d.pk)).status_code == 404
        assert client.post(url("handover", d.pk), {"handed_to": "village"}).status_code == 404
        assert client.post(url("station_confirm", d.pk), {}).status_code == 404
    d.refresh_from_db()
    assert d.handed_to == ""


def test_anonymous_users_go_to_login(world, client):
    d = call_110(world.station1, world.village1)
    for name in ("handover", "station_confirm"):
        response = client.post(url(name, d.pk), {})
        assert response.status_code == 302 and "/login" in response["Location"]


# --- handing over ----------------------------------------------------------------------------------


def test_the_station_hands_a_110_case_to_the_village_centre_with_one_step(world, login):
    second_clerk = make_user("village1b", User.Role.VILLAGE_CLERK, area=world.village1)
    d = call_110(world.station1, world.village1)
    client = login(world.station1)
    assert [a.name for a in client.get(url("detail", d.pk)).context["actions"]][:1] == ["handover"]
    response = client.post(url("handover", d.pk), {"handed_to": "village", "note": "请村调委会调解"}, follow=True)
    assert "handed to Village centre" in " ".join(messages_of(response))
    d.refresh_from_db()
    assert (d.handed_to, d.level, d.registered_level, d.status) == ("village", "village", "village", "registered")
    event = d.events.last()
    assert (event.kind, event.actor, event.to_level) == (Kind.HANDED_OVER, world.station1, "village")
    # Both village clerks are told, once each; the township is not.
    assert len(notes_of(world.village1_user, d)) == 1 and len(notes_of(second_clerk, d)) == 1
    assert notes_of(world.township1_user, d) == []
    # Once only.
    assert not rules.can_hand_to_mediation(world.station1, d)
    with pytest.raises(s.DisputeError, match="already been handed"):
        s.dispute_hand_to_mediation(dispute=d, actor=world.police1, at=timezone.now(), handed_to="township")


def test_a_case_not_yet_handed_over_is_the_stations(world):
    d = call_110(world.station1, world.village1)
    refusal = rules.can_accept(world.village1_user, d)
    assert refusal.reason == "The police station has not handed this dispute to mediation yet."
    assert not rules.can_escalate(world.village1_user, d)
    assert not d.escalates_automatically()  # overdue, it is supervised rather than moved up
    # Police of another station, auxiliaries and centres cannot hand it over.
    for user in (world.station2_user, world.aux1, world.village1_user, world.township1_user, world.grid1_user):
        assert not rules.can_hand_to_mediation(user, d)
    assert rules.can_hand_to_mediation(world.police1, d)
    # Not a police case: nothing to hand over.
    plain = register_now(world.grid1_user, grid=world.grid1)
    assert rules.can_hand_to_mediation(world.station1, plain).reason == (
        "Only a 110 dispute registered by the police is handed to mediation."
    )


def test_handed_to_the_township_the_township_centre_mediates(world):
    d = handed(world, HandedTo.TOWNSHIP, actor=world.police1)
    assert (d.level, d.registered_level) == ("township", "township")
    assert len(notes_of(world.township1_user, d)) == 1 and notes_of(world.village1_user, d) == []
    assert not rules.can_accept(world.village1_user, d)
    s.dispute_accept(dispute=d, actor=world.township1_user, at=timezone.now())
    s.dispute_close_unresolved(
        dispute=d, actor=world.township1_user, at=timezone.now(), result="一方拒绝调解", referral="litigation",
        court="上城区人民法院", referred_on=timezone.localdate(),
    )  # fmt: skip
    d.refresh_from_db()
    assert d.awaits_station_confirmation
    assert list(selectors.awaiting_station_confirmation(world.station1)) == [d]


# --- the result returns to the station --------------------------------------------------------------


def test_the_result_returns_to_the_station_which_confirms_it(world, login):
    second_station_staff = make_user("station1b", User.Role.STATION_STAFF, police_station=world.station)
    d = handed(world)
    now = timezone.now()
    s.dispute_accept(dispute=d, actor=world.village1_user, at=now)
    s.dispute_record_mediation(
        dispute=d,
        actor=world.village1_user,
        at=now,
        held_on=timezone.localdate(),
        method=MediationRecord.Method.COMMITTEE,
        mediator_kinds=["peoples_mediator"],
        mediators="张调解",
        outcome="agreement",
    )
    assert list(selectors.awaiting_station_confirmation(world.station1)) == []
    assert not rules.can_station_confirm(world.station1, d)
    s.dispute_resolve(dispute=d, actor=world.village1_user, at=now, result="双方达成协议")
    d.refresh_from_db()

    # Both station staff are told once; the queue holds the case for the station only.
    for user in (world.station1, second_station_staff):
        assert notes_of(user, d) == [
            f"Result of 110 dispute {d.notice_name()} returned to the station for confirmation"
        ]
    assert list(selectors.awaiting_station_confirmation(world.station1)) == [d]
    assert list(selectors.awaiting_station_confirmation(world.police1)) == [d]
    assert list(selectors.awaiting_station_confirmation(world.station2_user)) == []
    assert list(selectors.awaiting_station_confirmation(world.village1_user)) == []
    for user in (world.village1_user, world.station2_user, world.aux1, world.township1_user):
        assert not rules.can_station_confirm(user, d)

    client = login(world.station1)
    assert "station_confirm" in {a.name for a in client.get(url("detail", d.pk)).context["actions"]}
    response = client.post(url("station_confirm", d.pk), {"note": "已回访当事人"}, follow=True)
    assert "Result confirmed by the police station." in messages_of(response)
    d.refresh_from_db()
    assert d.station_confirmed_at is not None and d.status == Status.RESOLVED
    event = d.events.last()
    assert (event.kind, event.actor, event.note) == (Kind.STATION_CONFIRMED, world.station1, "已回访当事人")
    assert list(selectors.awaiting_station_confirmation(world.station1)) == []
    # Once.
    response = client.post(url("station_confirm", d.pk), {}, follow=True)
    assert "The station has already confirmed this result." in messages_of(response) or (
        "You cannot take this step on this dispute now." in messages_of(response)
    )
    assert d.events.filter(kind=Kind.STATION_CONFIRMED).count() == 1


def test_a_result_confirmed_below_after_escalation_returns_to_the_station_once(world):
    d = handed(world)
    now = timezone.now()
    s.dispute_escalate(dispute=d, actor=world.village1_user, reason="村里调不下来", at=now)
    s.dispute_accept(dispute=d, actor=world.township1_user, at=now)
    s.dispute_return_feedback(dispute=d, actor=world.township1_user, at=now, result="镇调委会调解成功")
    assert notes_of(world.station1, d) == []
    s.dispute_confirm_feedback(dispute=d, actor=world.village1_user, at=now)
    assert len(notes_of(world.station1, d)) == 1
    assert list(selectors.awaiting_station_confirmation(world.station1)) == [Dispute.objects.get(pk=d.pk)]


# --- the station's own mediation room --------------------------------------------------------------------


def test_the_stations_mediation_room_mediates_with_the_station_staff(world, login):
    second_station_staff = make_user("station1b", User.Role.STATION_STAFF, police_station=world.station)
    d = handed(world, HandedTo.STATION_ROOM, actor=world.police1)
    assert d.in_station_room and d.level == "village"
    # The station's staff are told (the one who handed it over too, being another person).
    assert len(notes_of(world.station1, d)) == 1 and len(notes_of(second_station_staff, d)) == 1
    assert notes_of(world.village1_user, d) == []
    # The village centre and community police do not take the mediation steps; station staff do.
    assert rules.can_accept(world.village1_user, d).reason == (
        "Only the police station's mediation room handling this dispute can do that."
    )
    assert not rules.can_accept(world.police1, d)
    assert not rules.can_accept(world.station2_user, d)
    client = login(world.station1)
    assert "accept" in {a.name for a in client.get(url("detail", d.pk)).context["actions"]}
    client.post(url("accept", d.pk), {"note": ""})
    d.refresh_from_db()
    assert (d.status, d.handler) == (Status.ACCEPTED, world.station1)
    assert set(selectors.handler_choices(d)) == {world.station1, second_station_staff}
    assert rules.can_escalate(world.station1, d).reason == (
        "The police station's mediation room handles this dispute; it is not escalated."
    )
    s.dispute_record_mediation(
        dispute=d,
        actor=world.station1,
        at=timezone.now(),
        held_on=timezone.localdate(),
        method=MediationRecord.Method.ON_SITE,
        mediator_kinds=["community_police"],
        mediators="警务调解室 王警官",
        outcome="agreement",
    )
    s.dispute_resolve(dispute=d, actor=world.station1, at=timezone.now(), result="当场和解")
    d.refresh_from_db()
    # Its own room's result needs no confirmation by the station.
    assert d.status == Status.RESOLVED and not d.awaits_station_confirmation
    assert not rules.can_station_confirm(world.station1, d)
    assert list(selectors.awaiting_station_confirmation(world.station1)) == []


# --- the ledger shows the linkage -----------------------------------------------------------------------


def _ledger_cases(world):
    plain = register_now(world.grid1_user, grid=world.grid1, summary="普通纠纷")
    pending = call_110(world.station1, world.village1, summary="待移交")
    awaiting = handed(world)
    s.dispute_accept(dispute=awaiting, actor=world.village1_user, at=timezone.now())
    s.dispute_resolve(dispute=awaiting, actor=world.village1_user, at=timezone.now(), result="和解")
    confirmed = handed(world)
    s.dispute_accept(dispute=confirmed, actor=world.village1_user, at=timezone.now())
    s.dispute_resolve(dispute=confirmed, actor=world.village1_user, at=timezone.now(), result="和解")
    s.dispute_station_confirm(dispute=confirmed, actor=world.station1, at=timezone.now())
    room = handed(world, HandedTo.STATION_ROOM)
    return plain, pending, awaiting, confirmed, room


def test_the_list_filters_by_linkage(world, login):
    plain, pending, awaiting, confirmed, room = _ledger_cases(world)
    client = login(world.village1_user)

    def rows(query):
        return {d.pk for d in client.get(url("list") + query).context["page"].object_list}

    assert rows("?linkage=linked") == {pending.pk, awaiting.pk, confirmed.pk, room.pk}
    assert rows("?linkage=awaiting") == {awaiting.pk}
    assert rows("?linkage=confirmed") == {confirmed.pk}
    assert rows("?linkage=station_room") == {room.pk}
    assert plain.pk in rows("")
    html = client.get(url("list")).content.decode()
    assert html.count("110 linkage") == 4


def test_the_export_and_the_printed_ledger_show_the_linkage(world, login):
    plain, pending, awaiting, confirmed, room = _ledger_cases(world)
    client = login(world.station1)
    response = client.get(url("export_csv"))
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert "Police-mediation linkage" in lines[0]
    by_number = {line.split(",")[0]: line for line in lines[1:]}
    assert "not yet handed to mediation" in by_number[pending.number]
    assert "handed to Village centre · awaiting the station's confirmation" in by_number[awaiting.number]
    assert "confirmed by the station" in by_number[confirmed.number]
    assert "mediation room" in by_number[room.number]
    assert "J3301022026110200001" in by_number[awaiting.number] and world.station.name in by_number[awaiting.number]
    assert plain.number in by_number and "桃源派出所" not in by_number[plain.number]

    xlsx = client.get(url("export_xlsx") + "?linkage=awaiting")
    assert xlsx.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(b"".join(xlsx.streaming_content))).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    column = values[0].index("Police-mediation linkage")
    assert [row[0] for row in values[1:]] == [awaiting.number]
    assert values[1][column] == awaiting.linkage_summary()

    printed = client.get(url("print_ledger") + "?linkage=linked").content.decode()
    assert "awaiting the station&#x27;s confirmation" in printed and plain.number not in printed
    sheet_html = client.get(url("print", confirmed.pk)).content.decode()
    assert "Police-mediation linkage" in sheet_html and "J3301022026110200001" in sheet_html
    assert "confirmed by the station" in sheet_html
    detail = client.get(url("detail", awaiting.pk)).content.decode()
    assert 'id="police-linkage"' in detail and "Result awaiting the station" in detail


# --- departments are assigned, not reported to (item 7) ----------------------------------------------


def test_the_district_assigns_a_case_to_a_department(world, login):
    d = register_now(world.district1, source=Dispute.Source.HOTLINE_12345, township=world.township1)
    client = login(world.district1)
    actions = {a.name: a for a in client.get(url("detail", d.pk)).context["actions"]}
    assert actions["escalate"].title == "Assign to a functional department (交办)"
    assert actions["escalate"].submit == "Assign"
    response = client.post(
        url("escalate", d.pk), {"reason": "请司法局处理", "department": world.department.pk}, follow=True
    )
    assert f"Assigned to {world.department.name}." in messages_of(response)
    d.refresh_from_db()
    assert notes_of(world.dept1, d) == [
        f"Dispute {d.notice_name()} assigned to {world.department.name} by the district centre"
    ]
    assert d.events.last().label == "Assigned to a functional department"
    s.dispute_accept(dispute=d, actor=world.dept1, at=timezone.now())
    assert rules.can_escalate(world.dept1, d).reason == (
        "A functional department returns its result to the district centre; it does not escalate."
    )
    s.dispute_return_feedback(dispute=d, actor=world.dept1, at=timezone.now(), result="已处理")
    d.refresh_from_db()
    assert d.level == "district" and d.events.last().label == "Department's result returned to the district"
    html = client.get(url("detail", d.pk)).content.decode()
    assert "Assigned to a functional department" in html and "Escalated" not in html


def test_while_the_station_holds_a_case_its_reminders_and_supervision_go_to_the_station(world):
    from disputes.reminders import disputes_due
    from govcenter.reminders import people_of

    d = call_110(world.station1, world.village1)
    soon = d.due_at - datetime.timedelta(hours=1)
    (reminder,) = [r for r in disputes_due(soon, datetime.timedelta(days=1)) if r.subject.pk == d.pk]
    (people,) = people_of([reminder])
    assert world.station1 in people and world.village1_user not in people
    late = d.due_at + datetime.timedelta(hours=1)
    s.dispute_supervise(dispute=d, at=late)
    d.refresh_from_db()
    assert d.level == "village" and d.supervised_at == late  # supervised, not moved up
    assert len(notes_of(world.station1, d)) == 1 and notes_of(world.village1_user, d) == []
    assert len(notes_of(world.district1, d)) == 1
