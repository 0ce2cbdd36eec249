"""The queue for real: a Celery worker process, the broker (the embedded file-system one
of `make run`, and Redis), and a database the worker and these steps share.

Each step runs as its own process (tests/integration/scenario.py) so that the worker
and the steps see the same committed data, as in production. The Redis cases (marker
``redis``) run when CELERY_BROKER_URL names Redis, as in CI's second run, and skip with
the reason otherwise; they empty the Redis database of TEST_REDIS_URL (default: 14).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.fake_brokers import FakeBroker

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


@pytest.fixture
def stack_env(fresh_database_url, tmp_path):
    """Environment for the processes: a fresh database (a copy of the session's migrated one,
    on PostgreSQL when the suite runs on it, else SQLite) and a private var/ directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_", "CELERY_BROKER_URL"))}
    env.update(
        VAR_DIR=str(tmp_path / "var"),
        DJANGO_SETTINGS_MODULE="govcenter.settings",
        PYTHONPATH=str(ROOT),
        CELERY_TASK_ALWAYS_EAGER="0",
        DEBUG="1",
        DATABASE_URL=fresh_database_url,
    )
    return env


def run(args: list[str], env: dict, timeout: float = 120) -> str:
    out = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""


def scenario(step: str, env: dict, *args: str):
    return json.loads(run(["-m", "tests.integration.scenario", step, *args], env))


def start_worker(env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "govcenter",
            "worker",
            "-l",
            "info",
            "-P",
            "solo",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "-n",
            f"it-{uuid.uuid4().hex[:6]}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def peek(env: dict, sql: str):
    """The first column of the first row of ``sql`` in the test's database, read directly:
    polling through a ``scenario`` process costs a Django start-up (1-2 s of CPU) a poll,
    which on a 2-core machine slowed the worker being watched. The final checks still go
    through ``scenario("state")``, which reads with the models."""
    url = env["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        import sqlite3

        with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30)) as conn:
            return conn.execute(sql).fetchone()[0]
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(sql).fetchone()[0]


def escalations(env: dict) -> int:
    from disputes.models import DisputeEvent

    return peek(env, f"SELECT count(*) FROM {DisputeEvent._meta.db_table} WHERE kind = 'escalated'")


def undelivered(env: dict) -> int:
    from govcenter.models import Notification

    return peek(env, f"SELECT count(*) FROM {Notification._meta.db_table} WHERE delivered_at IS NULL")


def reminders(env: dict) -> int:
    from govcenter.models import ReminderSent

    return peek(env, f"SELECT count(*) FROM {ReminderSent._meta.db_table}")


def import_status(env: dict, job: int) -> str:
    from govcenter.models import ImportJob

    return peek(env, f"SELECT status FROM {ImportJob._meta.db_table} WHERE id = {int(job)}")


def wait_for(predicate, timeout: float = 90, every: float = 1.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    return predicate()


def sweep_through_the_broker(env: dict, tmp_path: Path, n: int = 3) -> dict:
    ids = scenario("setup", env, str(n))
    worker = start_worker(env, tmp_path / "worker.log")
    try:
        run(["-m", "tests.integration.scenario", "sweep"], env)
        wait_for(lambda: escalations(env) >= n and undelivered(env) == 0, every=0.3)
        done = (s := scenario("state", env))["escalations"] >= n and s["undelivered"] == 0 and s
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    log = (tmp_path / "worker.log").read_text()
    assert done, f"the worker did not finish the sweep in time; its log:\n{log[-3000:]}"
    assert set(json.loads(json.dumps(done["levels"])).values()) == {"township"}, done
    assert len(ids) == n
    assert "disputes.tasks.escalate_overdue" in log and "succeeded" in log
    return done


# `make run`'s configuration is SQLite with this broker: CI's first pass runs it; the
# PostgreSQL pass runs the production pair, PostgreSQL and Redis (test_sweep_through_redis).
@pytest.mark.sqlite_only
def test_sweep_through_the_embedded_broker(stack_env, tmp_path):
    """`make run`'s file-system broker: the worker picks up the sweep and the e-mails it causes."""
    state = sweep_through_the_broker(stack_env, tmp_path)
    assert state["escalations"] == 3
    assert state["township_notified"] >= 3
    assert state["undelivered"] == 0  # village1's e-mail copies were delivered by the worker


@pytest.mark.redis
def test_sweep_through_redis(stack_env, tmp_path):
    stack_env["CELERY_BROKER_URL"] = REDIS_URL
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    state = sweep_through_the_broker(stack_env, tmp_path)
    assert state["escalations"] == 3 and state["township_notified"] >= 3


@pytest.mark.costly
def test_web_keeps_working_when_the_broker_is_down(stack_env, tmp_path):
    """Broker on a closed port: escalating in the web succeeds quickly; the e-mail copy waits
    in the database and the catch-up delivers it once a broker is back."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]  # nothing listens once the socket is closed
    scenario("setup", stack_env, "1")
    down = dict(stack_env, CELERY_BROKER_URL=f"redis://127.0.0.1:{closed_port}/0")
    result = scenario("web-escalate", down)
    assert result["status"] == 302 and result["level"] == "township"
    # One probe, refused at once; every later send in the request skips the broker (it is
    # remembered as down), so the request waits at most one bounded probe.
    assert (result["probes"], result["sends"]) == (1, 0), result
    assert scenario("state", down)["undelivered"] >= 1  # queued nowhere, kept in the database
    # The broker is back (here: the embedded one): the periodic catch-up delivers what waited.
    worker = start_worker(stack_env, tmp_path / "worker.log")
    try:
        run(
            [
                "-c",
                "import django,os;os.environ.setdefault('DJANGO_SETTINGS_MODULE','govcenter.settings');django.setup();"
                "from govcenter.tasks import deliver_pending_notifications as t;t.apply_async(kwargs={'older_than_seconds': -1})",
            ],
            stack_env,
        )
        wait_for(lambda: undelivered(stack_env) == 0, every=0.3)
        state = (s := scenario("state", stack_env))["undelivered"] == 0 and s
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert state, (tmp_path / "worker.log").read_text()[-3000:]


@pytest.mark.costly
@pytest.mark.parametrize("answer_ping", [False, True], ids=["silent", "answers-only-ping"])
def test_a_hung_broker_never_holds_a_dispute_registration(stack_env, answer_ping):
    """A Redis that accepts connections and never answers (or answers the probe's PING and
    then nothing): the registration comes back at once (302), the dispute is saved once and
    its e-mail copy waits in the database for the catch-up. Run with the real settings, so
    the socket timeouts of the transport options are those of settings.py."""
    scenario("setup", stack_env, "0")
    with FakeBroker(answer_ping=answer_ping) as hung:
        result = scenario("web-register", dict(stack_env, CELERY_BROKER_URL=hung.url))
        assert hung.connections >= 1
    assert result["status"] == 302 and result["saved"] == 1, result
    assert result["undelivered"] >= 1, result
    # At most one probe and one send, each bounded by CELERY_BROKER_CONNECTION_TIMEOUT (the
    # transport's socket timeouts are that value), then the broker is skipped: the wait is
    # a bounded number of bounded calls, not kombu's retry loop. Counts, not seconds.
    assert result["probes"] == 1, result
    assert result["sends"] == (1 if answer_ping else 0), result
    assert result["socket_timeout"] == result["socket_connect_timeout"] == result["probe_timeout"], result


@pytest.mark.redis
def test_two_workers_on_redis_escalate_and_remind_each_case_once(stack_env, tmp_path):
    """Two worker processes take two sweeps and two reminder runs at the same moment:
    every overdue case is escalated exactly once and reminded exactly once."""
    import redis

    stack_env["CELERY_BROKER_URL"] = REDIS_URL
    redis.Redis.from_url(REDIS_URL).flushdb()
    n = 100  # at ~75 ms a case a sweep lasts seconds: the two workers overlap
    scenario("setup", stack_env, str(n))
    workers = [start_worker(stack_env, tmp_path / f"worker{i}.log") for i in range(2)]
    try:
        scenario("sweep", stack_env, "2")
        escalated = wait_for(lambda: escalations(stack_env) >= n, timeout=180, every=0.3)
        assert escalated, [(tmp_path / f"worker{i}.log").read_text()[-2000:] for i in range(2)]
        scenario("due-tomorrow", stack_env)
        scenario("remind", stack_env, "2")
        reminded = wait_for(lambda: reminders(stack_env) >= n, timeout=180, every=0.3)
        time.sleep(3)  # let a duplicate, if there were one, arrive
        final = scenario("state", stack_env)
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            w.wait(timeout=30)
    logs = "".join((tmp_path / f"worker{i}.log").read_text() for i in range(2))
    assert reminded, logs[-3000:]
    assert final["escalations"] == n and final["max_escalations_per_case"] == 1
    assert set(final["levels"].values()) == {"township"}
    assert final["reminders"] == n
    assert final["township_reminded"] == n  # one reminder per case to the township centre
    assert logs.count("disputes.tasks.escalate_overdue") >= 2  # both sweeps really ran


@pytest.mark.redis
def test_a_worker_killed_mid_sweep_leaves_the_rest_to_a_redelivery(stack_env, tmp_path):
    """kill -9 the worker while it escalates: the task was acknowledged late, so Redis hands
    it to the next worker after the visibility timeout, and that run escalates the rest
    without touching the cases already done."""
    import signal

    import redis

    stack_env.update(
        CELERY_BROKER_URL=REDIS_URL,
        CELERY_VISIBILITY_TIMEOUT="3",
        # Look for unacknowledged messages every second rather than every 100 s.
        CELERY_BROKER_TRANSPORT_OPTIONS='{"unacked_restore_interval": 1, "unacked_restore_throttle": 1}',
        # A batch moves in one transaction: small batches, so that the kill lands between two.
        OVERDUE_SWEEP_BATCH="4",
    )
    redis.Redis.from_url(REDIS_URL).flushdb()
    n = 100
    scenario("setup", stack_env, str(n))
    first = start_worker(stack_env, tmp_path / "first.log")
    try:
        scenario("sweep", stack_env)
        started = wait_for(lambda: 0 < escalations(stack_env) < n, timeout=60, every=0.05)
        first.send_signal(signal.SIGKILL)
    finally:
        first.wait(timeout=30)
    assert started, (tmp_path / "first.log").read_text()[-2000:]
    partial = scenario("state", stack_env)["escalations"]
    second = start_worker(stack_env, tmp_path / "second.log")
    try:
        wait_for(lambda: escalations(stack_env) >= n, timeout=120, every=0.3)
        final = (s := scenario("state", stack_env))["escalations"] >= n and s
    finally:
        second.terminate()
        second.wait(timeout=30)
    assert final, (tmp_path / "second.log").read_text()[-3000:]
    assert partial < n
    assert final["escalations"] == n and final["max_escalations_per_case"] == 1


@pytest.mark.redis
def test_a_worker_killed_mid_import_saves_nothing_and_the_import_runs_again(stack_env, tmp_path):
    """kill -9 the worker while it writes a residents file (one transaction): no resident
    is saved; the task, acknowledged late, comes back to the next worker, which imports
    the whole file once."""
    import signal

    import redis

    stack_env.update(
        CELERY_BROKER_URL=REDIS_URL,
        CELERY_VISIBILITY_TIMEOUT="3",
        CELERY_BROKER_TRANSPORT_OPTIONS='{"unacked_restore_interval": 1, "unacked_restore_throttle": 1}',
    )
    redis.Redis.from_url(REDIS_URL).flushdb()
    # Enough rows that the write pass (one transaction) lasts seconds: the kill comes as soon
    # as the job's row says "writing" (read directly every 50 ms; when each poll started a
    # Django process, 4,000 rows could finish between the poll and the kill).
    n = 6000
    job = scenario("import-setup", stack_env, str(n))
    first = start_worker(stack_env, tmp_path / "first.log")
    try:
        writing = wait_for(lambda: import_status(stack_env, job) == "writing", 180, 0.05)
        first.send_signal(signal.SIGKILL)
    finally:
        first.wait(timeout=30)
    assert writing, (tmp_path / "first.log").read_text()[-2000:]
    killed = scenario("import-state", stack_env, str(job))
    assert (killed["status"], killed["residents"]) == ("writing", 0), killed
    second = start_worker(stack_env, tmp_path / "second.log")
    try:
        wait_for(lambda: import_status(stack_env, job) == "done", 180, 0.3)
        final = (s := scenario("import-state", stack_env, str(job)))["status"] == "done" and s
    finally:
        second.terminate()
        second.wait(timeout=30)
    assert final, (tmp_path / "second.log").read_text()[-3000:]
    assert (final["residents"], final["created"], final["attempts"]) == (n, n, 2)
