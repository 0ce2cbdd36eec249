"""Reminders before a dispute's deadline and before follow-up visits: right people, once."""

from __future__ import annotations

import datetime

import pytest

from disputes import services as s
from govcenter.models import Notification, ReminderSent
from govcenter.reminders import reminders_send, stage_of

from .helpers import TZ, at, register


@pytest.mark.parametrize(
    "hours_left,expected",
    [(24 * 5, None), (24 * 4 - 1, 3), (24 * 3, 3), (24 * 2, 3), (24 + 1, 1), (24, 1), (23, 0), (2, 0)],
)
def test_stage_reached(settings, hours_left, expected):
    settings.REMINDER_DAYS_BEFORE = [3, 1, 0]
    deadline = datetime.datetime(2026, 11, 10, 23, 59, 59, tzinfo=TZ)
    assert stage_of(deadline, deadline - datetime.timedelta(hours=hours_left)) == expected


def test_past_deadlines_get_no_reminder():
    deadline = datetime.datetime(2026, 11, 10, 23, 59, 59, tzinfo=TZ)
    assert stage_of(deadline, deadline + datetime.timedelta(minutes=1)) is None


def test_dispute_reminder_goes_to_handler_and_level_centre_once_per_stage(world):
    d = register(world.grid1_user, grid=world.grid1)
    s.dispute_assign_handler(dispute=d, actor=world.village1_user, at=at(0), handler=world.grid1_user)
    three_days_before = d.due_at - datetime.timedelta(days=2, hours=12)  # two calendar days left: stage 3
    before = set(Notification.objects.values_list("pk", flat=True))
    assert reminders_send(at=three_days_before, kinds=["dispute-due"]) == 1
    assert reminders_send(at=three_days_before, kinds=["dispute-due"]) == 0  # a second beat tick
    new = Notification.objects.exclude(pk__in=before)
    assert sorted(n.recipient.username for n in new) == ["grid1", "village1"]
    # The next stage is a new reminder, once.
    one_day_before = d.due_at - datetime.timedelta(hours=30)  # the day before: stage 1
    assert reminders_send(at=one_day_before, kinds=["dispute-due"]) == 1
    assert reminders_send(at=one_day_before, kinds=["dispute-due"]) == 0


def test_a_new_deadline_gets_reminded_again(world):
    d = register(world.grid1_user, grid=world.grid1)
    assert reminders_send(at=d.due_at - datetime.timedelta(hours=2), kinds=["dispute-due"]) == 1
    s.dispute_escalate(dispute=d, actor=world.village1_user, reason="上报", at=d.due_at - datetime.timedelta(hours=1))
    assert reminders_send(at=d.due_at - datetime.timedelta(hours=2), kinds=["dispute-due"]) == 1
    assert d.due_at != ReminderSent.objects.order_by("pk").first().deadline


def test_closed_disputes_get_no_reminders(world):
    d = register(world.grid1_user, grid=world.grid1)
    s.dispute_accept(dispute=d, actor=world.village1_user, at=at(0))
    s.dispute_close_unresolved(
        dispute=d, actor=world.village1_user, at=at(0), result="起诉", referral="litigation",
        court="上城区人民法院", referred_on=at(0).date(),
    )  # fmt: skip
    assert reminders_send(at=d.due_at - datetime.timedelta(hours=2), kinds=["dispute-due"]) == 0


def test_follow_up_reminder_goes_to_the_grid_worker(world):
    d = register(world.grid1_user, grid=world.grid1)
    s.dispute_accept(dispute=d, actor=world.village1_user, at=at(1))
    s.dispute_resolve(dispute=d, actor=world.village1_user, at=at(2), result="已调解")
    fu = d.follow_ups.order_by("due_on").first()
    on_the_day = datetime.datetime.combine(fu.due_on, datetime.time(8, 0), tzinfo=TZ)
    before = set(Notification.objects.values_list("pk", flat=True))
    assert reminders_send(at=on_the_day, kinds=["follow-up-due"]) == 1
    assert reminders_send(at=on_the_day, kinds=["follow-up-due"]) == 0
    new = Notification.objects.exclude(pk__in=before)
    assert [n.recipient for n in new] == [world.grid1_user]


def test_reminder_kinds_are_registered():
    from govcenter.reminders import reminder_kinds

    assert {"dispute-due", "follow-up-due"} <= set(reminder_kinds())


def _second_run_queries(world, n: int) -> int:
    """Queries of a reminder run that has nothing new to send, with ``n`` disputes and ``n``
    follow-ups due and reminded already."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cases = [register(world.grid1_user, grid=world.grid1, when=at(0)) for _ in range(n)]
    when = min(d.due_at for d in cases) - datetime.timedelta(hours=1)
    first = reminders_send(at=when, kinds=["dispute-due", "police-review-dispute", "supervision-due"])
    assert first >= n  # (the earlier cases of the test come again: their claims were deleted)
    with CaptureQueriesContext(connection) as run:
        assert reminders_send(at=when, kinds=["dispute-due", "police-review-dispute", "supervision-due"]) == 0
    return len(run)


def test_a_run_with_nothing_new_to_send_costs_the_same_queries_for_3_and_30_items(world):
    """Issue 17: the recipients of a reminder are looked up only when it is sent, and which
    were sent already is one query per 500 items: the run's queries do not grow with them."""
    few = _second_run_queries(world, 3)
    ReminderSent.objects.all().delete()
    many = _second_run_queries(world, 30)
    assert many == few, (few, many)


def _first_run(world, n: int, pre_claimed: int = 0) -> tuple[int, int, list]:
    """Send the dispute-due reminders of ``n`` new disputes, ``pre_claimed`` of which another
    worker claimed already: (reminders sent, queries, the disputes)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ReminderSent.objects.all().delete()
    grids = [(world.grid1_user, world.grid1), (world.grid2_user, world.grid2)]
    cases = [register(grids[i % 2][0], grid=grids[i % 2][1], when=at(0)) for i in range(n)]
    when = min(d.due_at for d in cases) - datetime.timedelta(hours=1)
    kind_type = ContentType.objects.get_for_model(cases[0])
    for d in cases[:pre_claimed]:
        ReminderSent.objects.create(content_type=kind_type, object_id=d.pk, kind="dispute-due:0", deadline=d.due_at)
    with CaptureQueriesContext(connection) as run:
        sent = reminders_send(at=when, kinds=["dispute-due"])
    return sent, len(run), cases


def test_sending_costs_the_same_statements_for_3_and_30_reminders(world):
    """Issue 17: a chunk's reminders are claimed in one INSERT .. ON CONFLICT DO NOTHING and
    their messages written in one INSERT, not two statements per reminder; their recipients
    (each case's village centre, in two villages) are looked up together, one query per
    level (``govcenter.levels.LevelStaff``), not one per reminder."""
    few, few_queries, _cases = _first_run(world, 3)
    Notification.objects.all().delete()
    many, many_queries, cases = _first_run(world, 30)
    assert many >= 30 and few >= 3
    assert many_queries == few_queries, (few, few_queries, many, many_queries)
    # Each case's village centre got its one reminder, with the stage in the title; the
    # other village's centre none.
    clerks = {world.village1.pk: world.village1_user, world.village2.pk: world.village2_user}
    for d in cases:
        for village, clerk in clerks.items():
            reminded = Notification.objects.filter(recipient=clerk, title__contains=d.number)
            assert reminded.filter(title__contains="coming due").count() == (village == d.village_id)


def test_a_reminder_another_worker_claimed_is_not_sent_again(world):
    """The claim is the unique row: what another worker (or an earlier run) inserted is
    skipped, the others of the same chunk go out, each once."""
    sent, _queries, cases = _first_run(world, 5, pre_claimed=2)
    assert sent == 3
    for i, d in enumerate(cases):
        reminded = Notification.objects.filter(title__contains=d.number).filter(title__contains="coming due")
        assert reminded.exists() == (i >= 2)
    assert ReminderSent.objects.filter(kind="dispute-due:0").count() == 5
    assert reminders_send(at=min(d.due_at for d in cases) - datetime.timedelta(hours=1), kinds=["dispute-due"]) == 0
