"""The dispute rollups (analysis.tallies): kept equal to a recount by every step of the real
services (hypothesis), rebuilt equal to what the steps made, checked and repaired nightly,
and read by the figures with the same answers as the rows (tests.analysis.ledger)."""

from __future__ import annotations

import datetime
import logging

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from analysis import figures, reports, tallies, views
from analysis.models import TALLY_COUNTERS, DisputeTally, DisputeTallyState
from disputes import services as s
from disputes.models import Dispute, FollowUp
from disputes.selectors import disputes_visible_to
from disputes.tasks import escalate_overdue_now
from govcenter.levels import local_date, local_zone
from govcenter.timeline import WorkflowError
from tests.analysis.ledger import NOVEMBER, NOW, build_ledger
from tests.disputes.helpers import at, register

RESOLVED = {"resolved", "archived"}
CLOSED = RESOLVED | {"not_resolved", "transferred_to_police"}


def expected_tallies() -> dict:
    """Every tally row recomputed in plain Python over the rows (zeros left out)."""
    out: dict = {}

    def add(month, d, counters):
        handling = d.result_level if d.status in RESOLVED and d.result_level else d.level
        values = {
            "all": "",
            "category": d.category,
            "source": d.source,
            "risk_level": d.risk_level,
            "level": handling,
            "village": str(d.village_id) if d.village_id else "",
        }
        for dimension, value in values.items():
            key = (month, d.district_id, d.township_id, dimension, value)
            row = out.setdefault(key, dict.fromkeys(TALLY_COUNTERS, 0))
            for name, n in counters.items():
                row[name] += n

    def month(moment):
        return moment.astimezone(local_zone()).date().replace(day=1)

    for d in Dispute.objects.all():
        add(month(d.registered_at), d, {"registered": 1})
        if d.status in CLOSED and d.resolved_at is not None:
            resolved = d.status in RESOLVED
            add(
                month(d.resolved_at),
                d,
                {
                    "closed": 1,
                    "resolved": int(resolved),
                    "not_resolved": int(d.status == "not_resolved"),
                    "transferred": int(d.status == "transferred_to_police"),
                    "on_time": int(d.due_at is None or d.resolved_at <= d.due_at),
                    "village_closed": int(d.registered_level == "village"),
                    "village_resolved_in_village": int(
                        resolved and d.registered_level == "village" and d.result_level == "village"
                    ),
                    "resolved_within_township": int(
                        resolved and d.result_level in ("village", "township", "town_unit")
                    ),
                },
            )
    return out


def stored_tallies() -> dict:
    out = {}
    for t in DisputeTally.objects.all():
        row = {name: getattr(t, name) for name in TALLY_COUNTERS}
        if any(row.values()):
            out[t.month, t.district_id, t.township_id, t.dimension, t.value] = row
    return out


# --- (1) random sequences of real service calls keep the tallies equal to a recount ---------------


@pytest.mark.sqlite_only
def test_random_steps_keep_the_tallies_equal_to_a_recount(world):
    w = world
    places = [
        (w.village1, w.grid1, w.grid1_user, w.village1_user),
        (w.village2, w.grid2, w.grid2_user, w.village2_user),
    ]
    places3 = (w.village3, w.grid3, w.village3_user, w.village3_user)
    townships = {w.township1.pk: w.township1_user, w.township2.pk: w.township2_user}

    class Steps(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.clock = at(0)
            self.ids: list[int] = []

        def teardown(self):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

        def actor(self, d: Dispute):
            if d.level == "village":
                return next(p[3] for p in (*places, places3) if p[0].pk == d.village_id)
            if d.level in ("township", "town_unit"):
                return townships[d.township_id]
            return w.district1

        def step(self, index: int, action) -> None:
            d = Dispute.objects.get(pk=self.ids[index % len(self.ids)])
            try:
                action(d, self.actor(d))
            except WorkflowError:
                pass  # not allowed in this state: nothing changed

        @rule(days=st.integers(0, 25), hours=st.integers(0, 23))
        def tick(self, days, hours):
            self.clock += datetime.timedelta(days=days, hours=hours)

        @rule(
            place=st.integers(0, 2),
            category=st.sampled_from(["neighbourhood", "land_boundary", "labour_wages"]),
            source=st.sampled_from(["grid_inspection", "walk_in"]),
            risk=st.sampled_from(["general", "major"]),
        )
        def register(self, place, category, source, risk):
            village, grid, clerk, _v = (*places, places3)[place]
            d = register(clerk, grid=grid, when=self.clock, category=category, source=source, risk_level=risk)
            self.ids.append(d.pk)

        @precondition(lambda self: self.ids)
        @rule(i=st.integers(0, 50))
        def accept(self, i):
            self.step(i, lambda d, a: s.dispute_accept(dispute=d, actor=a, at=self.clock))

        @precondition(lambda self: self.ids)
        @rule(i=st.integers(0, 50))
        def escalate(self, i):
            self.step(i, lambda d, a: s.dispute_escalate(dispute=d, actor=a, reason="上报", at=self.clock))

        @precondition(lambda self: self.ids)
        @rule(i=st.integers(0, 50))
        def resolve(self, i):
            self.step(i, lambda d, a: s.dispute_resolve(dispute=d, actor=a, at=self.clock, result="已调解"))

        @precondition(lambda self: self.ids)
        @rule(i=st.integers(0, 50))
        def confirm(self, i):
            self.step(i, lambda d, a: s.dispute_confirm_feedback(dispute=d, actor=a, at=self.clock))

        @precondition(lambda self: self.ids)
        @rule(i=st.integers(0, 50))
        def close_unresolved(self, i):
            self.step(
                i,
                lambda d, a: s.dispute_close_unresolved(
                    dispute=d, actor=a, at=self.clock, result="调解不成", referral="arbitration"
                ),
            )

        @precondition(lambda self: self.ids)
        @rule(i=st.integers(0, 50))
        def transfer(self, i):
            def go(d, a):
                station = w.station2 if d.village_id == w.village3.pk else w.station
                s.dispute_transfer_to_police(dispute=d, actor=a, at=self.clock, station=station, reason="涉嫌刑事")

            self.step(i, go)

        @precondition(lambda self: self.ids)
        @rule(i=st.integers(0, 50), flared=st.booleans())
        def follow_up(self, i, flared):
            def go(d, a):
                visit = d.follow_ups.filter(visited_on__isnull=True, cancelled=False).order_by("due_on").first()
                if visit is None:
                    return
                finding = FollowUp.Finding.FLARED if flared else FollowUp.Finding.STABLE
                s.dispute_record_follow_up(
                    dispute=d,
                    follow_up=visit,
                    actor=a,
                    at=self.clock,
                    visited_on=local_date(self.clock),
                    finding=finding,
                )

            self.step(i, go)

        @rule()
        def sweep(self):
            escalate_overdue_now(at=self.clock)

        @precondition(lambda self: self.ids)
        @rule(i=st.integers(0, 50), category=st.sampled_from(["other", "traffic"]), risk=st.sampled_from(["major"]))
        def reclassify(self, i, category, risk):
            d = Dispute.objects.get(pk=self.ids[i % len(self.ids)])
            d.category, d.risk_level = category, risk
            d.save()  # as the admin's change form does

        @precondition(lambda self: self.ids)
        @rule(i=st.integers(0, 50), place=st.integers(0, 2))
        def move_village(self, i, place):
            village, grid, _g, _v = (*places, places3)[place]
            d = Dispute.objects.get(pk=self.ids[i % len(self.ids)])
            d.village, d.grid = village, grid
            d.township = w.township2 if village.pk == w.village3.pk else w.township1
            d.save(update_fields=["village", "grid", "township"])

        @invariant()
        def tallies_equal_the_recount(self):
            assert stored_tallies() == expected_tallies()

    run_state_machine_as_test(
        Steps,
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )


# --- (2) rebuild equals incremental; refresh is idempotent; deletion subtracts ----------------------


def test_rebuild_equals_what_the_steps_made(world):
    build_ledger(world)
    incremental = stored_tallies()
    states = dict(DisputeTallyState.objects.values_list("dispute_id", "snapshot"))
    assert incremental == expected_tallies()
    call_command("rebuild_tallies", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert stored_tallies() == incremental
    assert dict(DisputeTallyState.objects.values_list("dispute_id", "snapshot")) == states


def test_refreshing_an_unchanged_dispute_writes_nothing(world):
    c = build_ledger(world)
    before = stored_tallies()
    with CaptureQueriesContext(connection) as queries:
        assert tallies.tally_refresh([c.township.pk, c.flared.pk]) == 0
    assert not [q for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))]
    assert stored_tallies() == before


def test_a_deleted_dispute_is_taken_away(world):
    c = build_ledger(world)
    Dispute.objects.filter(pk=c.december.pk).delete()
    assert stored_tallies() == expected_tallies()
    assert not DisputeTallyState.objects.filter(dispute_id=c.december.pk).exists()


def _statements(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"].upper()]


def test_write_cost_of_a_closing(world):
    """The queries a closing adds: 2 reads, 1 insert of missing rows, 1 read of their ids,
    1 locking read and 1 update of all the changed rows (six breakdowns, the handling level
    moving too: as many queries as for one), 1 write of the state."""
    d = register(world.grid1_user, grid=world.grid1)
    s.dispute_accept(dispute=d, actor=world.village1_user, at=at(1))
    with CaptureQueriesContext(connection) as queries:
        tallies.tally_refresh([d.pk])  # unchanged: the two reads
    assert len(_statements(queries)) == 2
    Dispute.objects.filter(pk=d.pk).update(status="resolved", resolved_at=at(2), result_level="village")
    with CaptureQueriesContext(connection) as queries:
        tallies.tally_refresh([d.pk])
    assert len(_statements(queries)) == 2 + 1 + 3 + 1


# --- the nightly check ------------------------------------------------------------------------


def test_check_repairs_a_tally_an_unsignalled_update_left_behind(world, caplog):
    c = build_ledger(world)
    assert tallies.tally_check(today=NOW.date(), months=2) == 0
    # A write that bypassed the services and the kernel's signal.
    Dispute.objects.filter(pk=c.court.pk).update(category="other")
    DisputeTally.objects.filter(dimension="all", month=datetime.date(2026, 11, 1)).update(registered=99)
    with caplog.at_level(logging.WARNING, logger="analysis.tallies"):
        assert tallies.tally_check(today=NOW.date(), months=2) > 0
    assert "differed" in caplog.text
    assert stored_tallies() == expected_tallies()
    # The state follows: a later step on the dispute stays exact.
    Dispute.objects.get(pk=c.court.pk).save()
    assert stored_tallies() == expected_tallies()
    assert tallies.tally_check(today=NOW.date(), months=2) == 0


def test_check_tallies_task_runs(world):
    from analysis.tasks import check_tallies

    build_ledger(world)
    assert check_tallies.delay().get() == 0


# --- the read path: identical to the rows for every role, scope and period ---------------------------

PERIODS = [
    NOVEMBER,
    figures.Period.of_dates(datetime.date(2026, 10, 1), datetime.date(2026, 12, 31)),  # a quarter
    figures.Period.of_dates(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)),  # a year
    figures.Period.of_dates(datetime.date(2026, 10, 1), datetime.date(2026, 10, 31)),
]


def _both(disputes, period, tally):
    raw = figures.counts(disputes, period, now=NOW)
    fast = figures.counts(disputes, period, now=NOW, tally=tally)
    return raw, fast


def test_the_tally_path_gives_the_raw_figures_for_every_role_scope_and_period(world):
    w = world
    build_ledger(w)
    cases = [
        (w.admin, None),
        (w.admin, w.district),
        (w.admin, w.township1),
        (w.district1, None),
        (w.district1, w.township1),
        (w.district1, w.township2),
        (w.township1_user, None),
    ]
    for user, area in cases:
        tally = figures.tally_scope(user, area)
        assert tally is not None, (user, area)
        disputes = views._cut(disputes_visible_to(user), area)
        for period in PERIODS:
            assert figures.whole_months(period)
            raw, fast = _both(disputes, period, tally)
            assert fast == raw, (user.username, area, period)
            dimensions = ["category", "source", "risk_level", "level", "village", "township", "district"]
            # The statistics page's way: the open rows grouped by every dimension in one scan
            # (GROUPING SETS on PostgreSQL, a query per dimension on SQLite).
            total, many = figures.counts_and_breakdowns(disputes, period, dimensions, now=NOW, tally=tally)
            assert total == raw, (user.username, area, period)
            for dimension in dimensions:
                raw_by = figures.counts_by(disputes, period, dimension, now=NOW)
                fast_by = figures.counts_by(disputes, period, dimension, now=NOW, tally=tally)
                assert fast_by == raw_by, (user.username, area, period, dimension)
                assert many[dimension] == raw_by, (user.username, area, period, dimension)


def test_scopes_the_tallies_cannot_stand_for_read_the_rows(world):
    w = world
    assert figures.tally_scope(w.station1, None) is None  # a station's villages
    assert figures.tally_scope(w.dept1, None) is None  # a department's cases
    assert figures.tally_scope(w.village1_user, None) is None  # small: the rows
    assert figures.tally_scope(w.grid1_user, None) is None
    assert figures.tally_scope(w.district1, w.village1) is None
    assert figures.tally_scope(w.township1_user, w.township2) is None  # not theirs
    assert not figures.whole_months(figures.Period.of_dates(datetime.date(2026, 11, 2), datetime.date(2026, 11, 30)))


def test_partial_months_read_the_rows(world):
    build_ledger(world)
    period = figures.Period.of_dates(datetime.date(2026, 11, 3), datetime.date(2026, 11, 20))
    tally = figures.tally_scope(world.district1, None)
    with CaptureQueriesContext(connection) as queries:
        fast = figures.counts(disputes_visible_to(world.district1), period, now=NOW, tally=tally)
    assert fast == figures.counts(disputes_visible_to(world.district1), period, now=NOW)
    assert not any("analysis_disputetally" in q["sql"] for q in queries.captured_queries)


def test_monthly_report_reads_the_tallies_with_the_raw_answer(world):
    build_ledger(world)
    live = reports.live_figures(world.township1, datetime.date(2026, 11, 1), now=NOW)
    assert live == figures.counts(Dispute.objects.filter(township=world.township1), NOVEMBER, now=NOW)


def test_trend_from_the_tallies_equals_the_rows(world):
    from analysis import dashboard

    build_ledger(world)
    disputes = disputes_visible_to(world.district1)
    tally = figures.tally_scope(world.district1, None)
    last = datetime.date(2026, 12, 1)
    assert dashboard.trend(disputes, last, tally=tally) == dashboard.trend(disputes, last)


# --- (3) the pages read the tallies, with constant queries -----------------------------------------

YEAR_QUERY = {"period": "year", "year": "2026"}
STATISTICS = reverse("analysis:statistics")


def _more(world, n: int) -> None:
    for i in range(n):
        register(world.grid1_user if i % 2 else world.grid2_user, grid=world.grid1 if i % 2 else world.grid2)


def _reads_tallies(queries) -> bool:
    return any("analysis_disputetally" in q["sql"] for q in queries.captured_queries)


@pytest.mark.parametrize("who", ["admin", "district1", "township1_user"])
def test_statistics_page_reads_the_tallies_with_constant_queries(world, login, who):
    client = login(getattr(world, who))
    _more(world, 2)
    client.get(STATISTICS, YEAR_QUERY)
    with CaptureQueriesContext(connection) as few:
        response = client.get(STATISTICS, YEAR_QUERY)
    assert _reads_tallies(few)
    assert response.context["total"]["registered"] == 2
    _more(world, 18)
    with CaptureQueriesContext(connection) as many:
        response = client.get(STATISTICS, YEAR_QUERY)
    assert len(many) == len(few)
    assert response.context["total"]["registered"] == 20


@pytest.mark.parametrize("who", ["admin", "district1", "township1_user"])
def test_dashboard_reads_the_tallies_with_constant_queries(world, login, who):
    client = login(getattr(world, who))
    _more(world, 2)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("home")).status_code == 200
    assert _reads_tallies(few)
    _more(world, 18)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("home")).status_code == 200
    assert len(many) == len(few)


def test_statistics_page_of_the_province_equals_the_rows(
    world,
    login,
):
    c = build_ledger(world)
    response = login(world.admin).get(STATISTICS, YEAR_QUERY)
    period = response.context["period"]
    shown = response.context["total"]
    expected = figures.counts(Dispute.objects.all(), period, now=response.context["now"])
    assert shown == expected
    assert shown["registered"] == len([d for d in vars(c).values() if d.registered_at.year == 2026])
