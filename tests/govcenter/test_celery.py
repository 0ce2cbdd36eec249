"""The Celery app: tasks are found, the beat schedule names only real tasks, and the
worker that `make run` starts (the Procfile's line) consumes what the web side sends."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from govcenter.celery import app

ROOT = Path(__file__).resolve().parents[2]
TASK = "govcenter.tasks.clear_expired_sessions"


def discovered_tasks() -> set[str]:
    app.loader.import_default_modules()  # what a worker does at start: autodiscovery
    return set(app.tasks)


def test_app_discovers_the_session_cleanup_task():
    assert TASK in discovered_tasks()


def test_beat_schedule_names_only_tasks_that_exist():
    tasks = discovered_tasks()
    assert settings.CELERY_BEAT_SCHEDULE, "the beat schedule is empty"
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in tasks, f"beat entry {name!r} names unknown task {entry['task']!r}"
        assert entry.get("schedule"), name


def procfile_worker_command() -> list[str]:
    """The worker line of the Procfile, run with this interpreter's celery."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("worker:"):
            argv = shlex.split(line.removeprefix("worker:"))
            argv = argv[1:] if argv[0] == "exec" else argv
            assert argv[0] == "celery", line
            return [sys.executable, "-m", "celery", *argv[1:]]
    raise AssertionError("Procfile has no worker line")


def stack_env(tmp_path: Path, broker_url: str | None) -> dict[str, str]:
    """A private var/ (SQLite database, generated keys, file-system broker) for the processes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DJANGO_", "PYTEST_"))}
    env.pop("DATABASE_URL", None)  # the queue is under test here, not the database: SQLite in tmp_path
    env.update(VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="govcenter.settings", PYTHONPATH=str(ROOT), DEBUG="1")
    if broker_url:
        env["CELERY_BROKER_URL"] = broker_url
    return env


SEND = """
import sys, django
django.setup()
from govcenter.tasks import clear_expired_sessions
if "--purge" in sys.argv:
    # Tasks other tests left in a shared Redis database would run against this empty
    # database and log errors: start from an empty queue.
    from govcenter.celery import app
    app.control.purge()
print(clear_expired_sessions.delay().id)
"""


def send(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", SEND, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def wait_for(log: Path, text: str, worker: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in log.read_text():
            return
        assert worker.poll() is None, f"the worker exited early:\n{log.read_text()}"
        time.sleep(0.2)
    raise AssertionError(f"{text!r} not in the worker log after {timeout} s:\n{log.read_text()}")


def redis_broker_url() -> str | None:
    url = os.environ.get("CELERY_BROKER_URL", "")
    return url if url.startswith("redis://") else None


@pytest.mark.parametrize(
    "broker",
    [
        "filesystem",
        pytest.param("redis", marks=pytest.mark.redis),
    ],
)
@pytest.mark.costly
def test_procfile_worker_consumes_tasks_sent_through_the_broker(tmp_path, broker, migrated_sqlite):
    """Send one task before the worker starts (it must wait in the broker) and one while it
    runs (the path of a web request), and see the worker run both."""
    broker_url = None
    if broker == "redis":  # the marker skips it unless CELERY_BROKER_URL is Redis
        broker_url = redis_broker_url()
    env = stack_env(tmp_path, broker_url)
    shutil.copyfile(migrated_sqlite, tmp_path / "govcenter.sqlite3")  # with the session table the task empties
    waiting = send(env, "--purge")

    log = tmp_path / "worker.log"
    command = [*procfile_worker_command(), "--hostname", f"test-{uuid.uuid4().hex[:8]}@%h"]
    with log.open("w") as out:
        worker = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_for(log, f"{TASK}[{waiting}] succeeded", worker, timeout=30)
        live = send(env)
        wait_for(log, f"{TASK}[{live}] succeeded", worker, timeout=15)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)  # the worker and its pool, as honcho does
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
    assert "ERROR" not in log.read_text(), log.read_text()
