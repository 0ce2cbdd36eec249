"""Results travel back down to the origin (issue 12, item 1) and the handler belongs to the
level (item 2): for each path a case can take, who is told at each step, the parties'
satisfaction, the unsatisfied result sent back for review, and who may record it."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest

from disputes import rules
from disputes import services as s
from disputes.models import Dispute, DisputeEvent, FollowUp, Level
from govcenter.feedback import HowTold, Satisfaction
from govcenter.models import Notification, User
from govcenter.reminders import reminders_send
from tests.factories import make_user

from .helpers import at, register
from .test_services import ROLES

pytestmark = pytest.mark.usefixtures("world_for_the_module")

Status = Dispute.Status
Kind = DisputeEvent.Kind


def told(step) -> Counter:
    """Who was notified by ``step()``, by username, with how many notifications each."""
    last = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    step()
    return Counter(Notification.objects.filter(pk__gt=last).values_list("recipient__username", flat=True))


def names(*users) -> Counter:
    return Counter(u.username for u in users)


@pytest.fixture
def clerk2(world):
    """A second clerk of village1: a level's every staff member is told, each once."""
    return make_user("village1b", User.Role.VILLAGE_CLERK, area=world.village1)


def _up_to(world, level: str) -> Dispute:
    """A case grid1 registered in grid1, escalated (accepting at each level) up to ``level``."""
    d = register(world.grid1_user, grid=world.grid1)
    steps = [
        (world.village1_user, None),
        (world.township1_user, None),
        (world.district1, world.department),
    ]
    t = 1
    for actor, department in steps[: [Level.VILLAGE, Level.TOWNSHIP, Level.DISTRICT, Level.DEPARTMENT].index(level)]:
        s.dispute_accept(dispute=d, actor=actor, at=at(t))
        s.dispute_escalate(dispute=d, actor=actor, reason="上报", at=at(t, 1), department=department)
        t += 1
    return d


# --- the chain, path by path ------------------------------------------------------------------


def test_village_only_the_grid_worker_who_found_it_is_told(world, clerk2):
    d = _up_to(world, Level.VILLAGE)
    s.dispute_accept(dispute=d, actor=world.village1_user, at=at(1))
    assert told(lambda: s.dispute_resolve(dispute=d, actor=world.village1_user, at=at(2), result="已调解")) == names(
        world.grid1_user
    )
    assert (d.result_level, d.result_returned_at, d.awaiting_parties) == (Level.VILLAGE, at(2), True)


def test_village_only_registered_by_the_clerk_tells_nobody_and_awaits_the_parties(world, clerk2):
    d = register(world.village1_user, village=world.village1)
    s.dispute_accept(dispute=d, actor=world.village1_user, at=at(1))
    assert told(lambda: s.dispute_resolve(dispute=d, actor=world.village1_user, at=at(2), result="已调解")) == {}
    assert d.awaiting_parties and rules.can_tell_parties(clerk2, d) is True


def test_up_to_the_township_returned_then_confirmed(world, clerk2):
    d = _up_to(world, Level.TOWNSHIP)
    s.dispute_accept(dispute=d, actor=world.township1_user, at=at(3))
    returned = told(lambda: s.dispute_return_feedback(dispute=d, actor=world.township1_user, at=at(4), result="已协调"))
    assert returned == names(world.village1_user, clerk2)
    assert not d.awaiting_parties  # awaiting confirmation, not yet a result for the parties
    confirmed = told(lambda: s.dispute_confirm_feedback(dispute=d, actor=world.village1_user, at=at(5)))
    # The village confirmed it: the result goes on down from there, to the grid worker only.
    assert confirmed == names(world.grid1_user)
    assert (d.status, d.result_level, d.awaiting_parties) == (Status.RESOLVED, Level.TOWNSHIP, True)


def test_up_to_the_township_resolved_there(world, clerk2):
    d = _up_to(world, Level.TOWNSHIP)
    s.dispute_accept(dispute=d, actor=world.township1_user, at=at(3))
    resolved = told(lambda: s.dispute_resolve(dispute=d, actor=world.township1_user, at=at(4), result="已调处"))
    assert resolved == names(world.village1_user, clerk2, world.grid1_user)


def test_up_to_the_district_the_township_confirms_and_the_village_and_grid_worker_hear_of_it(world, clerk2):
    """The bug of the issue: the township confirmed and the village and grid1 were never told."""
    d = _up_to(world, Level.DISTRICT)
    s.dispute_accept(dispute=d, actor=world.district1, at=at(4))
    returned = told(lambda: s.dispute_return_feedback(dispute=d, actor=world.district1, at=at(5), result="区级协调"))
    assert returned == names(world.township1_user)
    confirmed = told(lambda: s.dispute_confirm_feedback(dispute=d, actor=world.township1_user, at=at(6)))
    assert confirmed == names(world.village1_user, clerk2, world.grid1_user)
    assert (d.level, d.result_level) == (Level.TOWNSHIP, Level.DISTRICT)


def test_to_a_department_and_back_down_to_the_grid_worker(world, clerk2):
    d = _up_to(world, Level.DEPARTMENT)
    s.dispute_accept(dispute=d, actor=world.dept1, at=at(5))
    returned = told(lambda: s.dispute_return_feedback(dispute=d, actor=world.dept1, at=at(6), result="依法处理"))
    assert returned == names(world.district1)
    assert (d.level, d.handler_id) == (Level.DISTRICT, None)  # dept1 accepted it; not the district's handler
    confirmed = told(lambda: s.dispute_confirm_feedback(dispute=d, actor=world.district1, at=at(7)))
    assert confirmed == names(world.township1_user, world.village1_user, clerk2, world.grid1_user)
    assert d.result_level == Level.DEPARTMENT


def test_the_department_resolving_itself_reaches_every_level_below(world):
    d = _up_to(world, Level.DEPARTMENT)
    s.dispute_accept(dispute=d, actor=world.dept1, at=at(5))
    resolved = told(lambda: s.dispute_resolve(dispute=d, actor=world.dept1, at=at(6), result="依法处理"))
    assert resolved == names(world.district1, world.township1_user, world.village1_user, world.grid1_user)


def test_a_level_the_case_skipped_is_not_told(world):
    """Only the levels it passed: a case registered at the township never was at a village."""
    d = register(world.township1_user, township=world.township1)
    s.dispute_escalate(dispute=d, actor=world.township1_user, reason="上报", at=at(1))
    s.dispute_accept(dispute=d, actor=world.district1, at=at(2))
    resolved = told(lambda: s.dispute_resolve(dispute=d, actor=world.district1, at=at(3), result="x"))
    assert resolved == names(world.township1_user)


# --- the parties are told -------------------------------------------------------------------------


def _returned_from_the_district(world) -> Dispute:
    d = _up_to(world, Level.DISTRICT)
    s.dispute_accept(dispute=d, actor=world.district1, at=at(4))
    s.dispute_return_feedback(dispute=d, actor=world.district1, at=at(5), result="区级协调")
    s.dispute_confirm_feedback(dispute=d, actor=world.township1_user, at=at(6))
    return d


def test_satisfied_parties_close_the_loop(world):
    d = _returned_from_the_district(world)
    notified = told(
        lambda: s.dispute_tell_parties(
            dispute=d, actor=world.grid1_user, at=at(7), how=HowTold.VISIT, satisfaction=Satisfaction.BASICALLY
        )
    )
    assert notified == {}
    assert (d.status, d.parties_told_at, d.parties_told_by, d.satisfaction) == (
        Status.RESOLVED,
        at(7),
        world.grid1_user,
        Satisfaction.BASICALLY,
    )
    event = d.events.last()
    assert (event.kind, event.note) == (Kind.PARTIES_TOLD, "Home visit · Basically satisfied")
    assert not d.awaiting_parties
    with pytest.raises(s.DisputeError, match="No returned result"):
        s.dispute_tell_parties(dispute=d, actor=world.grid1_user, at=at(8), how="phone", satisfaction="satisfied")


def test_unsatisfied_parties_send_it_back_to_the_level_whose_result_it_was(world):
    d = _returned_from_the_district(world)
    assert d.follow_ups.filter(cancelled=False).count() == 2
    notified = told(
        lambda: s.dispute_tell_parties(
            dispute=d, actor=world.village1_user, at=at(7), how="phone", satisfaction="unsatisfied", note="要求重新调查"
        )
    )
    assert notified == names(world.district1)
    assert (d.level, d.status, d.resolved_at, d.handler_id) == (Level.DISTRICT, Status.ACCEPTED, None, None)
    assert d.sent_back_for_review and d.is_open and d.due_at > at(7)
    assert not d.follow_ups.filter(cancelled=False, visited_on__isnull=True).exists()
    event = d.events.last()
    assert (event.kind, event.from_level, event.to_level) == (Kind.PARTIES_UNSATISFIED, Level.TOWNSHIP, "district")
    assert event.note == "By phone · Unsatisfied · 要求重新调查"
    # The district resolves it again: the result comes down again, and awaits the parties again.
    again = told(lambda: s.dispute_resolve(dispute=d, actor=world.district1, at=at(8), result="重新核查后调整方案"))
    assert again == names(world.township1_user, world.village1_user, world.grid1_user)
    assert (d.awaiting_parties, d.satisfaction, d.result_returned_at) == (True, "", at(8))
    s.dispute_tell_parties(dispute=d, actor=world.grid1_user, at=at(9), how="visit", satisfaction="satisfied")
    assert (d.status, d.satisfaction) == (Status.RESOLVED, Satisfaction.SATISFIED)


def test_unsatisfied_at_the_village_stays_at_the_village_for_review(world):
    d = register(world.grid1_user, grid=world.grid1)
    s.dispute_accept(dispute=d, actor=world.village1_user, at=at(1))
    s.dispute_resolve(dispute=d, actor=world.village1_user, at=at(2), result="已调解")
    notified = told(
        lambda: s.dispute_tell_parties(
            dispute=d, actor=world.grid1_user, at=at(3), how="phone", satisfaction="unsatisfied"
        )
    )
    assert notified == names(world.village1_user)
    assert (d.level, d.status) == (Level.VILLAGE, Status.ACCEPTED)


def test_bad_choices_are_refused_and_change_nothing(world):
    d = _returned_from_the_district(world)
    with pytest.raises(s.DisputeError, match="how the parties were told"):
        s.dispute_tell_parties(dispute=d, actor=world.grid1_user, at=at(7), how="telepathy", satisfaction="satisfied")
    with pytest.raises(s.DisputeError, match="satisfaction"):
        s.dispute_tell_parties(dispute=d, actor=world.grid1_user, at=at(7), how="phone", satisfaction="meh")
    d.refresh_from_db()
    assert d.awaiting_parties and d.events.last().kind == Kind.FEEDBACK_CONFIRMED


# --- who may record it, when ------------------------------------------------------------------------


def _may(world, d: Dispute) -> set[str]:
    return {role for role in ROLES if rules.can_tell_parties(getattr(world, role), d)}


def test_the_origin_records_it_and_nobody_else(world):
    d = _returned_from_the_district(world)
    assert _may(world, d) == {"admin", "village1_user", "grid1_user"}
    reason = rules.can_tell_parties(world.township1_user, d).reason
    assert reason == "Only the Village centre where it was registered, or its grid worker, tells the parties."


def test_a_case_registered_at_the_township_is_told_by_the_township(world):
    d = register(world.township1_user, township=world.township1)
    s.dispute_accept(dispute=d, actor=world.township1_user, at=at(1))
    s.dispute_resolve(dispute=d, actor=world.township1_user, at=at(2), result="x")
    assert _may(world, d) == {"admin", "township1_user"}


def test_nobody_records_it_before_a_result_or_after_the_parties_were_told(world):
    d = _up_to(world, Level.TOWNSHIP)
    assert _may(world, d) == set()
    s.dispute_accept(dispute=d, actor=world.township1_user, at=at(3))
    s.dispute_return_feedback(dispute=d, actor=world.township1_user, at=at(4), result="x")
    assert _may(world, d) == set()  # awaiting confirmation
    assert (
        rules.can_tell_parties(world.village1_user, d).reason
        == "Only a resolved dispute's result is told to the parties."
    )
    s.dispute_confirm_feedback(dispute=d, actor=world.village1_user, at=at(5))
    assert _may(world, d) == {"admin", "village1_user", "grid1_user"}
    s.dispute_tell_parties(dispute=d, actor=world.village1_user, at=at(6), how="phone", satisfaction="satisfied")
    assert _may(world, d) == set()


def test_a_case_closed_as_not_resolved_awaits_no_parties(world):
    d = register(world.grid1_user, grid=world.grid1)
    s.dispute_accept(dispute=d, actor=world.village1_user, at=at(1))
    s.dispute_close_unresolved(
        dispute=d, actor=world.village1_user, at=at(2), result="申请仲裁", referral="arbitration"
    )
    assert not d.awaiting_parties and _may(world, d) == set()


# --- the handler belongs to the level ----------------------------------------------------------------


def test_a_result_returned_down_drops_the_upper_levels_handler_who_is_not_reminded(world, settings):
    settings.REMINDER_DAYS_BEFORE = [3, 1, 0]
    d = _up_to(world, Level.TOWNSHIP)
    s.dispute_accept(dispute=d, actor=world.township1_user, at=at(3))
    assert d.handler == world.township1_user
    s.dispute_return_feedback(dispute=d, actor=world.township1_user, at=at(4), result="x")
    assert (d.level, d.handler_id) == (Level.VILLAGE, None)
    before = Notification.objects.order_by("-pk").values_list("pk", flat=True).first()
    reminders_send(at=d.due_at - datetime.timedelta(hours=2), kinds=["dispute-due"])
    reminded = set(Notification.objects.filter(pk__gt=before).values_list("recipient__username", flat=True))
    assert reminded == {"village1"}


def test_a_rejected_result_going_back_up_drops_the_village_handler(world):
    d = _up_to(world, Level.TOWNSHIP)
    s.dispute_accept(dispute=d, actor=world.township1_user, at=at(3))
    s.dispute_return_feedback(dispute=d, actor=world.township1_user, at=at(4), result="x")
    s.dispute_assign_handler(dispute=d, actor=world.village1_user, at=at(4, 1), handler=world.grid1_user)
    s.dispute_reject_feedback(dispute=d, actor=world.village1_user, at=at(5), reason="当事人不认可")
    assert (d.level, d.handler_id) == (Level.TOWNSHIP, None)


def test_a_handler_left_behind_by_an_earlier_move_is_neither_shown_nor_reminded(world, settings, login):
    """Rows written before the rule (a stale handler of another level): the reminder skips
    them, and the next step that moves the case clears them through the kernel."""
    settings.REMINDER_DAYS_BEFORE = [3, 1, 0]
    d = register(world.grid1_user, grid=world.grid1)
    Dispute.objects.filter(pk=d.pk).update(handler=world.township1_user)  # as the old return feedback left it
    d.refresh_from_db()
    before = Notification.objects.order_by("-pk").values_list("pk", flat=True).first()
    reminders_send(at=d.due_at - datetime.timedelta(hours=2), kinds=["dispute-due"])
    reminded = set(Notification.objects.filter(pk__gt=before).values_list("recipient__username", flat=True))
    assert reminded == {"village1"}
    # A step that moves it and writes a LevelMove event ends it too (the sweep's UPDATE path included).
    Dispute.objects.filter(pk=d.pk).update(handler=world.village1_user)
    d.refresh_from_db()
    s.dispute_escalate(dispute=d, actor=world.village1_user, reason="x", at=at(1))
    assert d.handler_id is None


def test_an_overdue_case_sent_down_is_supervised_without_the_upper_handler(world):
    d = _up_to(world, Level.TOWNSHIP)
    s.dispute_accept(dispute=d, actor=world.township1_user, at=at(3))
    s.dispute_return_feedback(dispute=d, actor=world.township1_user, at=at(4), result="x")
    late = d.due_at + datetime.timedelta(hours=1)
    notified = told(lambda: s.dispute_supervise(dispute=d, at=late))
    assert "township1" not in notified and notified["village1"] == 1


def test_follow_ups_after_an_unsatisfied_result_are_scheduled_afresh(world):
    d = register(world.grid1_user, grid=world.grid1)
    s.dispute_accept(dispute=d, actor=world.village1_user, at=at(1))
    s.dispute_resolve(dispute=d, actor=world.village1_user, at=at(2), result="x")
    s.dispute_tell_parties(dispute=d, actor=world.grid1_user, at=at(3), how="phone", satisfaction="unsatisfied")
    s.dispute_resolve(dispute=d, actor=world.village1_user, at=at(4), result="y")
    pending = FollowUp.objects.filter(dispute=d, cancelled=False, visited_on__isnull=True)
    assert pending.count() == 2 and FollowUp.objects.filter(dispute=d, cancelled=True).count() == 2


def test_a_case_that_flares_up_before_the_parties_were_told_no_longer_awaits_them(world):
    d = register(world.grid1_user, grid=world.grid1)
    s.dispute_accept(dispute=d, actor=world.village1_user, at=at(1))
    s.dispute_resolve(dispute=d, actor=world.village1_user, at=at(2), result="x")
    s.dispute_record_follow_up(
        dispute=d, follow_up=d.follow_ups.first(), actor=world.grid1_user, at=at(9), visited_on=at(9).date(),
        finding="flared",
    )  # fmt: skip
    assert d.status == Status.ACCEPTED and not d.awaiting_parties and _may(world, d) == set()
