"""Settings from the environment: safe local defaults, and a refusal to start in
production without secrets.

settings.py runs once per process, so each case imports it in a fresh Python process
with a controlled environment (VAR_DIR in tmp_path, nothing else set). A developer's
.env file is read by settings.py as well; a case whose variable it sets is skipped.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]

# Everything settings.py reads from the environment (CELERY_* and *_FILE included below).
SETTINGS_ENV = {
    "DEBUG",
    "TRUSTED_PROXIES",
    "RECORDS_BEGIN",
    "SECRET_KEY",
    "PII_ENCRYPTION_KEYS",
    "PII_HASH_KEY",
    "PII_REVEALS_PER_HOUR",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "CONN_MAX_AGE",
    "CACHE_URL",
    "EMAIL_URL",
    "DEFAULT_FROM_EMAIL",
    "MEDIA_ROOT",
    "UPLOAD_MAX_IMAGE_PIXELS",
    "UPLOAD_IMAGE_MAX_SIDE",
    "IMPORT_UPLOAD_KEEP_DAYS",
    "MONTHLY_REPORT_DUE_DAY",
    "STATIC_ROOT",
    "VAR_DIR",
    "SESSION_COOKIE_AGE",
    "SECURE_COOKIES",
    "BEHIND_TLS_PROXY",
    "LOG_LEVEL",
    "REMINDER_DAYS_BEFORE",
    "SMS_BACKEND",
    "SITE_URL",
    "LOGIN_FAILURE_LIMIT",
    "LOGIN_ADDRESS_FAILURE_LIMIT",
    "LOGIN_COOLOFF_MINUTES",
    "ADMIN_TWO_FACTOR",
    "SECURE_SSL_REDIRECT",
    "HSTS_SECONDS",
    "HSTS_INCLUDE_SUBDOMAINS",
    "HSTS_PRELOAD",
}


def dotenv_names() -> set[str]:
    path = ROOT / ".env"
    if not path.exists():
        return set()
    lines = (line.strip().removeprefix("export ") for line in path.read_text().splitlines())
    return {line.split("=", 1)[0].strip() for line in lines if "=" in line and not line.startswith("#")}


def skip_if_dotenv_sets(*names: str) -> None:
    if overridden := dotenv_names() & set(names):
        pytest.skip(f".env sets {', '.join(sorted(overridden))}, so the default cannot be observed here")


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in SETTINGS_ENV and not k.endswith("_FILE") and not k.startswith(("CELERY_", "DJANGO_", "PYTEST_"))
    }
    env.update(
        VAR_DIR=str(tmp_path / "var"), PYTHONPATH=str(ROOT), DJANGO_SETTINGS_MODULE="govcenter.settings", **extra
    )
    return env


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)


def load_settings(tmp_path: Path, *names: str, **extra: str) -> dict:
    """Import govcenter.settings in a fresh process and return the named values (JSON-able)."""
    code = (
        "import json, sys, govcenter.settings as s\n"
        "print(json.dumps({n: getattr(s, n) for n in sys.argv[1:]}, default=str))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *names],
        env=clean_env(tmp_path, **extra),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_debug_off_without_secret_key_refuses_to_start(tmp_path):
    skip_if_dotenv_sets("SECRET_KEY", "SECRET_KEY_FILE", "DEBUG")
    result = run_python("import django; django.setup()", clean_env(tmp_path, DEBUG="0"))
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG is off" in result.stderr
    assert not (tmp_path / "var" / "secret_key").exists()  # no key was made up for production


def test_debug_off_without_pii_keys_refuses_to_start(tmp_path):
    skip_if_dotenv_sets("PII_ENCRYPTION_KEYS", "PII_ENCRYPTION_KEYS_FILE", "DEBUG")
    result = run_python("import django; django.setup()", clean_env(tmp_path, DEBUG="0", SECRET_KEY="x" * 50))
    assert result.returncode != 0
    assert "PII_ENCRYPTION_KEYS (or PII_ENCRYPTION_KEYS_FILE) must be set" in result.stderr


def test_debug_off_starts_with_secrets_read_from_files(tmp_path):
    skip_if_dotenv_sets("SECRET_KEY", "PII_ENCRYPTION_KEYS", "PII_HASH_KEY", "DEBUG")
    from cryptography.fernet import Fernet

    new, old = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    files = {
        "SECRET_KEY": "  secret-from-a-file-0123456789\n",
        "PII_ENCRYPTION_KEYS": f"{new},{old}\n",
        "PII_HASH_KEY": "a" * 64,
    }
    paths = {}
    for name, content in files.items():
        path = tmp_path / name.lower()
        path.write_text(content)
        paths[f"{name}_FILE"] = str(path)
    values = load_settings(
        tmp_path,
        "DEBUG",
        "SECRET_KEY",
        "PII_ENCRYPTION_KEYS",
        "PII_HASH_KEY",
        "SESSION_COOKIE_SECURE",
        "STORAGES",
        DEBUG="0",
        **paths,
    )
    assert values["DEBUG"] is False
    assert values["SECRET_KEY"] == "secret-from-a-file-0123456789"  # surrounding whitespace stripped
    assert values["PII_ENCRYPTION_KEYS"] == f"{new},{old}"
    assert values["PII_HASH_KEY"] == "a" * 64
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["STORAGES"]["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert not (tmp_path / "var" / "secret_key").exists()


def test_login_throttle_comes_from_the_environment(tmp_path):
    skip_if_dotenv_sets("LOGIN_FAILURE_LIMIT", "LOGIN_COOLOFF_MINUTES", "LOGIN_ADDRESS_FAILURE_LIMIT")
    names = ("AXES_FAILURE_LIMIT", "AXES_COOLOFF_TIME", "LOGIN_ADDRESS_FAILURE_LIMIT")
    assert load_settings(tmp_path, *names) == {
        "AXES_FAILURE_LIMIT": 5,
        "AXES_COOLOFF_TIME": "0:15:00",
        "LOGIN_ADDRESS_FAILURE_LIMIT": 50,
    }
    values = load_settings(
        tmp_path, *names, LOGIN_FAILURE_LIMIT="3", LOGIN_COOLOFF_MINUTES="60", LOGIN_ADDRESS_FAILURE_LIMIT="0"
    )
    assert values == {"AXES_FAILURE_LIMIT": 3, "AXES_COOLOFF_TIME": "1:00:00", "LOGIN_ADDRESS_FAILURE_LIMIT": 0}


def test_admin_two_factor_is_on_unless_switched_off_in_development(tmp_path):
    skip_if_dotenv_sets("ADMIN_TWO_FACTOR", "DEBUG")
    assert load_settings(tmp_path, "ADMIN_TWO_FACTOR") == {"ADMIN_TWO_FACTOR": True}
    assert load_settings(tmp_path, "ADMIN_TWO_FACTOR", ADMIN_TWO_FACTOR="0") == {"ADMIN_TWO_FACTOR": False}
    result = run_python(
        "import django; django.setup()",
        clean_env(
            tmp_path, DEBUG="0", ADMIN_TWO_FACTOR="0", SECRET_KEY="x" * 50, PII_ENCRYPTION_KEYS="k", PII_HASH_KEY="h"
        ),
    )
    assert result.returncode != 0
    assert "ADMIN_TWO_FACTOR can be switched off only when DEBUG is on" in result.stderr


def test_local_secrets_are_generated_once_and_kept_private(tmp_path):
    skip_if_dotenv_sets("SECRET_KEY", "PII_ENCRYPTION_KEYS", "PII_HASH_KEY", "DEBUG")
    names = ("SECRET_KEY", "PII_ENCRYPTION_KEYS", "PII_HASH_KEY")
    first = load_settings(tmp_path, *names)
    second = load_settings(tmp_path, *names)
    assert first == second  # a restart must not lose the key to the encrypted data
    assert len(first["SECRET_KEY"]) >= 50
    for local_file in ("secret_key", "pii_encryption_keys", "pii_hash_key"):
        mode = (tmp_path / "var" / local_file).stat().st_mode
        assert stat.S_IMODE(mode) == 0o600, local_file


@pytest.mark.zh
def test_language_and_time_zone_defaults():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"


def test_default_database_is_sqlite_under_var_dir(tmp_path):
    skip_if_dotenv_sets("DATABASE_URL")
    db = load_settings(tmp_path, "DATABASES")["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert Path(db["NAME"]) == tmp_path / "var" / "govcenter.sqlite3"
    assert db["CONN_MAX_AGE"] == 0  # web, worker and beat take turns on one file


def test_database_url_selects_postgres(tmp_path):
    skip_if_dotenv_sets("CONN_MAX_AGE")
    db = load_settings(tmp_path, "DATABASES", DATABASE_URL="postgres://portal@db.example:5433/govcenter")["DATABASES"][
        "default"
    ]
    assert (db["ENGINE"], db["NAME"], db["USER"], db["HOST"], db["PORT"]) == (
        "django.db.backends.postgresql",
        "govcenter",
        "portal",
        "db.example",
        5433,
    )
    assert db["CONN_MAX_AGE"] == 60
    # Prepared statements (the plans of repeated queries kept) only when asked for.
    assert "server_side_binding" not in db.get("OPTIONS", {})
    on = load_settings(tmp_path, "DATABASES", DATABASE_URL="postgres://db.example/g", DB_PREPARED_STATEMENTS="1")
    assert on["DATABASES"]["default"]["OPTIONS"] == {"server_side_binding": True, "prepare_threshold": 2}


def test_default_broker_is_the_file_system_under_var_dir(tmp_path):
    skip_if_dotenv_sets("CELERY_BROKER_URL")
    values = load_settings(tmp_path, "CELERY_BROKER_URL", "CELERY_BROKER_TRANSPORT_OPTIONS")
    assert values["CELERY_BROKER_URL"].startswith("filesystem://")
    options = values["CELERY_BROKER_TRANSPORT_OPTIONS"]
    folders = {key: Path(value) for key, value in options.items() if key.endswith("_folder") or "folder_" in key}
    assert {"data_folder_in", "data_folder_out", "processed_folder"} <= set(folders)
    for key, folder in folders.items():
        assert folder.is_relative_to(tmp_path / "var" / "broker"), key
        assert folder.is_dir(), key  # kombu does not create them itself
    assert folders["data_folder_in"] == folders["data_folder_out"]  # producers and workers meet in one folder


def test_redis_broker_takes_its_visibility_timeout_from_the_environment(tmp_path):
    values = load_settings(
        tmp_path,
        "CELERY_BROKER_URL",
        "CELERY_BROKER_TRANSPORT_OPTIONS",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/3",
        CELERY_VISIBILITY_TIMEOUT="86400",
    )
    assert values["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/3"
    assert values["CELERY_BROKER_TRANSPORT_OPTIONS"]["visibility_timeout"] == 86400
    assert not (tmp_path / "var" / "broker").exists()


HTTPS_SETTINGS = ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD")


def test_hsts_and_https_redirect_are_off_unless_the_environment_turns_them_on(tmp_path):
    skip_if_dotenv_sets("SECURE_SSL_REDIRECT", "HSTS_SECONDS", "HSTS_INCLUDE_SUBDOMAINS", "HSTS_PRELOAD")
    assert load_settings(tmp_path, *HTTPS_SETTINGS) == {
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 0,  # the TLS proxy may send HSTS instead
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
    }
    on = {"SECURE_SSL_REDIRECT": "1", "HSTS_SECONDS": "31536000", "HSTS_INCLUDE_SUBDOMAINS": "1", "HSTS_PRELOAD": "1"}
    assert load_settings(tmp_path, *HTTPS_SETTINGS, **on) == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
    }


def test_reveals_per_hour_defaults_to_30_and_is_read_from_the_environment(tmp_path):
    skip_if_dotenv_sets("PII_REVEALS_PER_HOUR")
    assert load_settings(tmp_path, "PII_REVEALS_PER_HOUR") == {"PII_REVEALS_PER_HOUR": 30}
    assert load_settings(tmp_path, "PII_REVEALS_PER_HOUR", PII_REVEALS_PER_HOUR="12") == {"PII_REVEALS_PER_HOUR": 12}


def test_reveals_per_hour_below_one_refuses_to_start(tmp_path):
    skip_if_dotenv_sets("PII_REVEALS_PER_HOUR")
    result = run_python("import django; django.setup()", clean_env(tmp_path, PII_REVEALS_PER_HOUR="0"))
    assert result.returncode != 0
    assert "PII_REVEALS_PER_HOUR must be 1 or more" in result.stderr


def test_import_uploads_are_kept_30_days_unless_the_environment_says_otherwise(tmp_path):
    skip_if_dotenv_sets("IMPORT_UPLOAD_KEEP_DAYS")
    assert load_settings(tmp_path, "IMPORT_UPLOAD_KEEP_DAYS") == {"IMPORT_UPLOAD_KEEP_DAYS": 30}
    assert load_settings(tmp_path, "IMPORT_UPLOAD_KEEP_DAYS", IMPORT_UPLOAD_KEEP_DAYS="7") == {
        "IMPORT_UPLOAD_KEEP_DAYS": 7
    }
    result = run_python("import django; django.setup()", clean_env(tmp_path, IMPORT_UPLOAD_KEEP_DAYS="0"))
    assert result.returncode != 0 and "IMPORT_UPLOAD_KEEP_DAYS must be 1 or more" in result.stderr


def test_redis_broker_never_waits_longer_than_the_connection_timeout(tmp_path):
    """A Redis that accepts connections and never answers must not hold a web request:
    connecting and every answer are bounded by CELERY_BROKER_CONNECTION_TIMEOUT, and sends
    are not retried."""
    names = ("CELERY_BROKER_TRANSPORT_OPTIONS", "CELERY_BROKER_CONNECTION_TIMEOUT", "CELERY_TASK_PUBLISH_RETRY")
    default = load_settings(tmp_path, *names, CELERY_BROKER_URL="redis://127.0.0.1:6379/3")
    assert default["CELERY_BROKER_CONNECTION_TIMEOUT"] == 1.0
    assert default["CELERY_TASK_PUBLISH_RETRY"] is False
    options = default["CELERY_BROKER_TRANSPORT_OPTIONS"]
    assert options["socket_connect_timeout"] == options["socket_timeout"] == 1.0
    tuned = load_settings(
        tmp_path,
        *names,
        CELERY_BROKER_URL="redis://127.0.0.1:6379/3",
        CELERY_BROKER_CONNECTION_TIMEOUT="0.5",
        CELERY_BROKER_TRANSPORT_OPTIONS='{"socket_timeout": 5}',  # e.g. for a worker on a slow Redis
    )
    options = tuned["CELERY_BROKER_TRANSPORT_OPTIONS"]
    assert (options["socket_connect_timeout"], options["socket_timeout"]) == (0.5, 5)
