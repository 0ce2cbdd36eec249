"""Sending to the broker never fails or stalls the caller."""

from __future__ import annotations

import socket
import time

import pytest

from govcenter import queue
from govcenter.celery import app
from govcenter.tasks import clear_expired_sessions


@pytest.fixture
def closed_broker(monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(app.conf, "broker_url", f"redis://127.0.0.1:{port}/0")
    monkeypatch.setattr(queue, "_down_until", 0.0)
    return port


def test_an_unreachable_broker_is_reported_quickly_and_remembered(closed_broker):
    started = time.monotonic()
    assert queue.send_now(clear_expired_sessions) is False
    assert queue.send_now(clear_expired_sessions) is False
    assert time.monotonic() - started < 1.0
    assert queue._down_until > time.monotonic()


def test_the_embedded_broker_needs_no_probe(monkeypatch):
    monkeypatch.setattr(app.conf, "broker_url", "filesystem://")
    monkeypatch.setattr(queue, "_down_until", 0.0)
    assert queue.broker_available() is True


def test_enqueue_waits_for_the_commit(db, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr(queue, "send_now", lambda task, *a, **k: sent.append(task.name))
    with django_capture_on_commit_callbacks(execute=True):
        queue.enqueue_on_commit(clear_expired_sessions)
        assert sent == []
    assert sent == ["govcenter.tasks.clear_expired_sessions"]
