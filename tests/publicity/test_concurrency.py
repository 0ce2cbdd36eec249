"""Two clerks (or a double tap) handing out or distributing the same campaign at the same
moment on PostgreSQL: exactly one assignment per grid, one distribution per village."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connections

from publicity import services as s
from publicity.models import Assignment, VillageDistribution
from tests.factories import build_world

from .helpers import approved, at, distributed

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(n: int, action) -> list[object]:
    """Run ``action()`` in n threads released at the same moment; their results or errors."""
    barrier = threading.Barrier(n)
    results: list[object] = []
    lock = threading.Lock()

    def attempt():
        try:
            barrier.wait(timeout=10)
            outcome: object = action()
        except Exception as e:  # reported by the caller's assertions
            outcome = e
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=attempt) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_simultaneous_hand_outs_make_one_assignment_per_grid():
    w = build_world()
    c = distributed(w)
    d = c.distributions.get(village=w.village1)
    results = race(
        3,
        lambda: s.assignments_hand_out(
            distribution=d, actor=w.village1_user, at=at(-6), grids=[w.grid1, w.grid1b],
            due_on=datetime.date(2026, 6, 20),
        ),
    )  # fmt: skip
    assert len(results) == 3 and all(isinstance(r, list) for r in results), results
    assert sorted(len(r) for r in results) == [0, 0, 2]
    assert Assignment.objects.filter(campaign=c).count() == 2


def test_simultaneous_distributions_reach_each_village_once():
    w = build_world()
    c = approved(w)
    results = race(3, lambda: s.campaign_distribute(campaign=c, actor=w.district1, at=at(-7), areas=[w.township1]))
    assert all(isinstance(r, list) for r in results), results
    assert sorted(len(r) for r in results) == [0, 0, 2]
    assert VillageDistribution.objects.filter(campaign=c).count() == 2
