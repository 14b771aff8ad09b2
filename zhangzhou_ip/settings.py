"""Settings for zhangzhou_ip, driven by environment variables (django-environ).

Defaults give a working development setup on SQLite at ``var/db.sqlite3``. Production sets
``DEBUG=0`` and must then provide ``SECRET_KEY``, ``ALLOWED_HOSTS`` and ``DATABASE_URL``.
See README.md ("Production settings") for the full list.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp import constants as csp_constants
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

DEBUG = env.bool("DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-insecure-zhangzhou-ip-not-for-production")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
else:
    try:
        SECRET_KEY = env.str("SECRET_KEY")
        ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
        env.str("DATABASE_URL")
    except ImproperlyConfigured as exc:
        raise ImproperlyConfigured(
            "Production (DEBUG=0) needs SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL: " + str(exc)
        ) from exc

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "rules.apps.AutodiscoverRulesConfig",
    "simple_history",
    "django_htmx",
    "csp",
    "zhangzhou_ip.core",
    "alliance",
    "evidence",
    "cases",
    "zhangzhou_ip.stats",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "zhangzhou_ip.accounts",  # after alliance: its admin extends alliance's User admin
    "zhangzhou_ip.backup",
    "django_tasks",  # Django's tasks API (backport for Django 5.2), decision 0019
    "django_tasks_db",  # its database backend: the queue table db_worker reads
]

MIDDLEWARE = [
    # first: every answer carries X-Request-ID, every log line its request_id (decision 0018)
    "zhangzhou_ip.core.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "zhangzhou_ip.core.uploads.UploadLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "zhangzhou_ip.core.middleware.DefaultLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "zhangzhou_ip.core.request_memo.RequestMemoMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "zhangzhou_ip.accounts.middleware.SessionPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "zhangzhou_ip.core.middleware.LoginRequiredMiddleware",
    "zhangzhou_ip.accounts.middleware.TwoFactorMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as axes asks: turns a lockout into its page
]
# Measurement only (bench/run.py): X-Query-Count and Server-Timing headers on every answer.
# First, so every middleware's queries count; off (the default) it is not in the chain at all.
QUERY_COUNT_HEADER = env.bool("QUERY_COUNT_HEADER", default=False)
if QUERY_COUNT_HEADER:
    MIDDLEWARE.insert(0, "zhangzhou_ip.core.query_count.QueryCountMiddleware")

ROOT_URLCONF = "zhangzhou_ip.urls"
WSGI_APPLICATION = "zhangzhou_ip.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "zhangzhou_ip" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "zhangzhou_ip.context_processors.navigation",
            ],
        },
    }
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # The server cancels a statement running longer than this (QueryCanceled: the request
    # fails) instead of letting it hold a connection and its locks after gunicorn has given up
    # on the request. 0 turns it off, e.g. for a migration of a large table (docs/deploy.md).
    # An ``options`` parameter in DATABASE_URL wins.
    _STATEMENT_TIMEOUT_MS = env.int("DB_STATEMENT_TIMEOUT_MS", default=30_000)
    if _STATEMENT_TIMEOUT_MS > 0:
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
            "options", f"-c statement_timeout={_STATEMENT_TIMEOUT_MS}"
        )
# SQLite with several gunicorn workers writing at once (deposits, the custody log, sessions):
# a transaction that reads and then writes failed at once with "database is locked" when
# another worker was writing (bench/load.py). IMMEDIATE takes the write lock when the
# transaction begins, so it waits (up to `timeout` seconds) instead; WAL lets readers go on
# while a writer commits. Options in DATABASE_URL (?timeout=…) win.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL",
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    for _key, _value in SQLITE_OPTIONS.items():
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault(_key, _value)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and sessions (decision 0018). With REDIS_URL every node shares one cache — the
# statistics cache and its invalidations, filter choices, API throttles — and sessions are
# read from Redis and written through to the database (cached_db: a Redis restart logs nobody
# out). Without it each process has its own local-memory cache: one process, development,
# tests. Give the cache a Redis database of its own: clearing the cache empties it (FLUSHDB).
REDIS_URL = env.str("REDIS_URL", default="")
CACHE_KEY_PREFIX = env.str("CACHE_KEY_PREFIX", default="zzip")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            # A Redis that hangs fails the request after 2 s instead of holding the worker.
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "zhangzhou-ip",
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out pair before any check
    "rules.permissions.ObjectPermissionBackend",
    # Django's password login and, for staff in the admin, its model permissions
    "zhangzhou_ip.accounts.backends.StaffModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        # Django's, with a message its Chinese catalogue translates (see the class)
        "NAME": "zhangzhou_ip.accounts.validators.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Internationalisation: Simplified Chinese by default, English one click away.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "zhangzhou_ip" / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "zhangzhou_ip" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Uploaded documents ("default") and 益企证 blobs ("evidence", content-addressed:
# sha256/ab/cd/<hash>) live on the file system unless a backend is named: any django-storages
# backend, with its constructor options as a JSON object, e.g. S3-compatible object storage
# (Aliyun OSS, Tencent COS, MinIO; `pip install -e ".[s3]"`, docs/deploy.md):
# EVIDENCE_STORAGE_BACKEND=storages.backends.s3.S3Storage
# EVIDENCE_STORAGE_OPTIONS='{"bucket_name": "zz-evidence"}' and the AWS_* settings below.
_FILE_SYSTEM = "django.core.files.storage.FileSystemStorage"
STORAGES = {
    "default": {
        "BACKEND": env.str("MEDIA_STORAGE_BACKEND", default=_FILE_SYSTEM),
        "OPTIONS": (
            env.json("MEDIA_STORAGE_OPTIONS", default={})
            if "MEDIA_STORAGE_BACKEND" in env.ENVIRON
            else {}
        ),
    },
    "evidence": {
        "BACKEND": env.str("EVIDENCE_STORAGE_BACKEND", default=_FILE_SYSTEM),
        "OPTIONS": (
            env.json("EVIDENCE_STORAGE_OPTIONS", default={})
            if "EVIDENCE_STORAGE_BACKEND" in env.ENVIRON
            else {"location": env.str("EVIDENCE_ROOT", default=str(VAR_DIR / "evidence"))}
        ),
    },
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}
# S3-compatible object storage (storages.backends.s3.S3Storage): the endpoint and bucket of
# the provider (docs/deploy.md); a storage's own OPTIONS win. boto3 reads the keys itself
# from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, so they never pass through the settings.
AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default=None)
AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default=None)
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default=None)
AWS_S3_ADDRESSING_STYLE = env.str("AWS_S3_ADDRESSING_STYLE", default=None)  # OSS, COS: virtual
AWS_S3_SIGNATURE_VERSION = env.str("AWS_S3_SIGNATURE_VERSION", default="s3v4")
AWS_DEFAULT_ACL = None  # objects are private: downloads go through the app's views
AWS_S3_FILE_OVERWRITE = False  # as on the file system: a name taken gets another name

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # DRF's, refusing superusers' tokens while two-factor is required for them
        "zhangzhou_ip.accounts.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["zhangzhou_ip.core.api.RulesPermission"],
    "DEFAULT_FILTER_BACKENDS": [
        "zhangzhou_ip.core.api.StrictDjangoFilterBackend",
        "zhangzhou_ip.core.api.StrictOrderingFilter",
    ],
    # Keyset pages (?cursor=, next/previous links): deep pages cost what the first does.
    "DEFAULT_PAGINATION_CLASS": "zhangzhou_ip.core.api_pagination.KeysetPagination",
    "PAGE_SIZE": 25,
    # DRF's two defaults; the browsable one allows style attributes (core/renderers.py).
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "zhangzhou_ip.core.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "zhangzhou_ip.core.api.exception_handler",
    "DEFAULT_VERSIONING_CLASS": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Public evidence verification, per client address (page and API share the limit).
    "DEFAULT_THROTTLE_RATES": {
        "evidence-verify": env.str("EVIDENCE_VERIFY_RATE", default="30/min")
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "zhangzhou_ip API",
    "DESCRIPTION": "益企维 IP protection alliance and 益企证 evidence service — REST API v1.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status": the case's keeps the name it always had.
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "cases.choices.Status",
        "PreparedDownloadStatusEnum": "zhangzhou_ip.core.models.PreparedDownload.Status",
    },
    # The default enum hook, then the error answers every operation shares (core/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "zhangzhou_ip.core.schema.document_error_responses",
    ],
}

SIMPLE_HISTORY_REVERT_DISABLED = True

# Security: secure by default in production; `check --deploy` reports nothing there.
SESSION_COOKIE_HTTPONLY = True
# Session policy (decision 0015, zhangzhou_ip/accounts/sessions.py): a login lasts at most
# SESSION_COOKIE_AGE (a working day) counted from the login, and ends after
# SESSION_IDLE_MINUTES without a request (0: no idle limit); the cookie goes when the browser
# closes (shared office and service-point computers).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 8)
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)
SESSION_SAVE_EVERY_REQUEST = False  # the idle clock is written at most every five minutes
# Lax, not Strict: a link from a notification e-mail must arrive logged in. No script reads
# the CSRF cookie (forms carry the token), so it can be HttpOnly too.
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp 4.0, decision 0016): no inline script, style or event
# handler anywhere; data reaches JavaScript through json_script blocks and data- attributes.
# Pages that cannot live with it widen it for themselves only: zhangzhou_ip/api_docs.py (Redoc),
# zhangzhou_ip/core/renderers.py (DRF's browsable API).
# Roll-out: CSP_REPORT_ONLY=1 sends the same policy as Content-Security-Policy-Report-Only
# (browsers report violations, to CSP_REPORT_URI when set, and block nothing).
_CSP_DIRECTIVES = {
    "default-src": [csp_constants.SELF],
    "script-src": [csp_constants.SELF],
    "style-src": [csp_constants.SELF],
    "img-src": [csp_constants.SELF, "data:"],  # Bootstrap's CSS draws its icons as data: SVGs
    "font-src": [csp_constants.SELF],
    "connect-src": [csp_constants.SELF],
    "object-src": [csp_constants.NONE],
    "base-uri": [csp_constants.SELF],
    "form-action": [csp_constants.SELF],
    "frame-ancestors": [csp_constants.NONE],
}
if env.str("CSP_REPORT_URI", default=""):
    _CSP_DIRECTIVES["report-uri"] = [env.str("CSP_REPORT_URI")]
if env.bool("CSP_REPORT_ONLY", default=False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _CSP_DIRECTIVES}
else:
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": _CSP_DIRECTIVES}

if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# E-mail: EMAIL_URL (smtp+tls://user:password@smtp.example.cn:587, smtp+ssl://…:465,
# consolemail://, dummymail://), or EMAIL_BACKEND and the EMAIL_HOST… variables.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
if env.str("EMAIL_URL", default=""):
    for _key, _value in env.email_url("EMAIL_URL").items():
        if _value not in (None, ""):
            globals()[_key] = _value
# A mail server that does not answer fails the send after this many seconds instead of
# holding a worker.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@zhangzhou-ip.example")

# Resident ID numbers are masked in every line (zhangzhou_ip/core/logging.py). Django's own
# console handlers would bypass the filter, so "django" logs through the root's handler and
# runserver's request lines (with their query strings) through a filtered copy of its own.
# LOG_FORMAT=json (the default when DEBUG is off) writes one JSON object per line with the
# request id (zhangzhou_ip/core/request_id.py), for the log collector; text for a terminal.
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured("LOG_FORMAT must be json or text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "mask_personal_ids": {"()": "zhangzhou_ip.core.logging.MaskPersonalIds"},
        "request_id": {"()": "zhangzhou_ip.core.request_id.RequestIdFilter"},
    },
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
        "json": {"()": "zhangzhou_ip.core.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["mask_personal_ids", "request_id"],
            **({"formatter": "json"} if LOG_FORMAT == "json" else {}),
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "django.server",
            "filters": ["mask_personal_ids", "request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"level": "INFO"},
        "django.db.backends": {"level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}

# Login protection (decision 0015, zhangzhou_ip/accounts/). django-axes counts failed logins
# (login page, admin, API token) per (username, client address) pair: keyed on the username
# alone, anyone could lock a colleague out by typing their name five times; keyed on the
# address alone, one person's typos would lock a whole bureau or service point behind one NAT
# address. The pair stops guessing one account's password from one place; guessing many
# accounts from one address is slowed by the password rules and by the proxy's rate limits.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Tries while locked are refused but do not restart the cool-off, so the time the lockout
# page names holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "zhangzhou_ip.accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "zhangzhou_ip.accounts.lockout.client_ip"
AXES_VERBOSE = False  # no start-up banner in every command's output; failures are still logged
# Log who failed from where (passwords are always masked); operators need it to see an attack.
AXES_SENSITIVE_PARAMETERS: list[str] = []
# Reverse proxies of ours in front of the app; 0 = the client is REMOTE_ADDR. With N > 0 the
# client is the N-th X-Forwarded-For entry from the right (what the outermost proxy saw).
LOGIN_TRUSTED_PROXY_COUNT = env.int("LOGIN_TRUSTED_PROXY_COUNT", default=0)
# Shown on the lockout page next to "ask your administrator", e.g. a phone number.
SUPPORT_CONTACT = env.str("SUPPORT_CONTACT", default="")
# Two-factor (TOTP, django-otp): required for superusers in production, optional for others.
OTP_REQUIRED_FOR_SUPERUSERS = env.bool("OTP_REQUIRED_FOR_SUPERUSERS", default=not DEBUG)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="益企维 zhangzhou_ip")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the device admin shows no secrets or QR codes

# Background work (decision 0019, docs/deploy.md "Background work"): Django's tasks API from
# the django-tasks backport. "immediate" runs a task inside the call that enqueues it
# (development, tests); "database" queues it in a table that `manage.py db_worker` works off
# (the default when DEBUG is off). Tasks live in cases/tasks.py, evidence/tasks.py,
# zhangzhou_ip/core/tasks.py (the annual report PDF is a prepared download).
TASKS_BACKEND = env.str("TASKS_BACKEND", default="immediate" if DEBUG else "database")
_TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be one of {sorted(_TASK_BACKENDS)}")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND]}}
# List exports above this many rows are not built in the request: a task writes the file and
# the user finds it under "My downloads" (zhangzhou_ip/core/downloads.py), where prepared
# files stay DOWNLOAD_RETENTION_HOURS (then `manage.py purge_downloads` deletes them).
EXPORT_INLINE_MAX_ROWS = env.int("EXPORT_INLINE_MAX_ROWS", default=5000)
DOWNLOAD_RETENTION_HOURS = env.int("DOWNLOAD_RETENTION_HOURS", default=72)

# Product settings
# HTML lists count their rows up to this many and then say "5,000+" (core/pagination.py).
LIST_COUNT_LIMIT = env.int("LIST_COUNT_LIMIT", default=5000)
# Filter dropdowns over models are kept per user this long (core/views.py); 0: not kept.
FILTER_CHOICES_CACHE_SECONDS = env.int("FILTER_CHOICES_CACHE_SECONDS", default=300)
# Documented demo credential; load_demo refuses it when DEBUG is off.
DEMO_PASSWORD = "demo-pass-2024"
APP_NAME = _("Yiqiwei IP Protection Alliance")
# Signed agreement scans (调解协议书): refused before they are stored when larger or of
# another type.
AGREEMENT_DOCUMENT_MAX_BYTES = env.int("AGREEMENT_DOCUMENT_MAX_BYTES", default=20 * 1024 * 1024)
AGREEMENT_DOCUMENT_EXTENSIONS = (".pdf", ".jpg", ".jpeg", ".png")
# Each kind of upload streams up to its own limit and no further (core/uploads.py): evidence
# EVIDENCE_MAX_UPLOAD_BYTES, documents (agreements, confirmation materials, rulings,
# collaboration attachments) AGREEMENT_DOCUMENT_MAX_BYTES, indicator CSV imports the one
# below, anything else UPLOAD_DEFAULT_MAX_BYTES.
INDICATOR_IMPORT_MAX_BYTES = env.int("INDICATOR_IMPORT_MAX_BYTES", default=2 * 1024 * 1024)

# Uploads stream to temporary files (same file system as the evidence store, so storing is a
# rename) through one handler that hashes them and stops at the view's limit (core/uploads.py).
FILE_UPLOAD_HANDLERS = ["zhangzhou_ip.core.uploads.HashingUploadHandler"]
FILE_UPLOAD_TEMP_DIR = env.str("FILE_UPLOAD_TEMP_DIR", default=str(VAR_DIR / "tmp" / "uploads"))
Path(FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)  # Django checks that it exists
UPLOAD_DEFAULT_MAX_BYTES = env.int("UPLOAD_DEFAULT_MAX_BYTES", default=25 * 1024 * 1024)

# 益企证 evidence service (evidence app; shared EVIDENCE.md).
EVIDENCE_MAX_UPLOAD_BYTES = env.int("EVIDENCE_MAX_UPLOAD_BYTES", default=2 * 1024**3)
EVIDENCE_MAX_TEXT_CHARS = 100_000
EVIDENCE_SM3 = env.bool("EVIDENCE_SM3", default=False)
EVIDENCE_NUMBER_FORMAT = "益企证〔{year}〕第{seq:06d}号"
# The log's origin = the signing key's name (first line of every checkpoint).
EVIDENCE_LOG_ORIGIN = env.str("EVIDENCE_LOG_ORIGIN", default="zhangzhou-ip.example/yiqizheng/v1")
# Statistics are cached until the next write to what they count (zhangzhou_ip/stats/cache.py);
# this bounds an entry's life. 0 turns the cache off.
STATS_CACHE_SECONDS = env.int("STATS_CACHE_SECONDS", default=600)

EVIDENCE_SIGNING_KEY = env.str("EVIDENCE_SIGNING_KEY", default="")
EVIDENCE_SIGNING_KEY_FILE = env.str(
    "EVIDENCE_SIGNING_KEY_FILE", default=str(VAR_DIR / "evidence-ledger.key")
)
# Development generates a key on first use; production must provide one.
EVIDENCE_GENERATE_KEY = env.bool("EVIDENCE_GENERATE_KEY", default=DEBUG)
