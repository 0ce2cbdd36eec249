"""The overdue sweep: every overdue case one level up, once per deadline; supervision at the top."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connections

from disputes import services as s
from disputes.models import Dispute, DisputeEvent, Level
from disputes.tasks import escalate_overdue, escalate_overdue_now
from govcenter.models import Notification

from .helpers import at, register


def test_overdue_cases_move_one_level_up_automatically(world):
    d = register(world.grid1_user, grid=world.grid1)
    counts = escalate_overdue_now(at=d.due_at + datetime.timedelta(minutes=1))
    d.refresh_from_db()
    assert counts["escalated"] == 1
    assert d.level == Level.TOWNSHIP
    event = d.events.get(kind=DisputeEvent.Kind.ESCALATED)
    assert event.actor is None
    assert Notification.objects.filter(recipient=world.township1_user, url=d.get_absolute_url()).exists()
    assert Notification.objects.filter(recipient=world.village1_user, url=d.get_absolute_url()).count() >= 2


def test_the_sweep_is_idempotent(world):
    d = register(world.grid1_user, grid=world.grid1)
    later = d.due_at + datetime.timedelta(minutes=1)
    escalate_overdue_now(at=later)
    second = escalate_overdue_now(at=later)
    assert second == {"escalated": 0, "supervised": 0, "skipped": 0}
    assert Dispute.objects.get(pk=d.pk).events.filter(kind=DisputeEvent.Kind.ESCALATED).count() == 1


def test_top_level_cases_are_supervised_instead(world):
    d = register(world.district1, township=world.township1)
    s.dispute_escalate(dispute=d, actor=world.district1, reason="交办", at=at(1), department=world.department)
    d.refresh_from_db()
    counts = escalate_overdue_now(at=d.due_at + datetime.timedelta(minutes=1))
    d.refresh_from_db()
    assert counts["supervised"] == 1 and d.supervised_at is not None and d.level == Level.DEPARTMENT
    assert Notification.objects.filter(recipient=world.district1, url=d.get_absolute_url()).exists()


def test_the_task_runs_the_sweep(world):
    d = register(world.grid1_user, grid=world.grid1, when=at(-60))
    Dispute.objects.filter(pk=d.pk).update(due_at=at(-30))
    assert escalate_overdue.delay().get()["escalated"] == 1
    assert Dispute.objects.get(pk=d.pk).level == Level.TOWNSHIP


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_sweeping_at_once_escalate_each_case_once():
    from tests.factories import build_world

    w = build_world()
    cases = [register(w.grid1_user, grid=w.grid1, when=at(i / 100)) for i in range(60)]
    later = max(c.due_at for c in cases) + datetime.timedelta(minutes=1)
    barrier = threading.Barrier(2)
    results = []

    def worker():
        try:
            barrier.wait()
            results.append(escalate_overdue_now(at=later, batch=7))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r["escalated"] for r in results) == 60
    for c in cases:
        assert DisputeEvent.objects.filter(dispute=c, kind=DisputeEvent.Kind.ESCALATED).count() == 1
        assert Dispute.objects.get(pk=c.pk).level == Level.TOWNSHIP


def test_an_overdue_district_case_without_a_department_is_supervised_not_stuck(world):
    d = register(world.district1, township=world.township1)
    counts = escalate_overdue_now(at=d.due_at + datetime.timedelta(minutes=1))
    d.refresh_from_db()
    assert counts == {"escalated": 0, "supervised": 1, "skipped": 0}
    assert d.level == Level.DISTRICT and d.supervised_at is not None
    # Once per deadline: the next sweep at the same moment finds a new deadline.
    assert escalate_overdue_now(at=d.supervised_at) == {"escalated": 0, "supervised": 0, "skipped": 0}


def test_an_unconfirmed_returned_result_is_supervised_when_overdue(world):
    d = register(world.grid1_user, grid=world.grid1)
    s.dispute_escalate(dispute=d, actor=world.village1_user, reason="x", at=at(1))
    s.dispute_accept(dispute=d, actor=world.township1_user, at=at(2))
    s.dispute_return_feedback(dispute=d, actor=world.township1_user, at=at(3), result="已协调")
    counts = escalate_overdue_now(at=d.due_at + datetime.timedelta(minutes=1))
    d.refresh_from_db()
    assert counts["supervised"] == 1 and counts["skipped"] == 0
    assert d.status == Dispute.Status.AWAITING_CONFIRMATION and d.supervised_at is not None
    assert Notification.objects.filter(recipient=world.village1_user, title__contains="supervision").exists()


def _overdue_cases(world, n: int, *, handler=None, days_apart: float = 0.001) -> list[Dispute]:
    cases = [register(world.grid1_user, grid=world.grid1, when=at(-i * days_apart)) for i in range(n)]
    Dispute.objects.filter(pk__in=[c.pk for c in cases]).update(due_at=at(-1), handler=handler)
    return cases


def test_a_batch_escalates_in_the_same_queries_for_3_and_30_cases(world):
    """The sweep moves a batch in a constant number of queries (the issue measured 11 per case)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for n in (3, 30):
        cases = _overdue_cases(world, n)
        with CaptureQueriesContext(connection) as queries:
            assert escalate_overdue_now(at=at(1))["escalated"] == n
        counts.append(len(queries))
        assert Dispute.objects.filter(pk__in=[c.pk for c in cases], level=Level.TOWNSHIP).count() == n
    assert counts[0] == counts[1], counts


def test_a_batch_over_many_months_escalates_in_the_same_queries_as_one_month(world):
    """Cases registered in 30 different months change 30 times the tally rows of cases from
    one month: the tallies are still kept in step in a constant number of queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from analysis.models import DisputeTally

    counts = []
    for n, days_apart in ((3, 0.001), (30, 31)):
        _overdue_cases(world, n, days_apart=days_apart)
        with CaptureQueriesContext(connection) as queries:
            assert escalate_overdue_now(at=at(1))["escalated"] == n
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    months = DisputeTally.objects.filter(dimension="level", value="township").values("month").distinct().count()
    assert months >= 30


def test_a_batch_gives_each_case_what_one_escalation_gives_it(world):
    """Event, deadline, handler and notifications as ``dispute_escalate`` writes them, per case."""
    from disputes.deadlines import deadline_for

    cases = _overdue_cases(world, 3, handler=world.grid1_user)
    Dispute.objects.filter(pk=cases[0].pk).update(risk_level="major")
    later = at(1)
    assert escalate_overdue_now(at=later) == {"escalated": 3, "supervised": 0, "skipped": 0}
    for c in cases:
        d = Dispute.objects.get(pk=c.pk)
        assert (d.level, d.status, d.handler_id, d.escalated_at) == (Level.TOWNSHIP, "registered", None, later)
        assert d.due_at == deadline_for(risk_level=d.risk_level, level=Level.TOWNSHIP, at=later)
        (event,) = d.events.filter(kind=DisputeEvent.Kind.ESCALATED)
        assert (event.actor, event.from_level, event.to_level, event.due_at) == (None, "village", "township", d.due_at)
        assert event.note.startswith("Overdue: escalated automatically.")
        title = f"Dispute {d.notice_name()} escalated to Township"
        for person in (world.township1_user, world.village1_user, world.grid1_user):
            assert Notification.objects.filter(recipient=person, url=d.get_absolute_url(), title=title).count() == 1
    assert Notification.objects.filter(recipient=world.township2_user).count() == 0


def test_a_case_changed_since_the_sweep_read_it_is_skipped(world):
    from disputes.services import disputes_escalate_overdue

    cases = _overdue_cases(world, 2)
    Dispute.objects.filter(pk=cases[1].pk).update(due_at=at(30))  # a clerk extended it meanwhile
    assert disputes_escalate_overdue(disputes=cases, at=at(1)) == 1
    assert Dispute.objects.get(pk=cases[1].pk).level == Level.VILLAGE
    assert not DisputeEvent.objects.filter(dispute=cases[1], kind=DisputeEvent.Kind.ESCALATED).exists()


def test_a_batch_queues_one_warning_check_for_its_cases(world, monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr("govcenter.queue.send_now", lambda task, *args, **kw: sent.append((task.name, args)))
    cases = _overdue_cases(world, 3)
    with django_capture_on_commit_callbacks(execute=True):
        escalate_overdue_now(at=at(1))
    assert ("analysis.tasks.check_disputes_warnings", ([c.pk for c in cases],)) in sent


def test_a_linked_case_is_escalated_on_its_own_with_the_cases_merged_into_it(world):
    lead, other = _overdue_cases(world, 2)
    s.disputes_link(disputes=[lead, other], actor=world.village1_user, at=at(0.5))
    s.disputes_merge(lead=lead, others=[other], actor=world.village1_user, at=at(0.6))
    Dispute.objects.filter(pk=lead.pk).update(due_at=at(0.7))
    assert escalate_overdue_now(at=at(1))["escalated"] == 1
    assert Dispute.objects.get(pk=lead.pk).level == Level.TOWNSHIP
    assert Dispute.objects.get(pk=other.pk).level == Level.TOWNSHIP  # handled with its lead
