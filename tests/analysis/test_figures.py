"""Each figure of DESIGN.md's definitions table on a hand-made ledger with known answers,
and recomputed independently (tests/analysis/ledger.py's recount)."""

from __future__ import annotations

import pytest

from analysis import figures
from disputes.models import Dispute
from disputes.selectors import disputes_visible_to

from .ledger import NOVEMBER, NOW, build_ledger, recount

FIGURES = (
    "registered",
    "closed",
    "resolved",
    "not_resolved",
    "transferred",
    "open",
    "overdue",
    "supervised",
    "resolution_rate",
    "on_time_rate",
    "village_rate",
    "township_rate",
    "repeat_rate",
)


@pytest.fixture
def ledger(world):
    return build_ledger(world)


def test_known_answers_for_the_township(world, ledger):
    qs = disputes_visible_to(world.township1_user)
    got = figures.counts(qs, NOVEMBER, now=NOW)
    # Registered in November: township, village, police, court, overdue, flared (not late: October; not December's).
    assert got["registered"] == 6
    # Closed in November: township, village, police, court, late (flared was reopened: no closing now).
    assert got["closed"] == 5
    assert (got["resolved"], got["not_resolved"], got["transferred"]) == (3, 1, 1)
    assert got["resolution_rate"] == pytest.approx(3 / 4)
    # Open now: overdue, flared (reopened), december.
    assert got["open"] == 3
    assert got["overdue"] == 1  # the flared one got a fresh deadline on reopening; december's is ahead
    assert got["supervised"] == 1
    # Late was closed after its due date; the other four on time.
    assert got["on_time_rate"] == pytest.approx(4 / 5)
    # Registered at village and closed: township, village, police, court; resolved at the village: village.
    assert got["village_rate"] == pytest.approx(1 / 4)
    # Of the five closed, resolved at village or township: township, village, late.
    assert got["township_rate"] == pytest.approx(3 / 5)
    # Followed up in November: village (stable), flared (flared).
    assert got["repeat_rate"] == pytest.approx(1 / 2)


@pytest.mark.parametrize(
    "who", ["district1", "township1_user", "township2_user", "village1_user", "village2_user", "admin"]
)
def test_every_figure_equals_the_recount(world, ledger, who):
    qs = disputes_visible_to(getattr(world, who))
    got = figures.counts(qs, NOVEMBER, now=NOW)
    expected = recount(list(qs), NOVEMBER, NOW)
    assert {k: got[k] for k in FIGURES} == pytest.approx(expected)


def test_one_function_per_figure(world, ledger):
    qs = disputes_visible_to(world.district1)
    expected = recount(list(qs), NOVEMBER, NOW)
    kw = {"now": NOW}
    assert figures.registered(qs, NOVEMBER, **kw) == expected["registered"] == 7
    assert figures.resolved(qs, NOVEMBER, **kw) == expected["resolved"] == 4
    assert figures.not_resolved(qs, NOVEMBER, **kw) == expected["not_resolved"] == 1
    assert figures.transferred_to_police(qs, NOVEMBER, **kw) == expected["transferred"] == 1
    assert figures.resolution_rate(qs, NOVEMBER, **kw) == pytest.approx(expected["resolution_rate"])
    assert figures.open_now(qs, NOVEMBER, **kw) == expected["open"] == 3
    assert figures.overdue_now(qs, NOVEMBER, **kw) == expected["overdue"]
    assert figures.supervised_now(qs, NOVEMBER, **kw) == expected["supervised"]
    assert figures.on_time_rate(qs, NOVEMBER, **kw) == pytest.approx(expected["on_time_rate"])
    assert figures.small_matters_stay_in_village(qs, NOVEMBER, **kw) == pytest.approx(expected["village_rate"])
    assert figures.big_matters_stay_in_township(qs, NOVEMBER, **kw) == pytest.approx(expected["township_rate"])
    assert figures.repeat_rate(qs, NOVEMBER, **kw) == pytest.approx(expected["repeat_rate"])


def test_rates_are_none_without_a_denominator(world, ledger):
    qs = disputes_visible_to(world.township1_user)
    empty = figures.Period.of_dates(NOVEMBER.first.replace(year=2020), NOVEMBER.last.replace(year=2020))
    got = figures.counts(qs, empty, now=NOW)
    assert got["registered"] == got["closed"] == 0
    for name in ("resolution_rate", "on_time_rate", "village_rate", "township_rate", "repeat_rate"):
        assert got[name] is None


@pytest.mark.parametrize("dimension", ["category", "source", "risk_level", "level", "township", "village", "grid"])
def test_breakdowns_equal_the_recount_of_each_group(world, ledger, dimension):
    qs = disputes_visible_to(world.district1)
    rows = figures.counts_by(qs, NOVEMBER, dimension, now=NOW)
    everything = list(qs)

    def key(d):
        if dimension == "level":
            return d.result_level if d.status in ("resolved", "archived") and d.result_level else d.level
        if dimension in ("township", "village", "grid"):
            return getattr(d, f"{dimension}_id")
        return getattr(d, dimension)

    for value, row in rows.items():
        expected = recount([d for d in everything if key(d) == value], NOVEMBER, NOW)
        assert {k: row[k] for k in FIGURES} == pytest.approx(expected), value
    # The groups add up to the total.
    total = figures.counts(qs, NOVEMBER, now=NOW)
    assert sum(row["registered"] for row in rows.values()) == total["registered"]
    assert sum(row["open"] for row in rows.values()) == total["open"]


def test_handling_level_of_a_case_resolved_at_the_township(world, ledger):
    rows = figures.counts_by(disputes_visible_to(world.township1_user), NOVEMBER, "level", now=NOW)
    # township and late were resolved by the township; village by the village.
    assert rows["township"]["resolved"] == 2
    assert rows["village"]["resolved"] == 1
    assert Dispute.objects.get(pk=ledger.township.pk).registered_level == "village"


def test_one_query_each(world, ledger, django_assert_num_queries):
    qs = disputes_visible_to(world.district1)
    with django_assert_num_queries(1):
        figures.counts(qs, NOVEMBER, now=NOW)
    with django_assert_num_queries(1):
        figures.counts_by(qs, NOVEMBER, "category", now=NOW)


def test_a_result_returned_down_and_confirmed_counts_at_the_level_that_gave_it(world):
    """The township returns its result to the village, which confirms it: the case is handled
    at village level now, but resolved at the township (大事不出镇 yes, 小事不出村 no)."""
    from disputes import services as s
    from tests.disputes.helpers import at, register

    v, t = world.village1_user, world.township1_user
    d = register(world.grid1_user, grid=world.grid1)
    s.dispute_accept(dispute=d, actor=v, at=at(1))
    s.dispute_escalate(dispute=d, actor=v, reason="上报", at=at(1, 1))
    s.dispute_accept(dispute=d, actor=t, at=at(2))
    s.dispute_return_feedback(dispute=d, actor=t, at=at(3), result="镇调处意见")
    s.dispute_confirm_feedback(dispute=d, actor=v, at=at(4))
    d.refresh_from_db()
    assert (d.status, d.level, d.result_level) == ("resolved", "village", "township")
    qs = disputes_visible_to(t)
    got = figures.counts(qs, NOVEMBER, now=NOW)
    assert (got["resolved"], got["village_rate"], got["township_rate"]) == (1, 0, 1)
    rows = figures.counts_by(qs, NOVEMBER, "level", now=NOW)
    assert set(rows) == {"township"} and rows["township"]["resolved"] == 1
    assert got == pytest.approx(recount(list(qs), NOVEMBER, NOW) | {k: got[k] for k in got if k not in FIGURES})
