"""Putting work on the Celery queue from web requests and services.

Two rules (DESIGN.md, "Background work"): a task is sent only after the transaction
that made its work commits, and a broker outage never fails the request nor makes it
slow: every task here has a periodic catch-up that finds unfinished work in the
database, so a send that cannot happen now is only logged.

The Redis client retries a refused connection for about two seconds per send, which
a request sending several notifications would pay several times. So before sending,
the broker's port is probed with a short timeout, and an unreachable broker is
remembered for BROKER_DOWN_SECONDS: later sends in this process skip at once.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from contextlib import contextmanager
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

BROKER_DOWN_SECONDS = 30.0
_down_until = 0.0
_local = threading.local()


@contextmanager
def sending_suppressed():
    """Queue nothing while the block runs (the demo seed writes months of history whose
    notifications are past news, not e-mails to send now)."""
    before = getattr(_local, "suppressed", False)
    _local.suppressed = True
    try:
        yield
    finally:
        _local.suppressed = before


def _network_address(url: str) -> tuple[str, int] | None:
    """Host and port of a network broker; None for the embedded file-system broker."""
    parts = urlsplit(url)
    default_ports = {"redis": 6379, "rediss": 6380, "amqp": 5672, "pyamqp": 5672}
    if parts.scheme not in default_ports:
        return None
    return parts.hostname or "127.0.0.1", parts.port or default_ports[parts.scheme]


def broker_available() -> bool:
    global _down_until
    if time.monotonic() < _down_until:
        return False
    from .celery import app

    address = _network_address(app.conf.broker_url or "")
    if address is None:
        return True
    try:
        with socket.create_connection(address, timeout=settings.CELERY_BROKER_CONNECTION_TIMEOUT):
            return True
    except OSError:
        _down_until = time.monotonic() + BROKER_DOWN_SECONDS
        return False


def send_now(task, *args, **kwargs) -> bool:
    """Send ``task`` to the broker once, without retrying; False if the broker is unreachable."""
    global _down_until
    if not broker_available():
        logger.warning("Broker unavailable: %s not queued now; the periodic catch-up will do it.", task.name)
        return False
    try:
        task.apply_async(args=args, kwargs=kwargs, retry=False)
    except Exception:  # kombu / redis raise many kinds; none of them may reach the user
        _down_until = time.monotonic() + BROKER_DOWN_SECONDS
        logger.warning(
            "Broker unavailable: %s not queued now; the periodic catch-up will do it.", task.name, exc_info=True
        )
        return False
    return True


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Send ``task`` after the current transaction commits (at once outside a transaction)."""
    if getattr(_local, "suppressed", False):
        return
    transaction.on_commit(lambda: send_now(task, *args, **kwargs))
