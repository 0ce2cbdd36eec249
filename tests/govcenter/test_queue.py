"""Sending to the broker never fails or stalls the caller, whether the broker is down
(the port refuses) or hung (it accepts connections and never answers)."""

from __future__ import annotations

import socket
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from disputes.models import Dispute
from govcenter import queue
from govcenter.celery import app
from govcenter.models import Notification
from govcenter.tasks import clear_expired_sessions
from tests.fake_brokers import FakeBroker


@pytest.fixture
def broker_at(monkeypatch):
    """broker_at(url, **transport_options): the app sends to ``url`` from now on, through
    fresh connection and producer pools (as Celery does after a fork) and with no outage
    remembered; all restored after the test."""
    saved = app._pool, app.amqp._producer_pool

    def _switch(url: str, **transport_options):
        # Celery reads CELERY_BROKER_URL from the environment before its configuration.
        monkeypatch.setenv("CELERY_BROKER_URL", url)
        monkeypatch.setitem(app.conf, "broker_url", url)
        monkeypatch.setitem(app.conf, "broker_transport_options", transport_options)
        monkeypatch.setattr(queue, "_down_until", 0.0)
        # Both pools hold connections to the previous broker. (Kombu keeps one pool per
        # broker URL for the whole process: each fake broker has its own port, so its pool
        # is never reused, and none is closed here that another test would find closed.)
        app._pool, app.amqp._producer_pool = None, None

    yield _switch
    app._pool, app.amqp._producer_pool = saved


@pytest.fixture
def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


def test_an_unreachable_broker_is_reported_quickly_and_remembered(broker_at, closed_port):
    broker_at(f"redis://127.0.0.1:{closed_port}/0")
    started = time.monotonic()
    assert queue.send_now(clear_expired_sessions) is False
    assert queue.send_now(clear_expired_sessions) is False
    assert time.monotonic() - started < 1.0
    assert queue._down_until > time.monotonic()


def test_a_hung_broker_fails_the_probe_within_the_timeout_and_is_remembered(broker_at, settings):
    with FakeBroker() as hung:
        broker_at(hung.url)
        started = time.monotonic()
        assert queue.send_now(clear_expired_sessions) is False
        first = time.monotonic() - started
        started = time.monotonic()
        assert queue.send_now(clear_expired_sessions) is False
        second = time.monotonic() - started
    assert settings.CELERY_BROKER_CONNECTION_TIMEOUT - 0.1 < first < settings.CELERY_BROKER_CONNECTION_TIMEOUT + 0.5
    assert second < 0.1  # remembered: no second probe
    assert queue._down_until > time.monotonic() + queue.BROKER_DOWN_SECONDS - 5


def test_a_hung_broker_behind_tls_fails_the_probe_within_the_timeout(broker_at, settings):
    with FakeBroker() as hung:
        broker_at(hung.url.replace("redis://", "rediss://"))
        started = time.monotonic()
        assert queue.broker_available() is False  # the TLS handshake is never answered
    assert time.monotonic() - started < settings.CELERY_BROKER_CONNECTION_TIMEOUT + 0.5


def test_a_live_redis_answers_the_probe(broker_at):
    with FakeBroker(answer_ping=True) as redis:
        broker_at(redis.url)
        assert queue.broker_available() is True
    assert queue._down_until == 0.0


def test_a_broker_that_hangs_after_the_probe_is_given_up_after_the_socket_timeout(broker_at, settings):
    """It answers PING, then nothing: the send is bounded by the Redis socket timeouts that
    settings.py puts in the transport options, and the failure is remembered."""
    app.conf.task_always_eager = False  # really publish
    timeout = settings.CELERY_BROKER_CONNECTION_TIMEOUT
    with FakeBroker(answer_ping=True) as half_dead:
        broker_at(half_dead.url, socket_connect_timeout=timeout, socket_timeout=timeout)
        started = time.monotonic()
        assert queue.send_now(clear_expired_sessions) is False
        took = time.monotonic() - started
        assert queue.send_now(clear_expired_sessions) is False
        assert time.monotonic() - started < took + 0.1
    assert took < 2 * timeout + 0.5  # the probe's PING, then one read that times out
    assert queue._down_until > time.monotonic()


def test_the_embedded_broker_needs_no_probe(broker_at):
    broker_at("filesystem://")
    assert queue.broker_available() is True


def test_enqueue_waits_for_the_commit(db, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr(queue, "send_now", lambda task, *a, **k: sent.append(task.name))
    with django_capture_on_commit_callbacks(execute=True):
        queue.enqueue_on_commit(clear_expired_sessions)
        assert sent == []
    assert sent == ["govcenter.tasks.clear_expired_sessions"]


@pytest.mark.django_db(transaction=True)
def test_registering_a_dispute_with_a_hung_broker_answers_at_once_and_saves_once(world, broker_at, client, settings):
    """The clerk's POST comes back (302) about the probe's timeout later than usual, the
    dispute is saved once, and the e-mail copy waits in the database for the periodic
    catch-up (deliver_pending_notifications)."""
    world.village1_user.email = "village1@example.org"
    world.village1_user.save()
    client.force_login(world.grid1_user)

    def register(summary: str):
        started = time.monotonic()
        response = client.post(
            reverse("disputes:register"),
            {
                "source": "grid_inspection",
                "category": "neighbourhood",
                "risk_level": "general",
                "summary": summary,
                "description": "楼上楼下因噪音争吵。",
                "occurred_on": timezone.localdate().isoformat(),
                "grid": world.grid1.pk,
                "parties-TOTAL_FORMS": "1",
                "parties-INITIAL_FORMS": "0",
                "parties-MIN_NUM_FORMS": "0",
                "parties-MAX_NUM_FORMS": "20",
                "parties-0-role": "applicant",
                "parties-0-kind": "person",
                "parties-0-name": "王大明",
            },
        )
        return response, time.monotonic() - started

    register("warm-up")  # templates, translations and URL patterns load on the first request
    with FakeBroker() as hung:
        broker_at(hung.url)
        app.conf.task_always_eager = False
        response, took = register("邻里噪音纠纷")
    assert response.status_code == 302, response.content.decode()[:2000]
    assert took < settings.CELERY_BROKER_CONNECTION_TIMEOUT + 1.5
    d = Dispute.objects.get(summary="邻里噪音纠纷")
    assert response["Location"] == d.get_absolute_url()
    waiting = Notification.objects.get(recipient=world.village1_user, url=d.get_absolute_url())
    assert waiting.delivered_at is None  # queued nowhere
