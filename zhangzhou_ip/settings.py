"""Settings for zhangzhou_ip, driven by environment variables (django-environ).

Defaults give a working development setup on SQLite at ``var/db.sqlite3``. Production sets
``DEBUG=0`` and must then provide ``SECRET_KEY``, ``ALLOWED_HOSTS`` and ``DATABASE_URL``.
See README.md ("Production settings") for the full list.
"""

from pathlib import Path

import environ
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
    "zhangzhou_ip.core",
    "alliance",
    "evidence",
    "cases",
    "zhangzhou_ip.stats",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "zhangzhou_ip.core.uploads.UploadLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "zhangzhou_ip.core.middleware.DefaultLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "zhangzhou_ip.core.middleware.LoginRequiredMiddleware",
]

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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
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
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "zhangzhou_ip" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # 益企证 blobs, content-addressed (sha256/ab/cd/<hash>). Any django-storages backend works,
    # e.g. EVIDENCE_STORAGE_BACKEND=storages.backends.s3.S3Storage with its AWS_* variables.
    "evidence": {
        "BACKEND": env.str(
            "EVIDENCE_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": (
            {"location": env.str("EVIDENCE_ROOT", default=str(VAR_DIR / "evidence"))}
            if "EVIDENCE_STORAGE_BACKEND" not in env.ENVIRON
            else {}
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

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["zhangzhou_ip.core.api.RulesPermission"],
    "DEFAULT_FILTER_BACKENDS": [
        "zhangzhou_ip.core.api.StrictDjangoFilterBackend",
        "zhangzhou_ip.core.api.StrictOrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "zhangzhou_ip.core.api.PageNumberPagination",
    "PAGE_SIZE": 25,
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
}

SIMPLE_HISTORY_REVERT_DISABLED = True

# Security: secure by default in production; `check --deploy` reports nothing there.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 8)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@zhangzhou-ip.example")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Product settings
# Documented demo credential; load_demo refuses it when DEBUG is off.
DEMO_PASSWORD = "demo-pass-2024"
APP_NAME = _("Yiqiwei IP Protection Alliance")
# Signed agreement scans (调解协议书): refused before they are stored when larger or of
# another type (issue 3; streaming limits for all uploads come with issue 8).
AGREEMENT_DOCUMENT_MAX_BYTES = env.int("AGREEMENT_DOCUMENT_MAX_BYTES", default=20 * 1024 * 1024)
AGREEMENT_DOCUMENT_EXTENSIONS = (".pdf", ".jpg", ".jpeg", ".png")

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
