"""Production settings from environment variables (issue 11 part 1), computed by the real
settings module in a child process with a clean environment."""

from __future__ import annotations

import json

from tests.deploy.helpers import PRODUCTION, clean_env, run_python, settings_from_env

NAMES = [
    "DEBUG",
    "DATABASES",
    "CACHES",
    "SESSION_ENGINE",
    "STORAGES",
    "AWS_S3_ENDPOINT_URL",
    "AWS_S3_REGION_NAME",
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_ADDRESSING_STYLE",
    "AWS_S3_SIGNATURE_VERSION",
    "AWS_S3_FILE_OVERWRITE",
    "AWS_DEFAULT_ACL",
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "EMAIL_TIMEOUT",
    "LOG_FORMAT",
    "LOGGING",
    "MIDDLEWARE",
]

S3 = "storages.backends.s3.S3Storage"


def test_a_production_environment():
    s = settings_from_env(
        NAMES,
        **PRODUCTION,
        DATABASE_URL="postgres://zz:secret@db.internal:5432/zhangzhou_ip",
        DB_STATEMENT_TIMEOUT_MS="15000",
        REDIS_URL="redis://cache.internal:6379/3",
        CACHE_KEY_PREFIX="zz-prod",
        MEDIA_STORAGE_BACKEND=S3,
        MEDIA_STORAGE_OPTIONS='{"bucket_name": "zz-media", "location": "media"}',
        EVIDENCE_STORAGE_BACKEND=S3,
        EVIDENCE_STORAGE_OPTIONS='{"bucket_name": "zz-evidence"}',
        AWS_S3_ENDPOINT_URL="https://oss-cn-shanghai.aliyuncs.com",
        AWS_S3_REGION_NAME="cn-shanghai",
        AWS_S3_ADDRESSING_STYLE="virtual",
        AWS_SECRET_ACCESS_KEY="never-in-settings",
        EMAIL_URL="smtp+tls://notice%40ip.example.gov.cn:p%40ss@smtp.exmail.qq.com:587",
    )
    assert s["DEBUG"] is False
    db = s["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], db["NAME"], db["USER"]) == ("db.internal", "zhangzhou_ip", "zz")
    assert db["CONN_MAX_AGE"] == 60 and db["CONN_HEALTH_CHECKS"] is True
    assert db["OPTIONS"]["options"] == "-c statement_timeout=15000"

    assert s["CACHES"]["default"] == {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://cache.internal:6379/3",
        "KEY_PREFIX": "zz-prod",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
    }
    assert s["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"

    assert s["STORAGES"]["default"] == {
        "BACKEND": S3,
        "OPTIONS": {"bucket_name": "zz-media", "location": "media"},
    }
    assert s["STORAGES"]["evidence"] == {"BACKEND": S3, "OPTIONS": {"bucket_name": "zz-evidence"}}
    assert s["STORAGES"]["staticfiles"]["BACKEND"].startswith("whitenoise.")
    assert s["AWS_S3_ENDPOINT_URL"] == "https://oss-cn-shanghai.aliyuncs.com"
    assert (s["AWS_S3_REGION_NAME"], s["AWS_S3_ADDRESSING_STYLE"]) == ("cn-shanghai", "virtual")
    assert s["AWS_S3_SIGNATURE_VERSION"] == "s3v4"
    assert s["AWS_S3_FILE_OVERWRITE"] is False and s["AWS_DEFAULT_ACL"] is None
    assert "never-in-settings" not in json.dumps(s)  # boto3 reads the keys itself

    assert s["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (s["EMAIL_HOST"], s["EMAIL_PORT"]) == ("smtp.exmail.qq.com", 587)
    assert (s["EMAIL_HOST_USER"], s["EMAIL_HOST_PASSWORD"]) == ("notice@ip.example.gov.cn", "p@ss")
    assert s["EMAIL_USE_TLS"] is True and s["EMAIL_USE_SSL"] is False
    assert s["EMAIL_TIMEOUT"] == 10

    assert s["LOG_FORMAT"] == "json"
    handlers = s["LOGGING"]["handlers"]
    for name in ("console", "django.server"):
        assert handlers[name]["formatter"] == "json"
        assert handlers[name]["filters"] == ["mask_personal_ids", "request_id"]
    assert s["LOGGING"]["formatters"]["json"]["()"] == "zhangzhou_ip.core.logging.JsonFormatter"
    assert s["MIDDLEWARE"][0] == "zhangzhou_ip.core.request_id.RequestIdMiddleware"


def test_development_defaults():
    s = settings_from_env(NAMES)
    assert s["DEBUG"] is True
    db = s["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert "options" not in db["OPTIONS"]
    assert s["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert s["CACHES"]["default"]["KEY_PREFIX"] == "zzip"
    assert s["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"
    fs = "django.core.files.storage.FileSystemStorage"
    assert s["STORAGES"]["default"] == {"BACKEND": fs, "OPTIONS": {}}
    assert s["STORAGES"]["evidence"]["BACKEND"] == fs
    assert s["STORAGES"]["evidence"]["OPTIONS"]["location"].endswith("var/evidence")
    assert s["AWS_S3_ENDPOINT_URL"] is None and s["AWS_STORAGE_BUCKET_NAME"] is None
    assert s["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert s["LOG_FORMAT"] == "text"
    assert "formatter" not in s["LOGGING"]["handlers"]["console"]
    assert s["LOGGING"]["handlers"]["console"]["filters"] == ["mask_personal_ids", "request_id"]


def test_statement_timeout_off_or_from_the_url():
    url = "postgres://zz@db.internal:5432/zhangzhou_ip"
    off = settings_from_env(["DATABASES"], DATABASE_URL=url, DB_STATEMENT_TIMEOUT_MS="0")
    assert "options" not in off["DATABASES"]["default"].get("OPTIONS", {})
    default = settings_from_env(["DATABASES"], DATABASE_URL=url)
    assert default["DATABASES"]["default"]["OPTIONS"]["options"] == "-c statement_timeout=30000"
    own = settings_from_env(
        ["DATABASES"], DATABASE_URL=url + "?options=-c%20statement_timeout%3D5000"
    )
    assert own["DATABASES"]["default"]["OPTIONS"]["options"] == "-c statement_timeout=5000"


def test_email_variables_without_a_url():
    s = settings_from_env(
        NAMES,
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="smtp.example.cn",
        EMAIL_PORT="465",
        EMAIL_USE_SSL="1",
        EMAIL_TIMEOUT="5",
    )
    assert (s["EMAIL_HOST"], s["EMAIL_PORT"], s["EMAIL_USE_SSL"]) == ("smtp.example.cn", 465, True)
    assert s["EMAIL_TIMEOUT"] == 5


def test_a_named_backend_is_the_storage_django_builds():
    """Any django-storages backend by setting: the FTP one needs no SDK, so the storage object
    itself can be built here (it connects only when used)."""
    code = """
import os
os.environ["DJANGO_SETTINGS_MODULE"] = "zhangzhou_ip.settings"
import django
django.setup()
from django.core.files.storage import storages
for alias in ("default", "evidence"):
    storage = storages[alias]
    print(alias, type(storage).__module__ + "." + type(storage).__name__, storage.location)
"""
    result = run_python(
        code,
        clean_env(
            MEDIA_STORAGE_BACKEND="storages.backends.ftp.FTPStorage",
            MEDIA_STORAGE_OPTIONS='{"location": "ftp://zz:pw@127.0.0.1:2121/media/"}',
            EVIDENCE_STORAGE_BACKEND="storages.backends.ftp.FTPStorage",
            EVIDENCE_STORAGE_OPTIONS='{"location": "ftp://zz:pw@127.0.0.1:2121/evidence/"}',
        ),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "default storages.backends.ftp.FTPStorage ftp://zz:pw@127.0.0.1:2121/media/",
        "evidence storages.backends.ftp.FTPStorage ftp://zz:pw@127.0.0.1:2121/evidence/",
    ]


def test_an_unknown_log_format_is_refused():
    result = run_python(
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'zhangzhou_ip.settings';"
        "from django.conf import settings; settings.DEBUG",
        clean_env(LOG_FORMAT="xml"),
    )
    assert result.returncode != 0
    assert "LOG_FORMAT must be json or text" in result.stderr
