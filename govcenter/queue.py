"""Putting work on the Celery queue from web requests and services.

Two rules (DESIGN.md, "Background work"): a task is sent only after the transaction
that made its work commits, and a broker outage never fails the request nor makes it
slow: every task here has a periodic catch-up that finds unfinished work in the
database, so a send that cannot happen now is only logged.

A broker can fail in two ways, and each must cost a request at most about
CELERY_BROKER_CONNECTION_TIMEOUT seconds (1 s by default):

- down (the port refuses): the Redis client retries a refused connection for about two
  seconds per send, which a request sending several notifications would pay several
  times;
- hung (it accepts connections but never answers: a stopped process, a full disk, a
  half-open connection behind a firewall): without a socket timeout a send waits
  forever, until gunicorn kills the worker and the user sees a 500 for data that was
  saved.

So before sending, the broker is probed: a Redis broker must answer a PING within the
timeout (a TCP connect alone does not tell a hung Redis from a live one). A broker that
fails the probe or a send is remembered for BROKER_DOWN_SECONDS: later sends in this
process skip at once. The send itself is bounded too, by the socket timeouts in
settings.CELERY_BROKER_TRANSPORT_OPTIONS and by sending without publish retries.
"""

from __future__ import annotations

import logging
import socket
import ssl
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

_DEFAULT_PORTS = {"redis": 6379, "rediss": 6380, "amqp": 5672, "pyamqp": 5672}
_REDIS_PING = b"*1\r\n$4\r\nPING\r\n"


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


def _network_address(url: str) -> tuple[str, str, int] | None:
    """Scheme, host and port of a network broker; None for the embedded file-system broker."""
    parts = urlsplit(url)
    if parts.scheme not in _DEFAULT_PORTS:
        return None
    return parts.scheme, parts.hostname or "127.0.0.1", parts.port or _DEFAULT_PORTS[parts.scheme]


def _answers(scheme: str, host: str, port: int, timeout: float) -> bool:
    """Whether the broker accepts a connection and, for Redis, answers a PING, all within
    ``timeout`` seconds. Any Redis reply counts (``-NOAUTH`` means the server is alive; the
    real send authenticates). AMQP speaks only after a client handshake, so for it only the
    connection is checked; the socket timeouts of the send bound the rest."""
    deadline = time.monotonic() + timeout

    def remaining() -> float:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("broker probe ran out of time")
        return left

    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        if scheme not in ("redis", "rediss"):
            return True
        if scheme == "rediss":
            # Only liveness is checked here (nothing secret is sent); the real connection
            # verifies the certificate as configured.
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            sock.settimeout(remaining())
            sock = context.wrap_socket(sock, server_hostname=host)
        sock.settimeout(remaining())
        sock.sendall(_REDIS_PING)
        sock.settimeout(remaining())
        reply = sock.recv(64)
        return reply[:1] in (b"+", b"-")
    finally:
        sock.close()


def broker_available() -> bool:
    """False when the broker is remembered as down, or does not answer the probe in time."""
    global _down_until
    if time.monotonic() < _down_until:
        return False
    from .celery import app

    address = _network_address(app.conf.broker_url or "")
    if address is None:
        return True
    try:
        alive = _answers(*address, timeout=settings.CELERY_BROKER_CONNECTION_TIMEOUT)
    except (OSError, ValueError):  # refused, timed out (TimeoutError is an OSError), TLS errors
        alive = False
    if not alive:
        _down_until = time.monotonic() + BROKER_DOWN_SECONDS
    return alive


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
