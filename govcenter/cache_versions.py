"""Version tokens in Django's cache: what is kept under a token is dropped, in every process
sharing the cache, by replacing the token (the working-day calendar, the drawn filters)."""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db import transaction


def current(key: str) -> str:
    """The token under ``key``, made on first use."""
    version = cache.get(key)
    if version is None:
        cache.add(key, uuid.uuid4().hex, None)  # add: another process may have set it first
        version = cache.get(key)
    return version


def replace(key: str) -> None:
    """A new token under ``key``, now and again after the commit: a read between the write and
    the commit (in the same transaction) may have kept the uncommitted rows under the first."""
    cache.set(key, uuid.uuid4().hex, None)
    transaction.on_commit(lambda: cache.set(key, uuid.uuid4().hex, None))
