"""The tests of the demo data (``manage.py seed_demo``): they share one seeded demo, kept
in the database for the whole package, each test in a savepoint rolled back after it."""

from __future__ import annotations

from io import StringIO
from types import SimpleNamespace

import pytest

from tests.conftest import DEMO_SEEDED, _tasks_run_eagerly, kept_for_the_module


def pytest_itemcollected(item):
    """The demo's tests seed it once (about 25 s) and read the same rows on every database:
    ``costly``, run once in CI (its PostgreSQL pass)."""
    item.add_marker(pytest.mark.costly)


@pytest.fixture(scope="package")
def seeded_demo(request, django_db_setup, django_db_blocker, tmp_path_factory):
    """``manage.py seed_demo`` once for the tests of this package (seeding takes seconds:
    once per test was about two of the suite's five CPU minutes, once per module still
    three seeds), in English with tasks run eagerly as
    in every test, leaflets under a temporary MEDIA_ROOT. Tests read it through ``db``
    (see ``kept_for_the_module``). It has ``at``, the time the seed ended; ``output``, what
    the command printed; ``on_commit``, the callbacks it left for the commit (mail to
    send); ``counts``, the rows per model right after it; ``media``, the MEDIA_ROOT.
    Every test of this package that uses the database sees the demo: a test needing an
    empty one (``world``) belongs outside it."""
    from django.apps import apps
    from django.core.management import call_command
    from django.db import connection
    from django.test import override_settings
    from django.utils import timezone, translation

    media = tmp_path_factory.mktemp("demo-media")
    with (
        override_settings(LANGUAGE_CODE="en", MEDIA_ROOT=media),
        translation.override("en"),
        _tasks_run_eagerly(),
        kept_for_the_module(django_db_blocker),
    ):
        start = len(connection.run_on_commit)
        out = StringIO()
        call_command("seed_demo", stdout=out)
        DEMO_SEEDED.is_set = True
        yield SimpleNamespace(
            at=timezone.now(),
            output=out.getvalue(),
            on_commit=[func for _sids, func, _robust in connection.run_on_commit[start:]],
            counts={model._meta.label: model._default_manager.count() for model in apps.get_models()},
            media=media,
        )
        DEMO_SEEDED.is_set = False
