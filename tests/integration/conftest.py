import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    """A database with every migration applied, made once for the session, for the tests'
    processes to start from a copy of it instead of running ``manage.py migrate`` (about
    seven CPU seconds) each time: on PostgreSQL the name of a template database (dropped at
    the end), else an SQLite file. The migrations' data (the default policy, the care
    tags) holds no keys, so a copy serves any VAR_DIR."""
    where = tmp_path_factory.mktemp("migrated")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_", "CELERY_"))}
    env.update(VAR_DIR=str(where / "var"), DJANGO_SETTINGS_MODULE="govcenter.settings", PYTHONPATH=str(ROOT), DEBUG="1")
    pg = postgres_url()
    if pg:
        import psycopg

        base, name = pg.rsplit("/", 1)[0], f"govcenter_it_template_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(base + "/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = f"{base}/{name}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{where / 'migrated.sqlite3'}"
    try:
        out = subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert out.returncode == 0, out.stderr[-3000:]
        yield name if pg else where / "migrated.sqlite3"
    finally:
        if pg:
            with psycopg.connect(base + "/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def fresh_database_url(migrated_database, tmp_path) -> str:
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
