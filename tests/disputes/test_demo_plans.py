"""The demo ledger's plans and its seed on any district (tests.factories' world), without
``manage.py seed_demo``: apart from tests/disputes/test_demo.py, whose module keeps the
seeded demo for all its tests."""

from __future__ import annotations

import pytest
from django.utils import timezone

from disputes import demo
from disputes.models import Dispute, Level

Status = Dispute.Status


def test_plans_are_the_same_on_every_run(world):
    now = timezone.now()

    def drawn():
        plans = demo.make_plans(demo.build_cast(None), now)
        return [(p.story, p.category, p.village.code, p.start, p.top, p.risk, p.ops, p.slack) for p in plans]

    first = drawn()
    assert len(first) == sum(demo.STORIES.values()) and first == drawn()


@pytest.mark.costly
def test_seed_runs_without_the_demo_context_on_any_district(world):
    created = demo.seed(None)
    assert len(created) >= 200
    qs = Dispute.objects.all()
    assert set(qs.values_list("status", flat=True)) == set(Status.values)
    assert set(qs.values_list("level", flat=True)) == set(Level.values)
    villages = set(qs.exclude(village=None).values_list("village", flat=True))
    assert villages == {world.village1.pk, world.village2.pk, world.village3.pk}
