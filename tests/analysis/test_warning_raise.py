"""Raising warnings: one open warning per rule and subject, whatever re-runs, restarts and
two workers do; new matching cases join the open warning; a closed warning is not raised
again by the same cases; urgent rules alarm at once; the after-commit trigger."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from analysis import signals
from analysis.models import Warning, WarningCase, WarningEvent, WarningRule
from analysis.warning_services import (
    warning_acknowledge,
    warning_close,
    warning_dispose,
    warning_raise,
    warnings_check_dispute,
    warnings_sweep,
)
from analysis.warnings import findings_for
from govcenter.models import Notification

from .warning_helpers import at, case, rule

K = WarningRule.Kind


def _three(world, start=0):
    return [case(world, when=at(start + i)) for i in range(3)]


def _quiet_world():
    """A world for a test with ``transaction=True``: the seeded rules (which flushing the
    tables of an earlier such test may have emptied) and three cases against 宏达 registered
    without the after-commit check (tasks run eagerly in tests: it would raise the warning
    before the race)."""
    from govcenter.queue import sending_suppressed
    from tests.factories import build_world
    from tests.seeded import ensure_seeded_defaults

    ensure_seeded_defaults()
    w = build_world()
    with sending_suppressed():
        cases = _three(w)
    assert not Warning.objects.exists()
    return w, cases


def test_a_rerun_of_the_sweep_raises_nothing_new(world):
    _three(world)
    first = warnings_sweep(at=at(3), kinds=[K.REPEAT_RESPONDENT])
    again = warnings_sweep(at=at(3), kinds=[K.REPEAT_RESPONDENT])
    assert first["raised"] == 1 and again == {"findings": 1, "raised": 0, "extended": 0}
    w = Warning.objects.get()
    assert w.events.filter(kind=WarningEvent.Kind.RAISED).count() == 1


def test_a_new_matching_case_joins_the_open_warning(world):
    _three(world)
    warnings_sweep(at=at(3), kinds=[K.REPEAT_RESPONDENT])
    fourth = case(world, when=at(4))
    raised = warnings_check_dispute(dispute_id=fourth.pk, at=at(5))
    w = Warning.objects.get(rule__kind=K.REPEAT_RESPONDENT)
    assert raised == [w]
    assert set(w.cases.values_list("dispute_id", flat=True)) >= {fourth.pk}
    assert w.cases.count() == 4 and w.measure == 4
    assert w.events.filter(kind=WarningEvent.Kind.CASES_ADDED, note__contains=fourth.number).exists()


def test_a_closed_warning_is_not_raised_again_by_the_same_cases(world):
    _three(world)
    warnings_sweep(at=at(3), kinds=[K.REPEAT_RESPONDENT])
    w = Warning.objects.get()
    warning_acknowledge(warning=w, actor=world.township1_user, at=at(3))
    warning_dispose(warning=w, actor=world.township1_user, at=at(3), disposal="joint_mediation")
    warning_close(warning=w, actor=world.township1_user, at=at(3), note="已联合调处")
    assert warnings_sweep(at=at(4), kinds=[K.REPEAT_RESPONDENT])["raised"] == 0
    # A new case against the company is news: a new warning with every case in the window.
    case(world, when=at(5))
    assert warnings_sweep(at=at(6), kinds=[K.REPEAT_RESPONDENT])["raised"] == 1
    assert Warning.objects.count() == 2 and Warning.objects.open().get().cases.count() == 4


def test_two_raises_of_the_same_finding_make_one_warning(world):
    cases = _three(world)
    (finding,) = [f for f in findings_for(cases[-1], at(3)) if f.rule.kind == K.REPEAT_RESPONDENT]
    w1, added1, new1 = warning_raise(finding=finding, at=at(3))
    w2, added2, new2 = warning_raise(finding=finding, at=at(3))
    assert new1 and not new2 and w2 is None and added2 == []
    assert Warning.objects.count() == 1 and WarningCase.objects.count() == 3


def test_the_constraint_refuses_a_second_open_warning(world):
    _three(world)
    warnings_sweep(at=at(3), kinds=[K.REPEAT_RESPONDENT])
    w = Warning.objects.get()
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Warning.objects.create(
            rule=w.rule,
            subject_key=w.subject_key,
            subject_label="x",
            district=w.district,
            level=w.level,
            raised_at=at(4),
            due_at=at(9),
        )


def _race(work) -> list:
    """Run ``work`` in two threads released at once (two workers); their results, or errors."""
    barrier = threading.Barrier(2)
    results = []

    def worker():
        try:
            barrier.wait()
            results.append(work())
        except Exception as e:  # noqa: BLE001 (the test asserts on it)
            results.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_raising_at_once_make_one_warning():
    _w, cases = _quiet_world()
    (finding,) = [f for f in findings_for(cases[-1], at(3)) if f.rule.kind == K.REPEAT_RESPONDENT]
    results = _race(lambda: warning_raise(finding=finding, at=at(3)))
    assert Warning.objects.count() == 1
    assert sorted(new for _w, _added, new in results) == [False, True]
    assert WarningCase.objects.count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_threads_sweeping_at_once_make_one_warning_each():
    """Two nightly sweeps at once (a restarted beat): the second finds the first's warning.
    PostgreSQL only, like the other two-worker tests (SQLite's in-memory test database locks
    whole tables between threads)."""
    _quiet_world()
    results = _race(lambda: warnings_sweep(at=at(3), kinds=[K.REPEAT_RESPONDENT]))
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    assert Warning.objects.count() == 1 and WarningCase.objects.count() == 3


def test_a_warning_is_placed_where_its_cases_are(world):
    case(world, when=at(0))
    case(world, when=at(1), village=world.village2)
    case(world, when=at(2))
    warnings_sweep(at=at(3), kinds=[K.REPEAT_RESPONDENT])
    w = Warning.objects.get()
    assert (w.district_id, w.township_id, w.village_id, w.level) == (
        world.district.pk,
        world.township1.pk,
        None,
        "township",
    )
    case(world, when=at(0), respondent="石门公司", village=world.village3)
    case(world, when=at(1), respondent="石门公司")
    case(world, when=at(2), respondent="石门公司")
    warnings_sweep(at=at(3), kinds=[K.REPEAT_RESPONDENT])
    spread = Warning.objects.get(subject_label="石门公司")
    assert (spread.township_id, spread.level) == (None, "district")


def test_a_warning_tells_the_centres_and_the_station(world):
    _three(world)
    warnings_sweep(at=at(3), kinds=[K.REPEAT_RESPONDENT])
    w = Warning.objects.get()
    told = set(Notification.objects.filter(url=w.get_absolute_url()).values_list("recipient__username", flat=True))
    assert {"district1", "township1", "station1"} <= told
    assert "station2" not in told and "township2" not in told


def test_an_urgent_rule_alarms_at_once(world):
    d = case(world, category="labour_wages", people_involved=12)
    warnings_check_dispute(dispute_id=d.pk, at=at(1))
    w = Warning.objects.get(rule__kind=K.WAGE_ARREARS)
    assert w.urgent_at is not None
    urgent = Notification.objects.filter(url=w.get_absolute_url(), urgent=True)
    assert {"district1", "township1", "station1"} <= set(urgent.values_list("recipient__username", flat=True))
    assert w.events.filter(kind=WarningEvent.Kind.MARKED_URGENT).exists()


def test_a_non_urgent_rule_does_not_mark_urgent(world):
    rule(K.WAGE_ARREARS, urgent=False)
    d = case(world, category="labour_wages", people_involved=12)
    warnings_check_dispute(dispute_id=d.pk, at=at(1))
    assert Warning.objects.get().urgent_at is None


def test_a_change_queues_the_check_after_commit(world, monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr("govcenter.queue.send_now", lambda task, *args, **kw: sent.append((task.name, args)))
    with django_capture_on_commit_callbacks(execute=True):
        d = case(world, when=at(0))
    assert ("analysis.tasks.check_dispute_warnings", (d.pk,)) in sent
    assert signals  # connected in AnalysisConfig.ready


def test_the_task_checks_the_dispute(world):
    from analysis.tasks import check_dispute_warnings

    d = case(world, category="labour_wages", people_involved=40)
    assert check_dispute_warnings(d.pk) == 1
    assert check_dispute_warnings(d.pk) == 0  # idempotent


def test_the_nightly_sweep_is_in_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-warnings"]
    assert entry["task"] == "analysis.tasks.sweep_warnings"


def test_an_overdue_warning_is_supervised_once_per_deadline(world):
    from govcenter.sweep import sweep_kind

    d = case(world, category="labour_wages", people_involved=40)
    warnings_check_dispute(dispute_id=d.pk, at=at(1))
    w = Warning.objects.get()
    later = w.due_at + __import__("datetime").timedelta(minutes=1)
    assert sweep_kind("warning", at=later)["supervised"] == 1
    assert sweep_kind("warning", at=later)["supervised"] == 0
    w.refresh_from_db()
    assert w.supervised_at is not None and w.due_at > later
    assert w.events.filter(kind=WarningEvent.Kind.SUPERVISED).count() == 1
