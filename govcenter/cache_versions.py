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


class Replacement:
    """The replacement of one token after the commit (an ``on_commit`` callback)."""

    def __init__(self, key: str):
        self.key = key

    def __call__(self) -> None:
        cache.set(self.key, uuid.uuid4().hex, None)


def replace(key: str) -> None:
    """A new token under ``key``, now and again after the commit: a read between the write and
    the commit (in the same transaction) may have kept the uncommitted rows under the first.
    Once per transaction: an import or the demo's seeding saves thousands of rows."""
    cache.set(key, uuid.uuid4().hex, None)
    connection = transaction.get_connection()
    waiting = connection.run_on_commit if connection.in_atomic_block else []
    if not any(isinstance(func, Replacement) and func.key == key for _sids, func, _robust in waiting):
        transaction.on_commit(Replacement(key))
