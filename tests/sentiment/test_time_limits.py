"""Time limits of the reporting flow and of agency matters (issue 12, item 3): deadlines
from the policy tables, reminders before, and the overdue sweep (reported up by itself, or
supervised where it cannot move), once per deadline (under two workers:
test_time_limits_concurrency.py)."""

from __future__ import annotations

import datetime

import pytest

from govcenter.models import Notification, Supervision
from govcenter.reminders import reminders_send
from govcenter.sweep import sweep_kind, sweep_overdue
from sentiment import services as s
from sentiment.models import AgencyDeadlinePolicy, AgencyMatter, Level, Log, LogEvent, ReportDeadlinePolicy

from .helpers import TZ, at, at_department, at_district, file_log, reported

pytestmark = pytest.mark.usefixtures("world_for_the_module")

Kind = LogEvent.Kind


def end(year: int, month: int, day: int) -> datetime.datetime:
    return datetime.datetime(year, month, day, 23, 59, 59, tzinfo=TZ)


# --- deadlines ------------------------------------------------------------------------------------


def test_a_reported_log_is_due_in_five_working_days_at_the_village_by_default(world):
    log = reported(world)  # Monday 2 November 2026
    assert log.due_at == end(2026, 11, 9)  # Mon + 5 working days (no holiday that week)


def test_the_administrators_row_sets_the_deadline_of_the_level_it_reaches(world):
    ReportDeadlinePolicy.objects.create(level=Level.TOWNSHIP, days=3, day_kind=ReportDeadlinePolicy.DayKind.CALENDAR)
    log = s.log_report_up(log=reported(world), actor=world.village1_user, at=at(1))  # Tuesday 3 November
    assert (log.level, log.due_at) == (Level.TOWNSHIP, end(2026, 11, 6))


def test_a_department_gets_its_own_deadline(world):
    log = at_department(world)  # assigned on Thursday 5 November; department default 10 working days
    assert log.due_at == end(2026, 11, 19)


def test_an_agency_matter_filed_without_a_due_day_is_due_by_its_types_policy(world):
    AgencyDeadlinePolicy.objects.create(matter_type=AgencyMatter.Type.SUBSISTENCE, days=10, day_kind="calendar")
    log = file_log(world, next_step=Log.NextStep.AGENCY, agency_type=AgencyMatter.Type.SUBSISTENCE)
    assert log.agency_matters.get().due_on == datetime.date(2026, 11, 12)
    other = file_log(world, next_step=Log.NextStep.AGENCY, agency_type=AgencyMatter.Type.PENSION)
    assert other.agency_matters.get().due_on == datetime.date(2026, 11, 9)  # the default: a week


# --- the overdue sweep ----------------------------------------------------------------------------


def test_an_overdue_log_at_the_village_is_reported_up_once(world):
    log = reported(world)
    later = log.due_at + datetime.timedelta(minutes=1)
    assert sweep_kind("sentiment-log", at=later) == {"escalated": 1, "supervised": 0, "skipped": 0}
    log.refresh_from_db()
    assert (log.level, log.status, log.reported_at) == (Level.TOWNSHIP, Log.Status.REPORTED_UP, later)
    assert log.due_at == end(2026, 11, 19)  # township: 7 working days after Tuesday 10th (00:00:59)
    event = log.events.get(kind=Kind.REPORTED_UP)
    assert (event.actor, event.from_level, event.to_level) == (None, Level.VILLAGE, Level.TOWNSHIP)
    assert Notification.objects.filter(recipient=world.township1_user, url=log.get_absolute_url()).count() == 1
    assert sweep_kind("sentiment-log", at=later) == {"escalated": 0, "supervised": 0, "skipped": 0}


def test_an_overdue_log_at_the_district_is_supervised_not_stuck(world):
    log = at_district(world)
    later = log.due_at + datetime.timedelta(minutes=1)
    assert sweep_overdue(at=later)["sentiment-log"] == {"escalated": 0, "supervised": 1, "skipped": 0}
    log.refresh_from_db()
    assert (log.level, log.supervised_at) == (Level.DISTRICT, later)
    assert log.due_at > later  # renewed, so that supervision repeats if it stays overdue
    row = Supervision.objects.get(object_id=log.pk, content_type__model="log")
    assert (row.level, row.area, row.supervisor, row.lifted_at) == (Level.DISTRICT, world.district, None, None)
    assert log.events.filter(kind=Kind.SUPERVISED, actor=None).count() == 1
    assert Notification.objects.filter(recipient=world.district1, title__contains="under supervision").count() == 1
    assert sweep_kind("sentiment-log", at=later)["supervised"] == 0


def test_an_answered_log_is_not_swept(world):
    log = reported(world)
    s.log_feed_back(log=log, actor=world.village1_user, at=at(1), result="已答复")
    assert sweep_kind("sentiment-log", at=log.due_at + datetime.timedelta(days=30))["escalated"] == 0


def test_an_overdue_agency_matter_is_supervised_by_the_township_once(world):
    log = file_log(world, next_step=Log.NextStep.AGENCY, agency_type=AgencyMatter.Type.PENSION)
    matter = log.agency_matters.get()
    later = datetime.datetime(2026, 11, 10, 8, 0, tzinfo=TZ)  # the day after it was due
    assert sweep_kind("agency-matter", at=later) == {"escalated": 0, "supervised": 1, "skipped": 0}
    matter.refresh_from_db()
    assert (matter.supervised_at, matter.due_on) == (later, datetime.date(2026, 11, 17))
    row = Supervision.objects.get(object_id=matter.pk, content_type__model="agencymatter")
    assert (row.level, row.area, row.supervisor) == (Level.TOWNSHIP, world.township1, None)
    assert log.events.filter(kind=Kind.AGENCY_OVERDUE).count() == 1
    for user in (world.grid1_user, world.village1_user, world.township1_user):
        assert Notification.objects.filter(recipient=user, title__contains="overdue").count() == 1
    assert sweep_kind("agency-matter", at=later)["supervised"] == 0


# --- reminders ------------------------------------------------------------------------------------


def test_a_reported_log_coming_due_is_reminded_once_per_stage(world):
    log = reported(world)
    s.log_handle_here(log=log, actor=world.village1_user, at=at(0, 1), handler=world.grid1_user)
    the_day_before = datetime.datetime(2026, 11, 8, 10, 0, tzinfo=TZ)
    assert reminders_send(at=the_day_before, kinds=["log-due"]) == 1
    assert reminders_send(at=the_day_before, kinds=["log-due"]) == 0
    for user in (world.grid1_user, world.village1_user):
        assert Notification.objects.filter(recipient=user, title__contains="coming due").count() == 1
