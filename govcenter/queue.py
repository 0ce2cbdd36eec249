"""Putting work on the Celery queue from web requests and services.

Two rules (DESIGN.md, "Background work"): a task is sent only after the transaction
that made its work commits, and a broker outage never fails the request: the send is
attempted once, quickly, and on failure only logged, because every task here has a
periodic catch-up that finds unfinished work in the database.
"""

from __future__ import annotations

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def send_now(task, *args, **kwargs) -> bool:
    """Send ``task`` to the broker once, without retrying; False if the broker is unreachable."""
    try:
        task.apply_async(args=args, kwargs=kwargs, retry=False)
    except Exception:  # kombu / redis raise many kinds; none of them may reach the user
        logger.warning(
            "Broker unavailable: %s not queued now; the periodic catch-up will do it.", task.name, exc_info=True
        )
        return False
    return True


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Send ``task`` after the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(lambda: send_now(task, *args, **kwargs))
