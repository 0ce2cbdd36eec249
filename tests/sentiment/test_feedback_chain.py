"""A log's result travels down to the village centre and the grid worker by the same rule as
a dispute's (``govcenter.feedback``): who is told for each path, the parties' satisfaction,
the unsatisfied result back in the flow for review, who may record it, and over HTTP."""

from __future__ import annotations

from collections import Counter

import pytest
from django.urls import reverse

from govcenter.levels import Level
from govcenter.models import Notification, User
from sentiment import rules
from sentiment import services as s
from sentiment.models import Log, LogEvent
from tests.factories import make_user

from .helpers import at, at_department, at_district, at_township, file_log, reported
from .test_services import EVERYONE

Status = Log.Status


def told(step) -> Counter:
    last = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    step()
    return Counter(Notification.objects.filter(pk__gt=last).values_list("recipient__username", flat=True))


def names(*usernames) -> Counter:
    return Counter(usernames)


@pytest.fixture
def clerk2(world):
    return make_user("village1b", User.Role.VILLAGE_CLERK, area=world.village1)


@pytest.mark.parametrize(
    "path,builder,actor,expected",
    [
        ("village only", reported, "village1_user", ["grid1"]),
        ("up to the township", at_township, "township1_user", ["village1", "village1b", "grid1"]),
        ("up to the district", at_district, "district1", ["township1", "village1", "village1b", "grid1"]),
        ("to a department", at_department, "dept1", ["district1", "township1", "village1", "village1b", "grid1"]),
    ],
)
def test_each_path_tells_every_level_it_passed_and_the_grid_worker_once(world, clerk2, path, builder, actor, expected):
    log = builder(world)
    notified = told(lambda: s.log_feed_back(log=log, actor=getattr(world, actor), at=at(5), result="已办结"))
    assert notified == names(*expected), path
    assert (log.result_level, log.result_returned_at, log.awaiting_parties) == (log.level, at(5), True)


def test_the_grid_worker_tells_the_parties_who_are_satisfied(world):
    log = at_township(world)
    s.log_feed_back(log=log, actor=world.township1_user, at=at(2), result="已协调")
    notified = told(
        lambda: s.log_tell_parties(log=log, actor=world.grid1_user, at=at(3), how="visit", satisfaction="satisfied")
    )
    assert notified == {}
    assert (log.status, log.satisfaction, log.parties_told_by) == (Status.FED_BACK, "satisfied", world.grid1_user)
    assert log.events.last().kind == LogEvent.Kind.PARTIES_TOLD
    assert not rules.can_tell_parties(world.grid1_user, log)


def test_unsatisfied_sends_the_log_back_to_the_level_that_fed_it_back(world):
    log = at_township(world)
    s.log_handle_here(log=log, actor=world.township1_user, at=at(2), handler=world.township1_user)
    s.log_feed_back(log=log, actor=world.township1_user, at=at(3), result="已协调")
    notified = told(
        lambda: s.log_tell_parties(
            log=log, actor=world.village1_user, at=at(4), how="phone", satisfaction="unsatisfied", note="仍未通车"
        )
    )
    assert notified == names("township1")  # the centre, and its person in charge, once
    assert (log.level, log.status, log.handler) == (Level.TOWNSHIP, Status.IN_HAND, world.township1_user)
    event = log.events.last()
    assert (event.kind, event.from_level, event.to_level, event.note) == (
        LogEvent.Kind.PARTIES_UNSATISFIED,
        Level.TOWNSHIP,
        Level.TOWNSHIP,
        "By phone · Unsatisfied · 仍未通车",
    )
    again = told(lambda: s.log_feed_back(log=log, actor=world.township1_user, at=at(5), result="已恢复班车"))
    assert again == names("village1", "grid1")
    assert (log.awaiting_parties, log.satisfaction) == (True, "")


def test_unsatisfied_at_a_department_is_in_hand_there_again(world):
    log = at_department(world)
    s.log_feed_back(log=log, actor=world.dept1, at=at(4), result="已补发")
    s.log_tell_parties(log=log, actor=world.grid1_user, at=at(5), how="phone", satisfaction="unsatisfied")
    assert (log.level, log.status) == (Level.DEPARTMENT, Status.IN_HAND)
    assert rules.can_feed_back(world.dept1, log) is True


def test_the_origin_records_it_and_nobody_else_and_only_once_a_result_is_back(world):
    log = at_township(world)
    assert {r for r in EVERYONE if rules.can_tell_parties(getattr(world, r), log)} == set()
    s.log_feed_back(log=log, actor=world.township1_user, at=at(2), result="已协调")
    assert {r for r in EVERYONE if rules.can_tell_parties(getattr(world, r), log)} == {
        "admin",
        "village1_user",
        "grid1_user",
    }
    assert rules.can_tell_parties(world.township1_user, log).reason == (
        "Only the Village centre where it was registered, or its grid worker, tells the parties."
    )


def test_a_log_turned_into_a_dispute_awaits_no_parties(world):
    log = reported(world)
    s.log_to_dispute(log=log, actor=world.village1_user, at=at(1))
    assert log.status == Status.FED_BACK and not log.awaiting_parties
    assert not rules.can_tell_parties(world.village1_user, log)


def test_over_http_the_village_tab_lists_it_and_outsiders_get_404(world, login):
    log = at_township(world)
    s.log_feed_back(log=log, actor=world.township1_user, at=at(2), result="已协调")
    queue = login(world.village1_user).get(reverse("sentiment:queue"), {"tab": "to_tell"}).content.decode()
    assert reverse("sentiment:detail", args=[log.pk]) in queue
    mine = login(world.grid1_user).get(reverse("sentiment:mine"), {"tab": "to_tell"}).content.decode()
    assert reverse("sentiment:detail", args=[log.pk]) in mine
    data = {"told-how": "phone", "told-satisfaction": "satisfied", "told-note": ""}
    address = reverse("sentiment:parties_told", args=[log.pk])
    assert login(world.village2_user).post(address, data).status_code == 404
    response = login(world.grid1_user).post(address, data, follow=True)
    assert response.status_code == 200 and "Satisfied" in response.content.decode()
    log.refresh_from_db()
    assert log.satisfaction == "satisfied"
    assert (
        "By phone · Satisfied"
        in login(world.village1_user).get(reverse("sentiment:print", args=[log.pk])).content.decode()
    )


def test_filed_logs_are_not_in_the_tab(world, login):
    file_log(world)
    queue = login(world.village1_user).get(reverse("sentiment:queue"), {"tab": "to_tell"})
    assert list(queue.context["page"]) == []
