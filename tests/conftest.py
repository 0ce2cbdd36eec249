from __future__ import annotations

import contextlib
import copy
import os
import subprocess
import sys
import weakref
from pathlib import Path
from types import SimpleNamespace

import pytest

from .factories import build_world

# Set while tests/demo's seeded demo is kept in the database (tests/demo/conftest.py).
DEMO_SEEDED = SimpleNamespace(is_set=False)


@pytest.fixture
def world(request, db):
    """tests.factories' build_world(), fresh for the test; in a module that asks for
    ``world_for_the_module`` (``pytestmark = pytest.mark.usefixtures("world_for_the_module")``)
    the module's world instead, as fresh Python objects (a copy), its rows as built (what the
    previous test wrote was rolled back)."""
    if DEMO_SEEDED.is_set:
        raise pytest.UsageError(
            f"{request.module.__name__} runs while the seeded demo is kept (tests/demo, fixture seeded_demo): "
            "a test on tests.factories' world belongs outside tests/demo"
        )
    if "world_for_the_module" in request.fixturenames:
        return copy.deepcopy(request.getfixturevalue("world_for_the_module"))
    return build_world()


def pass_second_factor(client, user):
    """Mark the client's session as having passed the administrators' second factor, with a
    confirmed authenticator app of the user's (what /accounts/two-factor/ does after a right code)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="authenticator app", confirmed=True
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


@pytest.fixture
def login(client):
    """login(user) -> the test client, logged in as that user. A staff user has passed the
    second factor too, as every administrator entering Django admin must (tests/govcenter/
    test_two_factor.py logs in without it)."""

    def _login(user):
        client.force_login(user)
        if user.is_staff:
            pass_second_factor(client, user)
        return client

    return _login


@pytest.fixture
def admin_client(client, admin_user):
    """pytest-django's admin_client, past the second factor as well."""
    client.force_login(admin_user)
    pass_second_factor(client, admin_user)
    return client


def pytest_configure(config):
    from django.conf import settings

    # Hashing 15 demo passwords per test with PBKDF2 would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # WhiteNoise indexes every static file (stat and headers) each time a middleware chain is
    # built, i.e. for every test client: half the cost of a small page. Tests ask for no
    # static file but in the browser, so look files up when asked for instead.
    settings.WHITENOISE_AUTOREFRESH = True


def _missing_service(marker: str) -> str | None:
    """Why tests marked ``postgres``, ``redis`` or ``sqlite_only`` do not run with this
    configuration, or None."""
    from django.conf import settings

    if marker == "postgres" and "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        return "needs PostgreSQL: set DATABASE_URL=postgres://..."
    if marker == "redis" and not settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        return "needs a Redis broker: set CELERY_BROKER_URL=redis://... (CI does)"
    if marker == "sqlite_only" and "sqlite" not in settings.DATABASES["default"]["ENGINE"]:
        return "the same on every database and costly: runs on SQLite (CI's first pass)"
    return None


def pytest_xdist_make_scheduler(config, log):
    """How ``make test`` shares the tests among its processes (pytest-xdist, ``--dist
    loadscope``): module by module, so that a module's data (``world_for_the_module``) is
    built once, except that tests/demo goes to one process as a whole, since its modules share
    one seeded demo (``seeded_demo``, package-scoped). pytest-xdist's own ``loadgroup`` cannot
    say this on this pytest: it renames the tests through an attribute pytest 9 no longer has."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModulesAndTheDemo(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "tests/demo" if nodeid.startswith("tests/demo/") else super()._split_scope(nodeid)

    return ModulesAndTheDemo(config, log)


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` or ``redis`` skip, with the reason, when DATABASE_URL is not
    PostgreSQL or CELERY_BROKER_URL not Redis; with them (CI's second run) they run.

    A test with ``transaction=True`` empties every table after it, the rows the migrations
    wrote too (the default time limits, the working-day calendar): pytest-django runs such
    tests last, but a worker of ``make test`` runs its modules in the order it gets them. So
    the database is serialized once after migrating (``serialized_rollback``) and those
    tests put its rows back after them (``pytest_runtest_teardown``)."""
    reasons = {marker: _missing_service(marker) for marker in ("postgres", "redis", "sqlite_only")}
    for item in items:
        for marker, reason in reasons.items():
            if reason and item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=reason))
        if _empties_the_tables(item):
            db = item.get_closest_marker("django_db")
            args, kwargs = (db.args, db.kwargs) if db is not None else ((), {"transaction": True})
            item.add_marker(pytest.mark.django_db(*args, **{**kwargs, "serialized_rollback": True}), append=False)
    _long_modules_first(items)


# Modules that take a minute or more, longest kinds first: the browser's (Chromium), the
# queue's (real workers), those marked costly (the sweeps over every page), the demo's (one
# seeded demo), then those with a sqlite_only or redis test.
_LONG = (
    lambda item: item.nodeid.startswith("tests/browser/"),
    lambda item: item.nodeid.startswith("tests/integration/"),
    lambda item: item.get_closest_marker("costly") is not None,
    lambda item: item.nodeid.startswith("tests/demo/"),
    lambda item: any(item.get_closest_marker(m) for m in ("sqlite_only", "redis", "browser")),
)


def _long_modules_first(items) -> None:
    """pytest-xdist (``--dist loadscope``) hands the modules out in the order of ``items``:
    the long ones first, longest kinds first, so that no process is left running one of them
    alone at the end while the other waits (CI's PostgreSQL pass spent two of its ten minutes
    so). The order within a module, and of the other modules, stays as collected."""
    rank: dict[str, int] = {}
    for item in items:
        module = item.nodeid.split("::")[0]
        kind = next((i for i, is_long in enumerate(_LONG) if is_long(item)), len(_LONG))
        rank[module] = min(rank.get(module, kind), kind)
    items.sort(key=lambda item: rank[item.nodeid.split("::")[0]])


def _empties_the_tables(item) -> bool:
    """A test with ``transaction=True``, or one that asks for ``transactional_db`` or
    ``live_server`` (the browser tests), which flush the tables the same way."""
    db = item.get_closest_marker("django_db")
    if db is not None and db.kwargs.get("transaction"):
        return True
    return bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a test that emptied the tables (``transaction=True``), the rows the migrations
    wrote come back, for the tests the worker runs next."""
    result = yield
    # After the worker's last test the test databases are gone and the connections name the
    # real ones again: nothing to put back, and nothing may be written there.
    if _empties_the_tables(item) and nextitem is not None:
        from django.contrib.contenttypes.models import ContentType
        from django.db import connections
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            for connection in connections.all(initialized_only=True):
                contents = getattr(connection, "_test_serialized_contents", None)
                if contents and connection.settings_dict["NAME"] == connection.creation._get_test_db_name():
                    connection.creation.deserialize_db_from_string(contents)
            # The rows have new ids: refill the cache now, or the next test pays a query for
            # each content type it touches and its query-count assertions see it.
            ContentType.objects.clear_cache()
            from django.apps import apps

            ContentType.objects.get_for_models(*apps.get_models())
            # Closed again here: a connection this hook opened was often not the one the
            # worker's later tests use (it sat in another context's registry of connections),
            # so it stayed open, idle, until the end (see _no_connection_outlives_the_databases).
            for connection in connections.all(initialized_only=True):
                if not connection.in_atomic_block:
                    connection.close()
    return result


# Every database connection the worker opens, whichever context's registry holds it.
_OPENED_CONNECTIONS: weakref.WeakSet = weakref.WeakSet()


def _remember_connection(sender, connection, **kwargs):
    _OPENED_CONNECTIONS.add(connection)


@pytest.fixture(scope="session", autouse=True)
def _no_connection_outlives_the_databases(django_db_setup, django_db_blocker):
    """Close every connection this process opened before pytest-django drops the test
    databases. Django keeps connections per context, and the tests run in more than one, so
    at the end the connection that pytest-django closes (the one of the context that made
    the databases) was not always the one last used. PostgreSQL then refused to drop a
    worker's database that another of them still held ("is being accessed by other users",
    a warning at the end of every PostgreSQL pass). A connection of another thread (the live
    server's request threads) is closed by that thread."""
    import threading

    from django.db.backends.signals import connection_created

    connection_created.connect(_remember_connection)
    yield
    connection_created.disconnect(_remember_connection)
    with django_db_blocker.unblock():
        for connection in list(_OPENED_CONNECTIONS):
            if connection.connection is not None and connection._thread_ident == threading.get_ident():
                connection.close()


@contextlib.contextmanager
def _tasks_run_eagerly():
    from celery._state import _set_task_join_will_block

    from govcenter.celery import app

    # Celery's "inside a task" flag is process-wide, not per thread: two threads running
    # eager tasks at once (the concurrency tests) can leave it set, and every later
    # ``.delay().get()`` on this worker would then refuse. Each test starts outside a task.
    _set_task_join_will_block(False)
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    try:
        yield
    finally:
        app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def _celery_eager():
    """Unit tests run tasks in-process; the queue itself is tested in tests/integration."""
    with _tasks_run_eagerly():
        yield


@pytest.fixture(autouse=True)
def _empty_django_cache():
    """Django's cache (local memory in tests) outlives each test's rolled-back transaction:
    what a test cached (e.g. a year of the working-day calendar it had edited) must not
    answer the next test."""
    from django.core.cache import cache

    yield
    cache.clear()


@contextlib.contextmanager
def kept_for_the_module(django_db_blocker):
    """Data written inside stays for the tests of one module and is rolled back after them.

    For a module-scoped fixture whose data is costly to make: it opens a transaction around
    the module's tests; each test (``db``) runs in a savepoint of it, rolled back after the
    test, so a test that writes leaks nothing into the next one (pytest-django's "wrapping
    tests in higher-scoped transactions"). Not in a module with ``transactional_db`` tests:
    they would run inside the module's transaction."""
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def world_for_the_module(django_db_setup, django_db_blocker):
    """build_world() once for the module (about 45 ms of CPU each time: some 600 tests ask
    for it), in English with tasks run eagerly as in every test. Each test still writes in a
    savepoint rolled back after it (``kept_for_the_module``) and gets its own copy of the
    objects (``world``), so a test that changes a row or an object leaks into no other.
    Only for modules without ``transaction=True`` / ``live_server`` tests, whose tests do
    not need the world's rows newer than the module's start."""
    from django.test import override_settings
    from django.utils import translation

    with (
        override_settings(LANGUAGE_CODE="en"),
        translation.override("en"),
        _tasks_run_eagerly(),
        kept_for_the_module(django_db_blocker),
    ):
        yield build_world()


@pytest.fixture(scope="session")
def migrate_in_a_process():
    """migrate_in_a_process(database_url, var_dir): ``manage.py migrate`` in a process of its
    own, as the tests that start workers and web processes need their database."""
    root = Path(__file__).resolve().parents[1]

    def migrate(database_url: str, var_dir: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_", "CELERY_"))}
        env.update(
            VAR_DIR=str(var_dir),
            DATABASE_URL=database_url,
            DJANGO_SETTINGS_MODULE="govcenter.settings",
            PYTHONPATH=str(root),
            DEBUG="1",
        )
        out = subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert out.returncode == 0, out.stderr[-3000:]

    return migrate


@pytest.fixture(scope="session")
def migrated_sqlite(migrate_in_a_process, tmp_path_factory):
    """An SQLite file with every migration applied, made once for the session: tests whose
    processes need a database copy it instead of migrating (about seven CPU seconds) each
    time. The migrations' data (the default policy, the care tags) holds no keys, so a copy
    serves any VAR_DIR."""
    where = tmp_path_factory.mktemp("migrated")
    migrate_in_a_process(f"sqlite:///{where / 'migrated.sqlite3'}", where / "var")
    return where / "migrated.sqlite3"


@pytest.fixture
def sms_outbox(settings):
    from govcenter.channels import MemorySmsBackend

    settings.SMS_BACKEND = "govcenter.channels.MemorySmsBackend"
    MemorySmsBackend.outbox = []
    return MemorySmsBackend.outbox


@pytest.fixture(autouse=True)
def _english(request, settings):
    """Tests read messages in the English source text; the Chinese default is tested where it
    matters (tests marked ``zh``, the catalogue test and the browser tests)."""
    from django.utils import translation

    if request.node.get_closest_marker("zh") or request.node.get_closest_marker("browser"):
        yield
        return
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
