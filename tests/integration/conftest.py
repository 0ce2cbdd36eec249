import os
import shutil
import uuid

import pytest


def postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


@pytest.fixture(scope="session")
def migrated_database(request, migrate_in_a_process, tmp_path_factory):
    """A database with every migration applied, made once for the session, for the tests'
    processes to start from a copy of it instead of running ``manage.py migrate`` (about
    seven CPU seconds) each time: on PostgreSQL the name of a template database (dropped at
    the end), else tests/conftest.py's ``migrated_sqlite``."""
    pg = postgres_url()
    if not pg:
        yield request.getfixturevalue("migrated_sqlite")
        return
    import psycopg

    base, name = pg.rsplit("/", 1)[0], f"govcenter_it_template_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        migrate_in_a_process(f"{base}/{name}", tmp_path_factory.mktemp("migrated"))
        yield name
    finally:
        with psycopg.connect(base + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def fresh_database_url(migrated_database, tmp_path):
    """DATABASE_URL of a database of the test's own, a copy of ``migrated_database``
    (dropped after the test on PostgreSQL)."""
    pg = postgres_url()
    if not pg:
        shutil.copyfile(migrated_database, tmp_path / "it.sqlite3")
        yield f"sqlite:///{tmp_path / 'it.sqlite3'}"
        return
    import psycopg

    base, name = pg.rsplit("/", 1)[0], f"govcenter_it_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{migrated_database}"')
    yield f"{base}/{name}"
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
