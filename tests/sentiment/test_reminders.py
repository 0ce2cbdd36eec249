"""Agency matters coming due remind the assignee and the village centre, once per stage."""

from __future__ import annotations

import datetime

import pytest

from govcenter.models import Notification, ReminderSent
from govcenter.reminders import reminder_kinds, reminders_send
from sentiment import services as s
from sentiment.models import Log

from .helpers import TZ, at, file_log

KIND = "agency-matter-due"


@pytest.fixture(autouse=True)
def stages(settings):
    settings.REMINDER_DAYS_BEFORE = [3, 1, 0]


def agency(world, due: datetime.date, **kwargs):
    return file_log(world, next_step=Log.NextStep.AGENCY, agency_due_on=due, **kwargs).agency_matters.get()


def test_the_kind_is_registered():
    assert KIND in reminder_kinds()


def test_agency_matter_coming_due_reminds_assignee_and_village_clerk_once(world):
    m = agency(world, datetime.date(2026, 11, 4))  # due Wednesday; Monday 09:00 is two days before: stage 3
    before = set(Notification.objects.values_list("pk", flat=True))
    assert reminders_send(at=at(0), kinds=[KIND]) == 1
    assert reminders_send(at=at(0, hours=2), kinds=[KIND]) == 0  # the next beat tick
    assert reminders_send(at=at(0), kinds=[KIND]) == 0  # a second worker
    new = Notification.objects.exclude(pk__in=before)
    assert sorted(n.recipient.username for n in new) == ["grid1", "village1"]
    assert all(m.log.get_absolute_url() == n.url for n in new)
    assert "王大明" in new.first().title
    sent = ReminderSent.objects.get()
    assert (sent.kind, sent.object_id, sent.deadline) == (
        f"{KIND}:3",
        m.pk,
        datetime.datetime(2026, 11, 4, 23, 59, 59, tzinfo=TZ),
    )


def test_each_stage_reminds_once(world):
    agency(world, datetime.date(2026, 11, 4))
    assert reminders_send(at=at(0), kinds=[KIND]) == 1  # stage 3
    assert reminders_send(at=at(1), kinds=[KIND]) == 1  # the day before: stage 1
    assert reminders_send(at=at(1, hours=5), kinds=[KIND]) == 0
    assert reminders_send(at=at(2), kinds=[KIND]) == 1  # on the day: stage 0
    assert reminders_send(at=at(2, hours=8), kinds=[KIND]) == 0
    assert reminders_send(at=at(3), kinds=[KIND]) == 0  # past the deadline: no more


def test_a_matter_due_later_is_not_reminded_yet(world):
    agency(world, datetime.date(2026, 11, 20))
    assert reminders_send(at=at(0), kinds=[KIND]) == 0


def test_completed_matters_get_no_reminder(world):
    m = agency(world, datetime.date(2026, 11, 3))
    s.agency_matter_complete(matter=m, actor=world.grid1_user, at=at(0), result="已办结")
    assert reminders_send(at=at(0, hours=1), kinds=[KIND]) == 0


def test_reminders_go_to_the_assignee_when_someone_else_filed(world):
    from grids.models import GridMembership
    from grids.services import membership_add
    from tests.factories import make_user

    colleague = make_user("grid1c", "grid_worker", area=world.village1)
    membership_add(
        grid=world.grid1, user=colleague, duty=GridMembership.Duty.GRID_WORKER, started_on=datetime.date(2026, 1, 5)
    )
    agency(world, datetime.date(2026, 11, 2), agency_assignee=colleague)
    before = set(Notification.objects.values_list("pk", flat=True))
    assert reminders_send(at=at(0), kinds=[KIND]) == 1
    assert sorted(Notification.objects.exclude(pk__in=before).values_list("recipient__username", flat=True)) == [
        "grid1c",
        "village1",
    ]
