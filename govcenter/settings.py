"""Settings for the governance-centre portal.

Every deploy-time value comes from the environment (django-environ) and has a safe
local default, so that a fresh machine runs with nothing but Python:
SQLite and a file-system Celery broker under ``var/``. See README.md for the list.
"""

from __future__ import annotations

import datetime
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

# How many clear ID numbers one user may see per hour (a rolling hour). The next reveal is
# refused and the district centre and the administrators are told (govcenter.services).
PII_REVEALS_PER_HOUR = env.int("PII_REVEALS_PER_HOUR", default=30)
if PII_REVEALS_PER_HOUR < 1:
    raise ImproperlyConfigured("PII_REVEALS_PER_HOUR must be 1 or more.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "govcenter.apps.PortalAdminConfig",  # django.contrib.admin whose site asks staff for a second factor
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "treebeard",
    "django_filters",
    "crispy_forms",
    "crispy_bootstrap5",
    # Login throttling and the administrators' second factor; the subclasses only give the
    # apps names that translate (the packages ship no Chinese).
    "govcenter.apps.LoginAttemptsConfig",  # django-axes
    "django_otp",
    "govcenter.apps.AuthenticatorAppsConfig",  # django_otp.plugins.otp_totp
    "govcenter.apps.RecoveryCodesConfig",  # django_otp.plugins.otp_static
    "simple_history",
    "govcenter",
    "grids",
    "disputes",
    "sentiment",
    "publicity",
    "analysis",
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
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): second factor passed
    # Exposes the request to django-simple-history: the user and client address of each change.
    "simple_history.middleware.HistoryRequestMiddleware",
    # An imported account's initial password: changed before anything else is opened.
    "govcenter.middleware.PasswordChangeRequiredMiddleware",
    "govcenter.middleware.PrivateResponsesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "govcenter.middleware.PermissionsPolicyMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a refused login into the lockout page
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
    # Only the row fragments that Django templates render through a tag (govcenter/jinja2.py).
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "jinja2",
        "DIRS": [BASE_DIR / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "govcenter.jinja2.environment"},
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
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool("DB_PREPARED_STATEMENTS", False):
    # Parameters bound on the server let psycopg prepare a query the connection has run twice,
    # and PostgreSQL keep its plan: the ledger's page query takes ~10 ms to plan (six joins on a
    # table with 35 indexes) and 0.3 ms to run. Off by default: once PostgreSQL settles on a
    # generic plan for a search, it no longer sees the pattern (LIKE $1) and cannot use the
    # index a prefix would (make bench: a township's residents name search went from 0.3 to
    # 0.7 s). Never behind a pooler in transaction mode (pgbouncer).
    DATABASES["default"].setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 2})

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "govcenter.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Login throttling (django-axes) -------------------------------------------------
# The Axes backend goes first: it refuses a locked login before the password is checked,
# at /accounts/login/ and /admin/login/ alike (both call authenticate() with the request).
# PortalBackend: Django's ModelBackend, the user read with its home (govcenter/backends.py).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "govcenter.backends.PortalBackend"]
# Failures counted per username *and* client address: locking the username alone would let
# anyone lock a clerk out from anywhere; the address alone would lock a whole township office
# behind one NAT address after a few typos. A second, higher limit per address alone
# (govcenter.lockout.PortalAxesHandler) stops one address trying a password on many accounts.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=50)  # 0: no per-address rule
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
# The lock ends when the page says it does: refused attempts during the lock do not restart it
# (they are not even checked against the password, so they teach an attacker nothing).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True  # a clerk's own earlier typos do not count against the next day
AXES_HANDLER = "govcenter.lockout.PortalAxesHandler"
AXES_CLIENT_IP_CALLABLE = "govcenter.clientip.client_ip"  # behind the proxy too (TRUSTED_PROXIES)
AXES_LOCKOUT_CALLABLE = "govcenter.lockout.lockout_response"  # the portal's page, in the user's language
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # every failure kept for the administrator, not only the counters
AXES_VERBOSE = False

# --- Second factor for administrators (django-otp) ----------------------------------
# Every staff user entering /admin/ must have passed a TOTP code (or a recovery code) in this
# session; one without an authenticator app is sent to set one up first. May be switched off
# for local development only.
ADMIN_TWO_FACTOR = env.bool("ADMIN_TWO_FACTOR", default=True)
if not ADMIN_TWO_FACTOR and not DEBUG:
    raise ImproperlyConfigured("ADMIN_TWO_FACTOR can be switched off only when DEBUG is on.")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # no administrator reads another's TOTP secret or recovery codes
RECOVERY_CODE_COUNT = 10

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
# Images (photos, scanned agreements, leaflets) are decoded and stored re-encoded
# (govcenter.uploads): one with more pixels than this is refused before decoding (a
# 50-megapixel phone photo passes; decoded it takes about 150 MB of memory), and one
# larger than UPLOAD_IMAGE_MAX_SIDE on its long side is stored shrunk to it.
UPLOAD_MAX_IMAGE_PIXELS = env.int("UPLOAD_MAX_IMAGE_PIXELS", default=50_000_000)
UPLOAD_IMAGE_MAX_SIDE = env.int("UPLOAD_IMAGE_MAX_SIDE", default=4096)
# An uploaded import file (residents' ID numbers, phones) is deleted this many days after its
# import finished, with its error file and its sheet of initial passwords; the import's
# record (who, when, the counts) stays. The error file can be downloaded until then.
IMPORT_UPLOAD_KEEP_DAYS = env.int("IMPORT_UPLOAD_KEEP_DAYS", default=30)
# Overdue items the sweep reads and moves per transaction (govcenter.sweep); at least 1.
OVERDUE_SWEEP_BATCH = max(1, env.int("OVERDUE_SWEEP_BATCH", default=500))
if IMPORT_UPLOAD_KEEP_DAYS < 1:  # 0 would delete a refused file before its importer could download the errors
    raise ImproperlyConfigured("IMPORT_UPLOAD_KEEP_DAYS must be 1 or more.")

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
# A 403 from a failed CSRF check (most often a form left open past the session's end)
# gets the portal's own page: "this page expired, reload it and try again".
CSRF_FAILURE_VIEW = "govcenter.views.csrf_failure"

# --- Security headers ---------------------------------------------------------
# HTTPS: off by default because the TLS proxy in front may send HSTS and redirect to
# HTTPS itself; turn on here when it does not (README: Environment variables).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("HSTS_PRELOAD", default=False)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp 4): scripts and styles only from the portal's own
# static files, no inline <script>, no inline event handlers, no eval (htmx's eval is
# switched off in base.html's htmx-config), no style="" attributes either. Leaflets
# (PDF) open in an <iframe> of the portal itself; uploaded photos and QR codes may be
# data: images. CSP is left off the DEBUG error pages (django-csp's own exemption).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'none'"],  # nothing is framed: PDF leaflets are downloads
        "object-src": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
    },
}
# Browser features the portal never uses are switched off for it and anything it frames
# (govcenter.middleware.PermissionsPolicyMiddleware). Photo capture through
# <input type=file capture> opens the phone's camera app and needs no camera permission.
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "autoplay": [],
    "camera": [],
    "display-capture": [],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "usb": [],
    "serial": [],
    "hid": [],
    "xr-spatial-tracking": [],
    "browsing-topics": [],
}
# Reverse proxies (addresses or networks, e.g. 127.0.0.1,10.0.0.0/24) whose
# X-Forwarded-For is believed when finding the client's address (govcenter/clientip.py).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

# Audit history (django-simple-history, govcenter/history.py): an old version is shown,
# never put back (that would skip the workflow and the forms' checks).
SIMPLE_HISTORY_REVERT_DISABLED = True

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
    # Every 10 minutes: move every overdue open item of every flow (disputes, reported logs,
    # agency matters, ...: govcenter.sweep) one level up, or supervise it at the top.
    "sweep-overdue": {"task": "govcenter.tasks.sweep_overdue", "schedule": crontab(minute="*/10")},
    # Every hour at :20: remind the level of each referral to court still without the court's outcome.
    "remind-court-referrals": {"task": "disputes.tasks.remind_court_referrals", "schedule": crontab(minute=20)},
    # Every 10 minutes: police review queue entries whose opinion is overdue go under supervision.
    "supervise-overdue-police-reviews": {
        "task": "govcenter.tasks.supervise_overdue_police_reviews",
        "schedule": crontab(minute="*/10"),
    },
    # Every 5 minutes: e-mail / SMS copies whose task never reached the broker (outage catch-up).
    "deliver-pending-notifications": {
        "task": "govcenter.tasks.deliver_pending_notifications",
        "schedule": crontab(minute="*/5"),
    },
    # Every 5 minutes: uploaded import files whose task never reached the broker (outage catch-up).
    "resume-queued-imports": {"task": "govcenter.tasks.resume_queued_imports", "schedule": crontab(minute="*/5")},
    # Every hour at :40: background exports expire a day after they were asked for, and the
    # uploaded files of imports IMPORT_UPLOAD_KEEP_DAYS after the import finished.
    "expire-stored-files": {"task": "govcenter.tasks.expire_stored_files", "schedule": crontab(minute=40)},
    # Every night at 02:50: recount the last two months of dispute tallies, repair and warn on a difference.
    "check-tallies": {"task": "analysis.tasks.check_tallies", "schedule": crontab(hour=2, minute=50)},
    # Every night at 02:15: the early-warning rules over the whole ledger (analysis.warnings);
    # it also raises what a change's after-commit check missed (broker down, worker lost).
    "sweep-warnings": {"task": "analysis.tasks.sweep_warnings", "schedule": crontab(hour=2, minute=15)},
}

# Reminders go out this many days before a deadline; 0 means "on the day".
REMINDER_DAYS_BEFORE = env.list("REMINDER_DAYS_BEFORE", cast=int, default=[3, 1, 0])
# A township's monthly report (月报) is due by this day of the following month; after it the
# district sees it late and the township staff are reminded once (analysis.reminders).
MONTHLY_REPORT_DUE_DAY = env.int("MONTHLY_REPORT_DUE_DAY", default=5)
# SMS channel: a dotted path to a govcenter.channels.BaseSmsBackend subclass.
SMS_BACKEND = env.str("SMS_BACKEND", default="govcenter.channels.LoggingSmsBackend")
# Used for links in e-mail and SMS.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# The first day the portal holds records of (ISO date). A date a user enters for something
# that happened (a dispute arising, a visit, an activity, a mediation) cannot be earlier:
# such a date is a typing error (year 0026 for 2026, 0001-01-01 from an emptied date picker).
# 2000-01-01 leaves room for old cases copied in from the paper ledgers; set it earlier
# only if a county's paper records go back further.
RECORDS_BEGIN = datetime.date.fromisoformat(env.str("RECORDS_BEGIN", default="2000-01-01"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # axes logs every login at INFO; its warnings (failures, locks) are the ones worth keeping.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# Items shown per page in every list.
PAGE_SIZE = 25
ADMIN_SITE_HEADER = _("Governance centre portal")
# The name an authenticator app shows beside the administrator's code (in the language of enrolment).
OTP_TOTP_ISSUER = lambda device: str(ADMIN_SITE_HEADER)  # noqa: E731 (django-otp calls it with the device)
