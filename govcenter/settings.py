"""Settings for the governance-centre portal.

Every deploy-time value comes from the environment (django-environ) and has a safe
local default, so that a fresh machine runs with nothing but Python:
SQLite and a file-system Celery broker under ``var/``. See README.md for the list.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret(name: str, *, local_file: str, generate, required: bool) -> str:
    """A secret from NAME, from the file named by NAME_FILE, or (locally) a generated file in var/."""
    if env.str(name, default=""):
        return env.str(name)
    if env.str(f"{name}_FILE", default=""):
        return Path(env.str(f"{name}_FILE")).read_text().strip()
    if required:
        raise ImproperlyConfigured(f"{name} (or {name}_FILE) must be set when DEBUG is off.")
    path = VAR_DIR / local_file
    if not path.exists():
        path.write_text(generate())
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = _secret(
    "SECRET_KEY", local_file="secret_key", generate=lambda: secrets.token_urlsafe(50), required=not DEBUG
)


def _fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


# Personal data (ID numbers) are encrypted with these keys. PII_ENCRYPTION_KEYS is a
# comma-separated list of Fernet keys, newest first (older keys still decrypt: rotation).
PII_ENCRYPTION_KEYS = _secret(
    "PII_ENCRYPTION_KEYS", local_file="pii_encryption_keys", generate=_fernet_key, required=not DEBUG
)
# Key of the HMAC stored beside each ID number for exact look-up and duplicate detection.
PII_HASH_KEY = _secret(
    "PII_HASH_KEY", local_file="pii_hash_key", generate=lambda: secrets.token_hex(32), required=not DEBUG
)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "treebeard",
    "django_filters",
    "crispy_forms",
    "crispy_bootstrap5",
    "govcenter",
    "grids",
    "disputes",
    "sentiment",
    "publicity",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "govcenter.middleware.ChineseUnlessChosenMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "govcenter.urls"
WSGI_APPLICATION = "govcenter.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "govcenter.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'govcenter.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite serves one writer at a time: wait for the lock instead of failing at once,
    # and use WAL so that readers do not block the writer (web + worker + beat share it).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "govcenter.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
WHITENOISE_USE_FINDERS = DEBUG  # serve from static/ directly in development, no collectstatic needed
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Uploads (mediation agreements, photos, leaflets) are limited here and checked per field.
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# E-mail: console output by default; EMAIL_URL=smtp+tls://user:pass@host:587 in production.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="portal@localhost")

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
X_FRAME_OPTIONS = "DENY"
# Reverse proxies (addresses or networks, e.g. 127.0.0.1,10.0.0.0/24) whose
# X-Forwarded-For is believed when finding the client's address (govcenter/clientip.py).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

# --- Celery -------------------------------------------------------------------
# Default: kombu's file-system transport under var/broker, which needs no server.
# Production: CELERY_BROKER_URL=redis://127.0.0.1:6379/0 (see README for Redis settings).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://localhost//")
# A broker outage must never hang a web request: give up quickly, the sweep catches up.
# It bounds the probe before each send (govcenter/queue.py), the connect and every answer
# (Redis: socket_connect_timeout and socket_timeout below).
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=1.0)
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Longer than the longest countdown/ETA we schedule, so Redis does not redeliver
        # a task that is merely waiting (README: Redis settings).
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=6 * 3600),
        # A Redis that accepts connections but never answers (stopped, swapping, a half-open
        # connection) would otherwise hold a send for ever. A worker's BRPOP is unaffected:
        # kombu asks Redis to answer it within 1 s and reads it only once it has arrived.
        "socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
        "socket_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
    }
    # Any other kombu transport option, as JSON, e.g. '{"unacked_restore_interval": 1}'.
    CELERY_BROKER_TRANSPORT_OPTIONS.update(env.json("CELERY_BROKER_TRANSPORT_OPTIONS", default={}))
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Sends are not retried: a web request must not wait, and every task has a periodic catch-up.
# A caller that asks for retries (apply_async(retry=True)) gets at most two, within ~1 s.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves the task to be redelivered
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # Every night at 03:30: drop expired login sessions so the session table stays small.
    "clear-expired-sessions": {
        "task": "govcenter.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=30),
    },
    # Every 5 minutes: reminders before deadlines (disputes, follow-ups, and kinds other apps register).
    "send-reminders": {"task": "govcenter.tasks.send_reminders", "schedule": crontab(minute="*/5")},
    # Every 10 minutes: move every overdue open dispute one level up (or supervise it at the top).
    "escalate-overdue": {"task": "disputes.tasks.escalate_overdue", "schedule": crontab(minute="*/10")},
    # Every 5 minutes: e-mail / SMS copies whose task never reached the broker (outage catch-up).
    "deliver-pending-notifications": {
        "task": "govcenter.tasks.deliver_pending_notifications",
        "schedule": crontab(minute="*/5"),
    },
}

# Reminders go out this many days before a deadline; 0 means "on the day".
REMINDER_DAYS_BEFORE = env.list("REMINDER_DAYS_BEFORE", cast=int, default=[3, 1, 0])
# SMS channel: a dotted path to a govcenter.channels.BaseSmsBackend subclass.
SMS_BACKEND = env.str("SMS_BACKEND", default="govcenter.channels.LoggingSmsBackend")
# Used for links in e-mail and SMS.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Items shown per page in every list.
PAGE_SIZE = 25
ADMIN_SITE_HEADER = _("Governance centre portal")
