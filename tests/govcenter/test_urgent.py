"""Urgent items (紧急, issue 12 item 4), one mechanism for disputes and incident reports:
the fan-out reaches each recipient once over every channel, marking twice sends nothing
more, the marker is not told; who may mark and who may pass an item straight to the
district; urgent items first in every list and queue, with their badge, filter and export
column; the views for an allowed user, one outside the jurisdiction and an anonymous one."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django import forms
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from disputes import rules as drules
from disputes import services as ds
from disputes.deadlines import deadline_for
from disputes.models import Dispute, DisputeEvent
from govcenter import urgent
from govcenter.models import Notification
from govcenter.urgent import MarkUrgentForm, UrgentReason
from sentiment import rules as srules
from sentiment import services as ss
from sentiment.models import Log, LogEvent, ReportDeadlinePolicy
from tests.disputes.helpers import register
from tests.sentiment.helpers import file_log

Level = Dispute.Level
REASON = UrgentReason.DANGER_TO_LIFE

# Whom an item of grid1 (village1, township1) alarms: its three centres, the station covering
# village1 and the community police officer of grid1.
RECIPIENTS = ("village1_user", "township1_user", "district1", "station1", "police1")
NOT_RECIPIENTS = ("village2_user", "township2_user", "station2_user", "police3", "aux1", "dept1", "grid2_user")


@pytest.fixture
def reachable(world):
    """Everyone has an e-mail address and (but township1) a phone, and chose neither channel
    for everyday notifications: an urgent alarm goes to them all the same."""
    for i, name in enumerate([*RECIPIENTS, *NOT_RECIPIENTS, "grid1_user"]):
        user = getattr(world, name)
        user.email = f"{user.username}@example.org"
        user.phone = "" if name == "township1_user" else f"1381234{i:04d}"
        user.notify_by_email = user.notify_by_sms = False
        user.save()
    return world


def now() -> datetime.datetime:
    return timezone.now()


def a_dispute(world, **kwargs) -> Dispute:
    return register(world.grid1_user, grid=world.grid1, when=now(), **kwargs)


def an_incident(world, **kwargs) -> Log:
    """An incident report grid1 reports up to the village centre."""
    kwargs.setdefault("next_step", Log.NextStep.REPORT)
    return file_log(world, when=now(), kind=Log.Kind.INCIDENT, category=Log.Category.SECURITY_HAZARD, **kwargs)


def alarms(world, names) -> dict[str, int]:
    """Urgent notifications per user."""
    return {n: Notification.objects.filter(recipient=getattr(world, n), urgent=True).count() for n in names}


def reset_outboxes(sms_outbox) -> None:
    mail.outbox.clear()
    sms_outbox.clear()
    Notification.objects.all().delete()


def assert_each_recipient_once(world, sms_outbox, expected=RECIPIENTS) -> None:
    assert alarms(world, expected) == dict.fromkeys(expected, 1)
    others = [n for n in (*RECIPIENTS, *NOT_RECIPIENTS, "grid1_user") if n not in expected]
    assert alarms(world, others) == dict.fromkeys(others, 0)
    assert Notification.objects.filter(urgent=True).count() == len(expected)
    mailed = sorted(address for m in mail.outbox for address in m.to)
    assert mailed == sorted(f"{getattr(world, n).username}@example.org" for n in expected)
    texted = sorted(phone for phone, _text in sms_outbox)
    assert texted == sorted(getattr(world, n).phone for n in expected if getattr(world, n).phone)


# --- the fan-out ---------------------------------------------------------------------------------


def test_urgent_fan_out_reaches_each_recipient_once(reachable, sms_outbox, django_capture_on_commit_callbacks):
    world = reachable
    d = a_dispute(world)
    reset_outboxes(sms_outbox)
    with django_capture_on_commit_callbacks(execute=True):
        ds.dispute_mark_urgent(dispute=d, actor=world.grid1_user, at=now(), urgent_reason=REASON, note="堵路")
    assert_each_recipient_once(world, sms_outbox)
    assert len(sms_outbox) == len(RECIPIENTS) - 1  # township1 has no phone: no SMS, e-mail and in-app still
    assert "Danger to life" in Notification.objects.filter(urgent=True).first().title
    assert d.events.filter(kind=DisputeEvent.Kind.MARKED_URGENT).count() == 1
    d.refresh_from_db()
    assert (d.urgent_reason, d.is_urgent) == (REASON, True)


def test_marking_twice_sends_nothing_more(reachable, sms_outbox, django_capture_on_commit_callbacks):
    world = reachable
    d = a_dispute(world)
    stale = Dispute.objects.get(pk=d.pk)  # a second request that read the case before the first marked it
    reset_outboxes(sms_outbox)
    with django_capture_on_commit_callbacks(execute=True):
        ds.dispute_mark_urgent(dispute=d, actor=world.grid1_user, at=now(), urgent_reason=REASON)
        with pytest.raises(ds.DisputeError, match="already marked urgent"):
            ds.dispute_mark_urgent(dispute=d, actor=world.village1_user, at=now(), urgent_reason=REASON)
        # The rule passed for the stale copy: the conditional UPDATE is what refuses it.
        assert drules.can_mark_urgent(world.village1_user, stale)
        with pytest.raises(ds.DisputeError, match="already marked urgent"):
            ds.URGENCY.mark_now(stale, actor=world.village1_user, at=now(), urgent_reason=UrgentReason.MAJOR_INCIDENT)
    assert_each_recipient_once(world, sms_outbox)
    d.refresh_from_db()
    assert d.urgent_reason == REASON and d.events.filter(kind=DisputeEvent.Kind.MARKED_URGENT).count() == 1


def test_the_marker_is_not_alarmed(reachable, sms_outbox, django_capture_on_commit_callbacks):
    world = reachable
    d = a_dispute(world)
    reset_outboxes(sms_outbox)
    with django_capture_on_commit_callbacks(execute=True):
        ds.dispute_mark_urgent(dispute=d, actor=world.village1_user, at=now(), urgent_reason=REASON)
    assert_each_recipient_once(world, sms_outbox, expected=tuple(n for n in RECIPIENTS if n != "village1_user"))


def test_an_urgent_incident_report_alarms_every_level_and_the_police_once(
    reachable, sms_outbox, django_capture_on_commit_callbacks
):
    world = reachable
    with django_capture_on_commit_callbacks(execute=True):
        log = an_incident(world, urgent_reason=UrgentReason.MASS_INCIDENT_RISK)
    assert alarms(world, RECIPIENTS) == dict.fromkeys(RECIPIENTS, 1)
    assert alarms(world, NOT_RECIPIENTS) == dict.fromkeys(NOT_RECIPIENTS, 0)
    assert log.events.filter(kind=LogEvent.Kind.MARKED_URGENT).count() == 1
    assert sorted(p for p, _t in sms_outbox if p in {getattr(world, n).phone for n in RECIPIENTS}) == sorted(
        getattr(world, n).phone for n in RECIPIENTS if getattr(world, n).phone
    )
    urgent_sms = [p for p, text in sms_outbox if "URGENT" in text]
    assert len(urgent_sms) == len(set(urgent_sms)) == len(RECIPIENTS) - 1


def test_an_urgent_dispute_registered_so_alarms_at_once(reachable, sms_outbox, django_capture_on_commit_callbacks):
    world = reachable
    with django_capture_on_commit_callbacks(execute=True):
        d = a_dispute(world, urgent_reason=UrgentReason.MAJOR_INCIDENT)
    assert d.is_urgent and d.urgent_reason == UrgentReason.MAJOR_INCIDENT
    assert alarms(world, RECIPIENTS) == dict.fromkeys(RECIPIENTS, 1)
    assert alarms(world, ["grid1_user"]) == {"grid1_user": 0}


def test_only_an_incident_report_reported_up_is_filed_urgent(world):
    with pytest.raises(ss.LogError, match="incident report"):
        file_log(world, when=now(), kind=Log.Kind.VISIT, next_step=Log.NextStep.REPORT, urgent_reason=REASON)
    with pytest.raises(ss.LogError, match="incident report"):
        file_log(world, when=now(), kind=Log.Kind.INCIDENT, next_step=Log.NextStep.ANSWERED, urgent_reason=REASON)
    assert not Log.objects.exists()


def test_a_reason_outside_the_list_is_refused(world):
    d = a_dispute(world)
    with pytest.raises(ds.DisputeError, match="why this is urgent"):
        ds.dispute_mark_urgent(dispute=d, actor=world.grid1_user, at=now(), urgent_reason="bored")
    d.refresh_from_db()
    assert not d.is_urgent


# --- who may mark ---------------------------------------------------------------------------------

MARKERS = {
    "grid1_user": True,  # serves the grid
    "village1_user": True,  # the level handling it
    "admin": True,
    "grid2_user": False,
    "village2_user": False,
    "township1_user": False,  # not the level handling it (yet)
    "district1": False,
    "station1": False,
    "police1": False,
    "dept1": False,
}


@pytest.mark.parametrize("who,allowed", MARKERS.items())
def test_who_may_mark_a_village_item_urgent(world, who, allowed):
    user = getattr(world, who)
    assert bool(drules.can_mark_urgent(user, a_dispute(world))) is allowed
    assert bool(srules.can_mark_urgent(user, an_incident(world))) is allowed


def test_the_handling_level_marks_an_item_it_holds(world):
    d = ds.dispute_escalate(dispute=a_dispute(world), actor=world.village1_user, reason="难", at=now())
    assert drules.can_mark_urgent(world.township1_user, d)
    assert not drules.can_mark_urgent(world.village1_user, d)


def test_a_closed_or_already_urgent_item_and_other_logs_cannot_be_marked(world):
    d = a_dispute(world)
    ds.dispute_accept(dispute=d, actor=world.village1_user, at=now())
    ds.dispute_resolve(dispute=d, actor=world.village1_user, at=now(), result="和解")
    assert not drules.can_mark_urgent(world.village1_user, d)
    d2 = a_dispute(world, urgent_reason=REASON)
    assert drules.can_mark_urgent(world.village1_user, d2).reason == "This is already marked urgent."
    visit = file_log(world, when=now(), next_step=Log.NextStep.REPORT)
    assert "incident report" in srules.can_mark_urgent(world.village1_user, visit).reason
    filed = an_incident(world, next_step=Log.NextStep.ANSWERED)
    assert not srules.can_mark_urgent(world.grid1_user, filed)


# --- straight to the district -----------------------------------------------------------------------

PASSERS = {
    "village1_user": True,
    "admin": True,
    "grid1_user": False,  # the village centre decides what leaves the village
    "township1_user": False,
    "district1": False,
    "village2_user": False,
    "station1": False,
}


@pytest.mark.parametrize("who,allowed", PASSERS.items())
def test_who_may_pass_an_urgent_item_straight_to_the_district(world, who, allowed):
    user = getattr(world, who)
    assert bool(drules.can_pass_to_district(user, a_dispute(world, urgent_reason=REASON))) is allowed
    assert bool(srules.can_report_to_district(user, an_incident(world, urgent_reason=REASON))) is allowed


def test_an_item_not_urgent_or_not_at_village_level_is_not_passed_to_the_district(world):
    plain = a_dispute(world)
    assert drules.can_pass_to_district(world.village1_user, plain).reason == (
        "Only an urgent item can be passed straight to the district."
    )
    assert not srules.can_report_to_district(world.village1_user, an_incident(world))
    moved = ds.dispute_escalate(
        dispute=a_dispute(world, urgent_reason=REASON), actor=world.village1_user, reason="x", at=now()
    )
    assert not drules.can_pass_to_district(world.village1_user, moved)
    assert not drules.can_pass_to_district(world.township1_user, moved)
    with pytest.raises(ds.DisputeError, match="urgent"):
        ds.dispute_pass_to_district(dispute=plain, actor=world.village1_user, at=now(), note="急")
    assert Dispute.objects.get(pk=plain.pk).level == Level.VILLAGE


def test_a_dispute_passed_to_the_district_gets_the_districts_deadline_and_the_township_is_told(world):
    d = a_dispute(world, urgent_reason=REASON)
    at = now()
    d = ds.dispute_pass_to_district(dispute=d, actor=world.village1_user, at=at, note="有人受伤")
    assert d.level == Level.DISTRICT and d.status == Dispute.Status.REGISTERED
    assert d.due_at == deadline_for(risk_level=d.risk_level, level=Level.DISTRICT, at=at)
    event = d.events.get(kind=DisputeEvent.Kind.ESCALATED)
    assert (event.from_level, event.to_level, event.note) == (Level.VILLAGE, Level.DISTRICT, "有人受伤")
    assert event.label == "Urgent: passed straight to the district"
    told = Notification.objects.filter(recipient=world.township1_user, title__contains="passed straight")
    assert told.count() == 1
    assert (
        Notification.objects.filter(recipient=world.district1, urgent=False, title__contains="escalated").count() == 1
    )
    assert drules.can_accept(world.district1, d)


def test_a_log_passed_to_the_district_gets_the_districts_deadline_and_the_township_is_told(world):
    log = an_incident(world, urgent_reason=REASON)
    at = now()
    log = ss.log_pass_to_district(log=log, actor=world.village1_user, at=at, note="有人受伤")
    assert (log.level, log.status) == (Level.DISTRICT, Log.Status.REPORTED_UP)
    assert log.due_at == ReportDeadlinePolicy.deadline(at=at, level=Level.DISTRICT)
    event = log.events.get(kind=LogEvent.Kind.REPORTED_UP, to_level=Level.DISTRICT)
    assert event.from_level == Level.VILLAGE and event.label == "Urgent: passed straight to the district"
    assert Notification.objects.filter(recipient=world.township1_user, title__contains="passed straight").count() == 1
    assert srules.can_handle_here(world.district1, log)


def test_the_result_of_a_dispute_passed_to_the_district_comes_back_to_the_village(world):
    d = ds.dispute_pass_to_district(
        dispute=a_dispute(world, urgent_reason=REASON), actor=world.village1_user, at=now(), note="急"
    )
    ds.dispute_accept(dispute=d, actor=world.district1, at=now())
    Notification.objects.all().delete()
    d = ds.dispute_return_feedback(dispute=d, actor=world.district1, at=now(), result="已疏散并调解")
    assert (d.level, d.status) == (Level.VILLAGE, Dispute.Status.AWAITING_CONFIRMATION)
    ds.dispute_confirm_feedback(dispute=d, actor=world.village1_user, at=now())
    assert not Notification.objects.filter(recipient=world.township1_user).exists()
    assert Notification.objects.filter(recipient=world.village1_user).exists()


def test_the_result_of_a_log_passed_to_the_district_skips_the_township_on_the_way_down(world):
    log = ss.log_pass_to_district(
        log=an_incident(world, urgent_reason=REASON), actor=world.village1_user, at=now(), note="急"
    )
    Notification.objects.all().delete()
    log = ss.log_feed_back(log=log, actor=world.district1, at=now(), result="险情已排除")
    assert log.events.get(kind=LogEvent.Kind.FED_BACK).to_level == Level.VILLAGE
    assert not Notification.objects.filter(recipient=world.township1_user).exists()
    assert Notification.objects.filter(recipient=world.village1_user).count() == 1
    assert Notification.objects.filter(recipient=world.grid1_user).count() == 1


# --- lists and queues ------------------------------------------------------------------------------


def _ledger_numbers(client, **query) -> list[str]:
    response = client.get(reverse("disputes:list"), query)
    assert response.status_code == 200
    return [d.number for d in response.context["page"]]


def test_open_urgent_disputes_come_first_in_the_ledger_with_their_badge(world, login):
    first, second, third = (a_dispute(world, summary=f"纠纷{i}") for i in range(3))
    ds.dispute_mark_urgent(dispute=second, actor=world.grid1_user, at=now(), urgent_reason=REASON)
    closed = a_dispute(world, urgent_reason=REASON)
    ds.dispute_accept(dispute=closed, actor=world.village1_user, at=now())
    ds.dispute_resolve(dispute=closed, actor=world.village1_user, at=now(), result="和解")
    client = login(world.village1_user)
    assert _ledger_numbers(client) == [second.number, closed.number, third.number, first.number]
    assert _ledger_numbers(client, sort="number") == [second.number, first.number, third.number, closed.number]
    assert _ledger_numbers(client, urgent="yes") == [second.number, closed.number]
    page = client.get(reverse("disputes:list")).content.decode()
    assert page.count("urgent-badge") == 2


def test_a_long_list_pins_its_urgent_items_without_sorting_the_table_by_urgency(world, login):
    """``urgent_pinned`` (the ledger, the logs' lists) gives the rows ``urgent_first`` gives,
    for every slice a page may take, but neither of its queries orders by an urgency rank:
    each keeps the list's own order, which an index serves."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    made = [a_dispute(world, summary=f"纠纷{i}") for i in range(7)]
    for d in (made[1], made[4], made[6]):
        ds.dispute_mark_urgent(dispute=d, actor=world.grid1_user, at=now(), urgent_reason=REASON)
    ds.dispute_accept(dispute=made[4], actor=world.village1_user, at=now())
    ds.dispute_resolve(dispute=made[4], actor=world.village1_user, at=now(), result="和解")  # urgent, closed
    qs = Dispute.objects.order_by("-registered_at", "-pk")
    expected = [d.pk for d in urgent.urgent_first(qs)]
    assert expected[:2] == [made[6].pk, made[1].pk]
    for start in range(9):
        for stop in range(start, 10):
            assert [d.pk for d in urgent.urgent_pinned(qs)[start:stop]] == expected[start:stop], (start, stop)
    pinned = urgent.urgent_pinned(qs)
    assert [d.pk for d in pinned] == expected and pinned.count() == len(pinned) == 7
    with CaptureQueriesContext(connection) as queries:
        list(urgent.urgent_pinned(qs)[2:5])
    assert queries.captured_queries and not any("CASE" in q["sql"] for q in queries.captured_queries)
    client = login(world.village1_user)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("disputes:list"))
    assert not any("CASE WHEN" in q["sql"] and "dispute" in q["sql"] for q in queries.captured_queries)


def test_the_ledger_list_with_urgent_items_keeps_its_query_count(world, login, django_assert_max_num_queries):
    for i in range(30):
        d = a_dispute(world, summary=f"纠纷{i}")
        if i % 3 == 0:
            ds.dispute_mark_urgent(dispute=d, actor=world.grid1_user, at=now(), urgent_reason=REASON)
    client = login(world.village1_user)
    client.get(reverse("disputes:list"))  # warm the session and caches
    with django_assert_max_num_queries(15):
        assert client.get(reverse("disputes:list")).status_code == 200


def test_urgent_logs_come_first_in_the_village_queue_and_the_log_list(world, login):
    older = an_incident(world)
    pressing = an_incident(world, urgent_reason=REASON)
    newer = an_incident(world)
    older.reported_at = now() - datetime.timedelta(hours=3)
    Log.objects.filter(pk=older.pk).update(reported_at=now() - datetime.timedelta(hours=3))
    Log.objects.filter(pk=pressing.pk).update(reported_at=now() - datetime.timedelta(hours=1))
    client = login(world.village1_user)
    queue = client.get(reverse("sentiment:queue"), {"tab": "new"})
    assert [log.pk for log in queue.context["page"]] == [pressing.pk, older.pk, newer.pk]
    listed = client.get(reverse("sentiment:list"))
    assert [log.pk for log in listed.context["page"]][0] == pressing.pk
    assert [log.pk for log in client.get(reverse("sentiment:list"), {"urgent": "yes"}).context["page"]] == [pressing.pk]
    assert "urgent-badge" in queue.content.decode()


def test_urgent_items_come_first_in_the_police_queue(world, login):
    from govcenter import police
    from sentiment.police import SOURCE

    first = an_incident(world)
    pressing = an_incident(world, urgent_reason=REASON)
    assert [log.pk for log in police.awaiting(SOURCE, world.station1)] == [pressing.pk, first.pk]
    page = login(world.station1).get(reverse("police_queue"))
    assert page.status_code == 200 and "urgent-badge" in page.content.decode()


def test_detail_print_and_export_show_the_mark(world, login):
    d = a_dispute(world, urgent_reason=REASON)
    client = login(world.village1_user)
    detail = client.get(d.get_absolute_url()).content.decode()
    assert 'id="urgent-mark"' in detail and "Danger to life" in detail
    assert "Danger to life" in client.get(reverse("disputes:print", args=[d.pk])).content.decode()
    raw = b"".join(client.get(reverse("disputes:export_csv")).streaming_content)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    column = rows[0].index("Urgent")
    assert rows[1][column] == "Urgent: Danger to life"
    log = an_incident(world, urgent_reason=REASON)
    assert 'id="urgent-mark"' in client.get(log.get_absolute_url()).content.decode()
    assert "Danger to life" in client.get(reverse("sentiment:print", args=[log.pk])).content.decode()


# --- the views --------------------------------------------------------------------------------------


def _mark_url(item) -> str:
    ns = "disputes" if isinstance(item, Dispute) else "sentiment"
    return reverse(f"{ns}:mark_urgent", args=[item.pk])


def _to_district_url(item) -> str:
    ns = "disputes" if isinstance(item, Dispute) else "sentiment"
    return reverse(f"{ns}:to_district", args=[item.pk])


def _form(item, step: str, **fields) -> dict:
    """The step's POST data: the log's flow prefixes each field with the step's name."""
    if isinstance(item, Dispute):
        return fields
    return {f"{step}-{name}": value for name, value in fields.items()}


@pytest.mark.parametrize("kind", ["dispute", "log"])
def test_mark_urgent_view_allowed_outside_and_anonymous(world, login, client, kind):
    item = a_dispute(world) if kind == "dispute" else an_incident(world)
    model = type(item)
    assert client.post(_mark_url(item), _form(item, "urgent", urgent_reason=REASON)).status_code == 302
    assert "/login" in client.post(_mark_url(item), _form(item, "urgent", urgent_reason=REASON)).url
    assert (
        login(world.village2_user).post(_mark_url(item), _form(item, "urgent", urgent_reason=REASON)).status_code == 404
    )
    assert login(world.grid2_user).post(_mark_url(item), _form(item, "urgent", urgent_reason=REASON)).status_code == 404
    assert not model.objects.get(pk=item.pk).is_urgent
    response = login(world.grid1_user).post(
        _mark_url(item), _form(item, "urgent", urgent_reason="bogus", note="已有人受伤")
    )
    assert response.status_code == 200  # the form again, as typed, with the error
    assert "已有人受伤" in response.content.decode() and "Choose why this is urgent." in response.content.decode()
    response = login(world.grid1_user).post(_mark_url(item), _form(item, "urgent", urgent_reason=REASON))
    assert response.status_code == 302 and model.objects.get(pk=item.pk).is_urgent
    again = login(world.village1_user).post(_mark_url(item), _form(item, "urgent", urgent_reason=REASON), follow=True)
    assert "You cannot take this step" in again.content.decode() or "already marked urgent" in again.content.decode()


@pytest.mark.parametrize("kind", ["dispute", "log"])
def test_to_district_view_allowed_outside_and_anonymous(world, login, client, kind):
    item = a_dispute(world, urgent_reason=REASON) if kind == "dispute" else an_incident(world, urgent_reason=REASON)
    model = type(item)
    assert "/login" in client.post(_to_district_url(item), _form(item, "to_district", note="急")).url
    assert (
        login(world.village2_user).post(_to_district_url(item), _form(item, "to_district", note="急")).status_code
        == 404
    )
    refused = login(world.grid1_user).post(_to_district_url(item), _form(item, "to_district", note="急"), follow=True)
    assert refused.status_code == 200 and model.objects.get(pk=item.pk).level == Level.VILLAGE
    response = login(world.village1_user).post(_to_district_url(item), _form(item, "to_district", note="有人受伤"))
    assert response.status_code == 302 and model.objects.get(pk=item.pk).level == Level.DISTRICT


def test_the_steps_are_offered_exactly_when_their_rules_hold(world, login):
    d = a_dispute(world)
    page = login(world.village1_user).get(d.get_absolute_url()).content.decode()
    assert _mark_url(d) in page and _to_district_url(d) not in page
    ds.dispute_mark_urgent(dispute=d, actor=world.grid1_user, at=now(), urgent_reason=REASON)
    page = login(world.village1_user).get(d.get_absolute_url()).content.decode()
    assert _mark_url(d) not in page and _to_district_url(d) in page
    assert _to_district_url(d) not in login(world.grid1_user).get(d.get_absolute_url()).content.decode()


def test_the_registration_form_marks_a_dispute_urgent(world, login):
    client = login(world.grid1_user)
    data = {
        "grid": world.grid1.pk,
        "source": "grid_inspection",
        "category": "neighbourhood",
        "risk_level": "major",
        "urgent_reason": UrgentReason.MASS_INCIDENT_RISK,
        "summary": "两村村民聚集",
        "description": "为水源争执，已聚集三十余人。",
        "occurred_on": timezone.localdate().isoformat(),
        "parties-TOTAL_FORMS": "1",
        "parties-INITIAL_FORMS": "0",
        "parties-0-role": "applicant",
        "parties-0-kind": "person",
        "parties-0-name": "张三",
    }
    response = client.post(reverse("disputes:register"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    d = Dispute.objects.get()
    assert d.urgent_reason == UrgentReason.MASS_INCIDENT_RISK
    assert alarms(world, RECIPIENTS) == dict.fromkeys(RECIPIENTS, 1)


def _file_form(world, **overrides) -> dict:
    from tests.sentiment.helpers import an_hour_ago

    data = {
        "grid": world.grid1.pk,
        "kind": "incident",
        "category": "production_safety",
        "matter": "山塘堤坝管涌，下游农户有危险",
        "next_step": "report",
        "urgent_reason": REASON,
        **an_hour_ago(),
        "client_token": "",
    }
    data.update(overrides)
    return data


def test_the_filing_form_marks_an_incident_report_urgent(world, login):
    client = login(world.grid1_user)
    response = client.post(reverse("sentiment:file"), _file_form(world))
    assert response.status_code == 302
    log = Log.objects.get()
    assert log.urgent_reason == REASON and log.status == Log.Status.NEW
    assert alarms(world, RECIPIENTS) == dict.fromkeys(RECIPIENTS, 1)


@pytest.mark.parametrize("overrides", [{"kind": "visit"}, {"next_step": "answered"}])
def test_the_filing_form_refuses_urgent_on_other_logs_and_keeps_what_was_typed(world, login, overrides):
    response = login(world.grid1_user).post(reverse("sentiment:file"), _file_form(world, **overrides))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Only an incident report that is reported up can be marked urgent." in html
    assert "山塘堤坝管涌" in html
    assert not Log.objects.exists()


# --- the form fields (hypothesis) ----------------------------------------------------------------

REASON_INPUTS = st.one_of(st.sampled_from(["", *UrgentReason.values, "x", " danger_to_life"]), st.text(max_size=20))


@given(value=REASON_INPUTS)
def test_the_urgent_field_accepts_exactly_the_reasons_or_nothing(value):
    field = urgent.urgent_reason_field()
    try:
        cleaned = field.clean(value)
    except forms.ValidationError:
        assert value not in ("", *UrgentReason.values)
    else:
        assert cleaned == value and cleaned in ("", *UrgentReason.values)


@given(value=REASON_INPUTS, note=st.text(alphabet="有人受伤 abc,.", max_size=50))
def test_the_mark_urgent_form_needs_a_reason_from_the_list(value, note):
    form = MarkUrgentForm({"urgent_reason": value, "note": note})
    assert form.is_valid() is (value in UrgentReason.values)
    if not form.is_valid():
        assert form.errors["urgent_reason"] == ["Choose why this is urgent."]


def test_counted_first_a_list_without_urgent_items_reads_no_urgent_ids(world):
    """``UrgentFirst.capped_count`` counts the list and its urgent items in one query; when
    there are none, its pages skip the urgent ids, and when there are some, they read them
    as before: the same rows either way, and the count ``capped_count`` gives."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from govcenter.pagination import capped_count

    made = [a_dispute(world, summary=f"纠纷{i}") for i in range(4)]
    qs = Dispute.objects.filter(pk__in=[d.pk for d in made]).order_by("-pk")
    uncounted = [d.pk for d in urgent.urgent_pinned(qs)[0:3]]
    expected = capped_count(qs), capped_count(qs, cap=3)
    rows = urgent.urgent_pinned(qs)
    with CaptureQueriesContext(connection) as queries:
        counted = rows.capped_count(), rows.capped_count(cap=3)
        page = rows[0:3]
    assert counted == expected and expected[1].capped
    assert len(queries) == 3  # two counts, then the page's rows: no urgent ids
    assert [d.pk for d in page] == uncounted == [made[3].pk, made[2].pk, made[1].pk]
    # With an urgent item, it comes first, as without the count.
    ds.dispute_mark_urgent(dispute=made[1], actor=world.grid1_user, at=now(), urgent_reason=REASON)
    rows = urgent.urgent_pinned(qs)
    rows.capped_count()
    with CaptureQueriesContext(connection) as queries:
        page = rows[0:3]
    assert len(queries) == 3  # the urgent ids, their rows, the rest
    assert [d.pk for d in page] == [d.pk for d in urgent.urgent_pinned(qs)[0:3]] == [made[1].pk, made[3].pk, made[2].pk]


def test_a_pinned_page_fetches_its_related_rows_once(world):
    """The urgent part and the rest of a page are separate queries, but their parties are fetched
    in one (the ledger's prefetches ran once per part before), and every row has them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    made = [a_dispute(world, summary=f"纠纷{i}") for i in range(4)]
    ds.dispute_mark_urgent(dispute=made[0], actor=world.grid1_user, at=now(), urgent_reason=REASON)
    qs = Dispute.objects.order_by("-pk").prefetch_related("parties")
    with CaptureQueriesContext(connection) as queries:
        rows = urgent.urgent_pinned(qs)[0:3]
    assert len(queries) == 4  # the urgent ids, the urgent rows shown, the rest, parties
    assert rows[0].pk == made[0].pk
    # A page that shows no urgent item reads no urgent row: only their ids.
    with CaptureQueriesContext(connection) as queries:
        later = urgent.urgent_pinned(qs)[1:3]
    assert len(queries) == 3  # the urgent ids, the rest, parties
    assert [d.pk for d in later] == [made[3].pk, made[2].pk]
    assert (
        "parties" not in str(queries.captured_queries[0]["sql"])
        and '"summary"' not in queries.captured_queries[0]["sql"]
    )
    with CaptureQueriesContext(connection) as queries:
        names = [[p.name for p in d.parties.all()] for d in rows]
    assert not queries.captured_queries and all(len(n) == 2 for n in names)
    assert [d.pk for d in urgent.urgent_pinned(qs)] == [made[0].pk, made[3].pk, made[2].pk, made[1].pk]
