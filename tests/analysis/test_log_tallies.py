"""The people's-sentiment log rollup (``LogTally``, issue 14 item 5): random sequences of
real service calls keep it equal to a recount made here in plain Python; its write cost;
the nightly check repairs it; and the statistics page's log tables read from it give what
the rows give, for every scope, with constant queries."""

from __future__ import annotations

import datetime
import logging

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from analysis import figures, tallies
from analysis.activity import LOG_COUNTS, log_counts_by
from analysis.models import LOG_TALLY_COUNTERS, LogTally, LogTallyState
from govcenter.levels import local_zone
from sentiment import services as s
from sentiment.models import Log
from sentiment.selectors import logs_visible_to
from tests.sentiment.helpers import T0, file_log

ZEROS = dict.fromkeys(LOG_COUNTS, 0)


def expected_log_tallies() -> dict:
    """Every log tally row recomputed in plain Python over the rows (zeros left out)."""
    out: dict = {}

    def month(moment):
        return moment.astimezone(local_zone()).date().replace(day=1)

    def add(when, log, counter):
        for dimension, value in (("all", ""), ("kind", log.kind), ("category", log.category)):
            key = (month(when), log.district_id, log.township_id, dimension, value)
            row = out.setdefault(key, dict.fromkeys(LOG_TALLY_COUNTERS, 0))
            row[counter] += 1

    for log in Log.objects.all():
        add(log.occurred_at, log, "filed")
        if log.status == Log.Status.FED_BACK and log.fed_back_at is not None:
            add(log.fed_back_at, log, "handled")
    return out


def stored_log_tallies() -> dict:
    out = {}
    for t in LogTally.objects.all():
        row = {name: getattr(t, name) for name in LOG_TALLY_COUNTERS}
        if any(row.values()):
            out[t.month, t.district_id, t.township_id, t.dimension, t.value] = row
    return out


# --- random sequences of real service calls ---------------------------------------------------------


@pytest.mark.sqlite_only
def test_random_steps_keep_the_log_tallies_equal_to_a_recount(world):
    """Filing (answered on the spot or reported), reporting up, feeding back, the parties
    unsatisfied (back in the flow: its handling taken back) and fed back again in a later
    month, a correction of the day or category through ``save()``, a deletion; the clock
    crosses months."""
    w = world
    places = [(w.grid1, w.grid1_user, w.village1_user), (w.grid2, w.grid2_user, w.village2_user)]

    class Steps(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.clock = T0
            self.ids: list[int] = []

        def teardown(self):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

        def tick(self, hours: int) -> datetime.datetime:
            self.clock += datetime.timedelta(hours=hours)
            return self.clock

        def pick(self, i: int, *statuses) -> Log | None:
            logs = list(Log.objects.filter(pk__in=self.ids, status__in=statuses).order_by("pk"))
            return logs[i % len(logs)] if logs else None

        @rule(
            place=st.integers(0, 1),
            kind=st.sampled_from(Log.Kind.values),
            category=st.sampled_from(Log.Category.values),
            report=st.booleans(),
            hours=st.integers(1, 24 * 20),
            back=st.integers(1, 24 * 40),
        )
        def file(self, place, kind, category, report, hours, back):
            grid, worker, _clerk = places[place]
            when = self.tick(hours)
            log = s.log_file(
                actor=worker,
                grid=grid,
                at=when,
                occurred_at=when - datetime.timedelta(hours=back),
                kind=kind,
                category=category,
                matter="走访记录",
                next_step=Log.NextStep.REPORT if report else Log.NextStep.ANSWERED,
            )
            self.ids.append(log.pk)

        @precondition(lambda self: self.ids)
        @rule(i=st.integers(0, 50), hours=st.integers(1, 24 * 20))
        def feed_back(self, i, hours):
            log = self.pick(i, Log.Status.NEW)
            if log is None or log.level != "village":
                return
            clerk = next(p[2] for p in places if p[0].pk == log.grid_id)
            s.log_feed_back(log=log, actor=clerk, at=self.tick(hours), result="已答复")

        @precondition(lambda self: self.ids)
        @rule(i=st.integers(0, 50), hours=st.integers(1, 24 * 20))
        def parties_unsatisfied(self, i, hours):
            log = self.pick(i, Log.Status.FED_BACK)
            if log is None or log.parties_told_at is not None:
                return
            worker = next(p[1] for p in places if p[0].pk == log.grid_id)
            s.log_tell_parties(log=log, actor=worker, at=self.tick(hours), how="visit", satisfaction="unsatisfied")

        @precondition(lambda self: self.ids)
        @rule(i=st.integers(0, 50), hours=st.integers(1, 24 * 60), category=st.sampled_from(Log.Category.values))
        def correct(self, i, hours, category):
            logs = list(Log.objects.filter(pk__in=self.ids).order_by("pk"))
            if not logs:
                return
            log = logs[i % len(logs)]
            log.occurred_at -= datetime.timedelta(hours=hours)
            log.category = category
            log.save(update_fields=["occurred_at", "category"])

        @precondition(lambda self: self.ids)
        @rule(i=st.integers(0, 50))
        def delete(self, i):
            logs = list(Log.objects.filter(pk__in=self.ids).order_by("pk"))
            if logs:
                logs[i % len(logs)].delete()

        @invariant()
        def equal_to_a_recount(self):
            assert stored_log_tallies() == expected_log_tallies()

    run_state_machine_as_test(
        Steps,
        settings=settings(
            max_examples=25,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )


def test_deleting_a_log_takes_its_counts_away(world):
    log = file_log(world)
    assert stored_log_tallies() == expected_log_tallies() != {}
    Log.objects.filter(pk=log.pk).get().delete()
    assert stored_log_tallies() == {}
    assert not LogTallyState.objects.filter(log_id=log.pk).exists()


def test_rebuild_equals_what_the_steps_made(world):
    log = file_log(world, next_step=Log.NextStep.REPORT)
    s.log_feed_back(log=log, actor=world.village1_user, at=T0 + datetime.timedelta(days=40), result="已答复")
    made = stored_log_tallies()
    assert made == expected_log_tallies()
    assert tallies.LOGS.rebuild()["rows"] == 1
    assert stored_log_tallies() == made


# --- what a write costs ----------------------------------------------------------------------------


def _statements(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]


def test_write_cost_of_a_log(world):
    """Reporting a log up changes no tally: the two reads. Feeding it back: 2 reads, 1 insert
    of missing rows, 3 updates (all, kind, category), 1 write of the state."""
    log = file_log(world, next_step=Log.NextStep.REPORT)
    with CaptureQueriesContext(connection) as queries:
        tallies.LOGS.refresh([log.pk])
    assert len(_statements(queries)) == 2
    Log.objects.filter(pk=log.pk).update(status=Log.Status.FED_BACK, fed_back_at=T0)
    with CaptureQueriesContext(connection) as queries:
        tallies.LOGS.refresh([log.pk])
    assert len(_statements(queries)) == 2 + 1 + 3 + 1
    assert stored_log_tallies() == expected_log_tallies()


def test_a_save_of_columns_no_tally_reads_costs_nothing(world):
    log = file_log(world)
    log.place = "村委会"
    with CaptureQueriesContext(connection) as queries:
        log.save(update_fields=["place"])
    assert len(_statements(queries)) == 1


# --- the nightly check ---------------------------------------------------------------------------------


def test_check_repairs_log_tallies_an_unsignalled_update_left_behind(world, caplog):
    log = file_log(world)
    today = T0.date()
    assert tallies.tally_check(today=today, months=2) == 0
    Log.objects.filter(pk=log.pk).update(category=Log.Category.PRODUCTION_SAFETY)  # bypasses the receivers
    with caplog.at_level(logging.WARNING):
        assert tallies.tally_check(today=today, months=2) > 0
    assert "Log tallies differed" in caplog.text
    assert stored_log_tallies() == expected_log_tallies()
    Log.objects.get(pk=log.pk).save()  # the state followed: a later save stays exact
    assert stored_log_tallies() == expected_log_tallies()
    assert tallies.tally_check(today=today, months=2) == 0


# --- the read path -----------------------------------------------------------------------------------

NOVEMBER = figures.Period.of_dates(datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))
PERIODS = [
    NOVEMBER,
    figures.Period.of_dates(datetime.date(2026, 10, 1), datetime.date(2026, 12, 31)),
    figures.Period.of_dates(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)),
    figures.Period.of_dates(datetime.date(2026, 11, 3), datetime.date(2026, 11, 20)),  # cuts a month: the rows
]


def _some_logs(w) -> None:
    """Logs in both townships, in October and November, some fed back in another month, some open."""
    day = datetime.timedelta(days=1)
    october = T0 - 20 * day
    file_log(w, when=october, kind=Log.Kind.INSPECTION, category=Log.Category.PRODUCTION_SAFETY)
    late = file_log(w, when=october, next_step=Log.NextStep.REPORT)
    s.log_feed_back(log=late, actor=w.village1_user, at=T0 + day, result="已答复")
    file_log(w, when=T0 + 2 * day, next_step=Log.NextStep.REPORT, category=Log.Category.DISPUTE)
    file_log(w, actor=w.grid2_user, grid=w.grid2, when=T0 + 3 * day, resident=w.resident2)
    file_log(w, actor=w.police3, grid=w.grid3, when=T0 + 4 * day, resident=w.resident3, next_step=Log.NextStep.REPORT)


@pytest.mark.parametrize("who", ["admin", "district1", "township1_user", "township2_user"])
def test_the_tally_path_gives_the_raw_log_figures(world, who):
    w = world
    _some_logs(w)
    user = getattr(w, who)
    now = T0 + datetime.timedelta(days=10)
    logs = logs_visible_to(user)
    tally = figures.tally_scope(user, None)
    assert tally is not None
    for period in PERIODS:
        for dimension in ("kind", "category"):
            raw = log_counts_by(logs, period, dimension, now=now)
            fast = log_counts_by(logs, period, dimension, now=now, tally=tally)
            assert {k: v for k, v in fast.items() if v != ZEROS} == raw, (who, period, dimension)
    # A township of the district, chosen as the scope.
    if who in ("admin", "district1"):
        area_logs = logs.filter(township=w.township1)
        tally = figures.tally_scope(user, w.township1)
        raw = log_counts_by(area_logs, NOVEMBER, "kind", now=now)
        assert log_counts_by(area_logs, NOVEMBER, "kind", now=now, tally=tally) == raw
        assert raw["visit"]["filed"] == 2


def test_the_known_answers(world):
    w = world
    _some_logs(w)
    now = T0 + datetime.timedelta(days=10)
    rows = log_counts_by(
        logs_visible_to(w.district1), NOVEMBER, "kind", now=now, tally=figures.tally_scope(w.district1, None)
    )
    # November: three visits filed (grid1, grid2, grid3's police visit) and the October one fed back.
    assert rows["visit"] == {"filed": 3, "handled": 1, "open": 2, "overdue": rows["visit"]["overdue"]}
    assert "inspection" not in rows  # filed in October, answered on the spot: nothing in November


@pytest.mark.parametrize("who", ["district1", "township1_user"])
def test_statistics_page_log_tables_with_constant_queries(world, login, who):
    """The page's queries do not grow with the logs: the log tables are two small queries each."""
    w = world
    client = login(getattr(w, who))
    url = reverse("analysis:statistics")
    params = {"period": "month", "year": "2026", "month": "11"}
    _some_logs(w)
    with CaptureQueriesContext(connection) as first:
        assert client.get(url, params).status_code == 200
    for i in range(5):
        file_log(w, when=T0 + datetime.timedelta(days=5, hours=i), category=Log.Category.OTHER)
    with CaptureQueriesContext(connection) as second:
        response = client.get(url, params)
    assert len(second.captured_queries) == len(first.captured_queries)
    assert any("analysis_logtally" in q["sql"] for q in second.captured_queries)
    total = response.context["logs_total"]
    recount = Log.objects.filter(
        pk__in=logs_visible_to(getattr(w, who)), occurred_at__gte=NOVEMBER.start, occurred_at__lt=NOVEMBER.end
    ).count()
    assert total["filed"] == recount
