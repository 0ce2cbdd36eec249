"""Township stations and institutes (站所) as handlers of sentiment logs (issue 12 item 6):
the township assigns a reported log to one of its units, whose staff feed the result back
as a department does for the district; it travels down to the township, the village and
the grid worker; who is notified, who may and may not, the pages."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

import sentiment.tasks  # noqa: F401  (registers the logs with the overdue sweep)
from govcenter.feedback import Satisfaction
from govcenter.models import Notification
from govcenter.sweep import sweep_kind
from sentiment import rules
from sentiment import services as s
from sentiment.models import Level, Log, LogEvent

from .helpers import T0, at, at_township, at_unit

Status = Log.Status


def titles(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("pk").values_list("title", flat=True))


def test_the_whole_path_of_a_log_through_a_unit_notifies_each_level(world):
    log = at_township(world)
    before = {u.pk: len(titles(u)) for u in (world.township1_user, world.village1_user, world.grid1_user)}
    log = s.log_assign_unit(log=log, actor=world.township1_user, at=at(2), unit=world.unit1, note="请司法所核实")
    assert (log.level, log.status, log.department, log.handler) == (
        Level.TOWNSHIP_UNIT,
        Status.IN_HAND,
        world.unit1,
        None,
    )
    # The unit's deadline: the policy row of the migration, 7 working days.
    assert log.due_at == datetime.datetime(2026, 11, 13, 23, 59, 59, tzinfo=T0.tzinfo)
    assert titles(world.unit1_user) == [f"The township centre assigned you a log: {log.summary}"]
    assert titles(world.unit1b_user) == [] and titles(world.unit2_user) == [] and titles(world.dept1) == []
    event = log.events.get(kind=LogEvent.Kind.UNIT_ASSIGNED)
    assert (event.from_level, event.to_level, event.note) == (
        Level.TOWNSHIP,
        Level.TOWNSHIP_UNIT,
        "桃源司法所 · 请司法所核实",
    )

    log = s.log_feed_back(log=log, actor=world.unit1_user, at=at(3), result="已核实并答复")
    assert (log.status, log.result_level) == (Status.FED_BACK, Level.TOWNSHIP_UNIT)
    assert log.events.get(kind=LogEvent.Kind.FED_BACK).to_level == Level.TOWNSHIP
    title = f"Result fed back on your log: {log.summary}"
    for user in (world.township1_user, world.village1_user, world.grid1_user):
        assert titles(user)[before[user.pk] :].count(title) == 1, user
    assert title not in titles(world.district1) and title not in titles(world.unit1b_user)

    log = s.log_tell_parties(
        log=log, actor=world.grid1_user, at=at(4), how="visit", satisfaction=Satisfaction.UNSATISFIED
    )
    # Unsatisfied: back with the unit that gave the result, in hand (a unit has no screening).
    assert (log.level, log.status, log.department) == (Level.TOWNSHIP_UNIT, Status.IN_HAND, world.unit1)
    assert rules.can_feed_back(world.unit1_user, log)


def test_who_may_assign_a_log_to_a_unit_and_feed_it_back(world):
    log = at_township(world)
    for other in (world.township2_user, world.village1_user, world.district1, world.unit1_user, world.grid1_user):
        assert not rules.can_assign_unit(other, log), other
    assert rules.can_assign_unit(world.township1_user, log)
    with pytest.raises(s.LogError, match="Choose an active station or institute of this township."):
        s.log_assign_unit(log=log, actor=world.township1_user, at=at(2), unit=world.unit2)
    with pytest.raises(s.LogError):
        s.log_assign_unit(log=log, actor=world.township1_user, at=at(2), unit=world.department)
    log = s.log_assign_unit(log=log, actor=world.township1_user, at=at(2), unit=world.unit1)
    for other in (world.unit1b_user, world.unit2_user, world.dept1, world.township2_user, world.grid1_user):
        assert not rules.can_feed_back(other, log), other
    assert rules.can_feed_back(world.unit1_user, log)
    for step in (rules.can_report_up, rules.can_handle_here, rules.can_assign_department, rules.can_assign_unit):
        assert not step(world.unit1_user, log), step
    assert not rules.can_turn_into_dispute(world.unit1_user, log)
    # The district cannot assign a township unit; the department's step offers none.
    district_log = s.log_report_up(log=at_township(world), actor=world.township1_user, at=at(2))
    with pytest.raises(s.LogError, match="Choose an active department of this district."):
        s.log_assign_department(log=district_log, actor=world.district1, at=at(3), department=world.unit1)


def test_an_overdue_log_at_a_unit_is_supervised_and_the_township_told(world):
    log = at_unit(world)
    counts = sweep_kind("sentiment-log", at=log.due_at + datetime.timedelta(minutes=1))
    assert counts["supervised"] == 1 and counts["escalated"] == 0
    log.refresh_from_db()
    assert log.level == Level.TOWNSHIP_UNIT and log.supervised_at is not None
    title = f"Log overdue and under supervision: {log.summary}"
    for user in (world.unit1_user, world.township1_user, world.district1):
        assert titles(user).count(title) == 1, user
    assert title not in titles(world.unit1b_user)


def test_the_township_queue_lists_what_it_assigned_and_the_units_queue_its_logs(world, login):
    log = at_unit(world)
    township = login(world.township1_user).get(reverse("sentiment:queue"), {"tab": "reported_up"})
    assert [row.pk for row in township.context["page"]] == [log.pk]
    tab = next(t for t in township.context["tabs"] if t[0] == "reported_up")
    assert (tab[1], tab[2]) == ("Reported up or with stations", 1)
    unit = login(world.unit1_user).get(reverse("sentiment:queue"))
    assert [t[0] for t in unit.context["tabs"]] == ["in_hand", "fed_back"]
    assert [row.pk for row in unit.context["page"]] == [log.pk]
    assert list(login(world.unit1b_user).get(reverse("sentiment:queue")).context["page"]) == []


def test_the_log_page_for_the_unit_others_and_anonymous(world, login, client):
    log = at_unit(world)
    url = reverse("sentiment:detail", args=[log.pk])
    page = login(world.unit1_user).get(url)
    assert page.status_code == 200 and "桃源司法所" in page.content.decode()
    for other in (world.unit1b_user, world.unit2_user, world.dept1):
        assert login(other).get(url).status_code == 404, other
    client.logout()
    assert client.get(url).status_code == 302


def test_the_township_assigns_a_log_through_the_page(world, login):
    log = at_township(world)
    client = login(world.township1_user)
    bad = client.post(
        reverse("sentiment:assign_unit", args=[log.pk]), {"unit-unit": world.unit2.pk, "unit-note": "请办理"}
    )
    assert bad.status_code == 200 and Log.objects.get(pk=log.pk).level == Level.TOWNSHIP
    form = next(a.form for a in bad.context["actions"] if a.expanded)
    assert form.errors["unit"] == ["Select a valid choice. That choice is not one of the available choices."]
    assert "请办理" in bad.content.decode()  # what was typed is kept
    ok = client.post(
        reverse("sentiment:assign_unit", args=[log.pk]), {"unit-unit": world.unit1.pk, "unit-note": "请办理"}
    )
    assert ok.status_code == 302
    assert Log.objects.get(pk=log.pk).department == world.unit1
    assert (
        login(world.township2_user)
        .post(reverse("sentiment:assign_unit", args=[log.pk]), {"unit-unit": world.unit1.pk})
        .status_code
        == 404
    )
