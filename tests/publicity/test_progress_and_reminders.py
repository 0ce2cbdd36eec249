"""Progress figures equal the records (known numbers); reminders before the due date, once."""

from __future__ import annotations

import datetime

import pytest

from govcenter.models import Notification, ReminderSent
from govcenter.reminders import reminders_send
from publicity import services as s
from publicity.models import Assignment
from publicity.selectors import campaign_progress
from tests.factories import make_grid

from .helpers import TZ, activity, at, distributed, handed_out


def test_progress_figures_equal_the_records(world, django_assert_max_num_queries):
    """Township 1: village 1 hands out to its two grids (grid 1: two activities, done;
    grid 1b: none, overdue); village 2 hands out to its grid (one activity, not done, not
    yet due). Township 2's village 3 received the campaign but handed nothing out."""
    c = distributed(world, areas=[world.township1, world.village3])
    d1 = c.distributions.get(village=world.village1)
    d2 = c.distributions.get(village=world.village2)
    s.assignments_hand_out(
        distribution=d1,
        actor=world.village1_user,
        at=at(-6),
        grids=[world.grid1, world.grid1b],
        due_on=datetime.date(2026, 6, 5),
    )
    s.assignments_hand_out(
        distribution=d2, actor=world.village2_user, at=at(-6), grids=[world.grid2], due_on=datetime.date(2026, 6, 25)
    )
    a1 = Assignment.objects.get(grid=world.grid1)
    a2 = Assignment.objects.get(grid=world.grid2)
    activity(world, a1, participants=30, households=12)
    activity(world, a1, form="centralised", participants=55, households=20, days=1)
    s.assignment_complete(assignment=a1, actor=world.grid1_user, at=at(2))
    activity(world, a2, participants=8, households=8, worker=world.grid2_user, days=2)

    today = datetime.date(2026, 6, 10)
    with django_assert_max_num_queries(5):
        p = campaign_progress(world.district1, c, today=today)
    t = p.total
    assert (t.villages, t.assigned, t.covered, t.done, t.overdue) == (3, 3, 2, 1, 1)
    assert (t.activities, t.participants, t.households) == (3, 93, 40)
    assert [row.township for row in p.townships] == [world.township1, world.township2]
    t1, t2 = p.townships
    assert (t1.figures.assigned, t1.figures.activities, t1.figures.participants) == (3, 3, 93)
    v1, v2 = t1.villages
    assert (v1.village, v1.figures.assigned, v1.figures.covered, v1.figures.done, v1.figures.overdue) == (
        world.village1,
        2,
        1,
        1,
        1,
    )
    assert (v1.figures.activities, v1.figures.participants, v1.figures.households) == (2, 85, 32)
    assert (v2.village, v2.figures.assigned, v2.figures.covered, v2.figures.overdue, v2.figures.households) == (
        world.village2,
        1,
        1,
        0,
        8,
    )
    assert (t2.villages[0].village, t2.figures.assigned, t2.figures.activities) == (world.village3, 0, 0)
    assert t.coverage_percent == 67

    # Each centre sees its own part only; village 2's clerk sees village 2 alone.
    p2 = campaign_progress(world.village2_user, c, today=today)
    assert [v.village for row in p2.townships for v in row.villages] == [world.village2]
    assert (p2.total.assigned, p2.total.activities, p2.total.participants) == (1, 1, 8)
    p_t2 = campaign_progress(world.township2_user, c, today=today)
    assert (p_t2.total.villages, p_t2.total.assigned) == (1, 0)
    p_g1 = campaign_progress(world.grid1_user, c, today=today)
    assert (p_g1.total.villages, p_g1.total.assigned, p_g1.total.activities) == (1, 1, 2)


def test_progress_costs_the_same_queries_for_many_villages(world, django_assert_max_num_queries):
    c = distributed(world, areas=[world.township1, world.township2])
    d1 = c.distributions.get(village=world.village1)
    grids = [world.grid1, world.grid1b] + [make_grid(world.village1, n) for n in range(3, 30)]
    s.assignments_hand_out(
        distribution=d1, actor=world.village1_user, at=at(-6), grids=grids, due_on=datetime.date(2026, 6, 20)
    )
    with django_assert_max_num_queries(5):
        p = campaign_progress(world.district1, c)
    assert p.total.assigned == 29


# --- reminders --------------------------------------------------------------------------


def test_assignment_reminder_goes_to_the_grid_workers_once(world):
    handed_out(world, grids=[world.grid1], due_on=datetime.date(2026, 6, 20))
    a = Assignment.objects.get(grid=world.grid1)
    before = set(Notification.objects.values_list("pk", flat=True))
    three_days = datetime.datetime(2026, 6, 18, 8, 0, tzinfo=TZ)  # two days left: the 3-day stage
    assert reminders_send(at=three_days, kinds=["campaign-assignment-due"]) == 1
    assert reminders_send(at=three_days, kinds=["campaign-assignment-due"]) == 0  # a second beat tick
    assert reminders_send(at=three_days + datetime.timedelta(hours=3), kinds=["campaign-assignment-due"]) == 0
    new = Notification.objects.exclude(pk__in=before)
    assert [n.recipient for n in new] == [world.grid1_user]  # the grid worker, not the police or auxiliary
    assert new[0].url == a.get_absolute_url()
    sent = ReminderSent.objects.get()
    assert sent.kind == "campaign-assignment-due:3"
    assert sent.deadline == datetime.datetime(2026, 6, 20, 23, 59, 59, tzinfo=TZ)
    # The next stage is a new reminder, once.
    the_day = datetime.datetime(2026, 6, 20, 8, 0, tzinfo=TZ)
    assert reminders_send(at=the_day, kinds=["campaign-assignment-due"]) == 1
    assert reminders_send(at=the_day, kinds=["campaign-assignment-due"]) == 0


def test_done_or_overdue_or_closed_assignments_get_no_reminder(world):
    c = handed_out(world, grids=[world.grid1, world.grid1b], due_on=datetime.date(2026, 6, 20))
    a1 = Assignment.objects.get(grid=world.grid1)
    activity(world, a1)
    s.assignment_complete(assignment=a1, actor=world.grid1_user, at=at(1))
    the_day = datetime.datetime(2026, 6, 20, 8, 0, tzinfo=TZ)
    assert reminders_send(at=the_day, kinds=["campaign-assignment-due"]) == 1  # grid 1b only
    after = datetime.datetime(2026, 6, 21, 8, 0, tzinfo=TZ)
    assert reminders_send(at=after, kinds=["campaign-assignment-due"]) == 0  # overdue: shown, not reminded
    s.campaign_close(campaign=c, actor=world.district1, at=at(2))
    ReminderSent.objects.all().delete()
    assert reminders_send(at=the_day, kinds=["campaign-assignment-due"]) == 0


@pytest.mark.parametrize("today,overdue", [(datetime.date(2026, 6, 20), False), (datetime.date(2026, 6, 21), True)])
def test_an_assignment_is_overdue_after_its_date(world, today, overdue):
    handed_out(world, grids=[world.grid1], due_on=datetime.date(2026, 6, 20))
    a = Assignment.objects.get()
    assert a.is_overdue(today) is overdue
    assert Assignment.objects.overdue(today).exists() is overdue
