"""The session policy (absolute age from the login, idle limit) and the cookie settings in
development and in production (decision 0015)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from zhangzhou_ip.accounts.sessions import LOGIN_AT, SEEN_AT

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]


def logged_in(user) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def set_clock(client: Client, **values: int) -> None:
    session = client.session
    for key, value in values.items():
        session[key] = value
    session.save()


def test_login_starts_the_session_clock(world):
    before = int(time.time())
    client = logged_in(world["users"]["mediator"])
    assert before <= client.session[LOGIN_AT] <= int(time.time())
    assert client.session[SEEN_AT] == client.session[LOGIN_AT]
    assert client.get("/").status_code == 200


def test_a_session_past_its_absolute_age_goes_to_the_login_page(world):
    client = logged_in(world["users"]["mediator"])
    now = int(time.time())
    # active a minute ago, but logged in more than 8 hours ago
    set_clock(client, **{LOGIN_AT: now - settings.SESSION_COOKIE_AGE - 1, SEEN_AT: now - 60})
    response = client.get("/cases/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/cases/"
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"]).content.decode()
    assert "Your session ended 8 hours after you logged in. Please log in again." in page


def test_an_idle_session_goes_to_the_login_page(world):
    client = logged_in(world["users"]["clerk"])
    now = int(time.time())
    # the idle clock is written every five minutes, so the limit is 60 to 65 minutes
    set_clock(client, **{LOGIN_AT: now - 3 * 3600, SEEN_AT: now - 65 * 60})
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    page = client.get(response["Location"]).content.decode()
    assert "You were logged out after 60 minutes without activity." in page
    # and it stays logged out
    assert client.get("/").status_code == 302


def test_activity_moves_the_idle_clock_but_not_the_login_time(world):
    client = logged_in(world["users"]["clerk"])
    now = int(time.time())
    login_at = now - 7 * 3600
    set_clock(client, **{LOGIN_AT: login_at, SEEN_AT: now - 60 * 60})
    assert client.get("/").status_code == 200  # 60 minutes is not yet past the limit
    assert client.session[LOGIN_AT] == login_at
    assert client.session[SEEN_AT] >= now
    # a request within five minutes of the last recorded one writes nothing
    set_clock(client, **{SEEN_AT: now - 120})
    assert client.get("/").status_code == 200
    assert client.session[SEEN_AT] == now - 120


def test_the_idle_limit_can_be_turned_off(world, settings):
    settings.SESSION_IDLE_MINUTES = 0
    client = logged_in(world["users"]["clerk"])
    now = int(time.time())
    set_clock(client, **{LOGIN_AT: now - 3600, SEEN_AT: now - 3500})
    assert client.get("/").status_code == 200


def test_login_cookies_are_httponly_lax_and_end_with_the_browser(world):
    client = Client()
    client.get("/accounts/login/")  # sets the CSRF cookie
    csrf = client.cookies["csrftoken"]
    assert csrf["httponly"] is True
    assert csrf["samesite"] == "Lax"
    response = client.post("/accounts/login/", {"username": "mediator", "password": "pw-test-123"})
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == ""  # a browser-session cookie: gone when the browser closes
    assert client.session[LOGIN_AT] > 0


def _settings_with(env: dict[str, str]) -> dict:
    """Import the settings module in a fresh interpreter with the given environment."""
    names = [
        "DEBUG",
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "SESSION_EXPIRE_AT_BROWSER_CLOSE",
        "SESSION_COOKIE_AGE",
        "SESSION_IDLE_MINUTES",
        "CSRF_COOKIE_SECURE",
        "CSRF_COOKIE_HTTPONLY",
        "CSRF_COOKIE_SAMESITE",
        "OTP_REQUIRED_FOR_SUPERUSERS",
        "AXES_FAILURE_LIMIT",
        "AXES_LOCKOUT_PARAMETERS",
        "LOGIN_TRUSTED_PROXY_COUNT",
    ]
    code = (
        "import json; from zhangzhou_ip import settings as s; "
        f"print(json.dumps({{n: getattr(s, n, None) for n in {names!r}}}))"
    )
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_settings_protect_the_cookies_and_require_two_factor(tmp_path):
    values = _settings_with(
        {
            "DEBUG": "0",
            "SECRET_KEY": "x" * 50,
            "ALLOWED_HOSTS": "ip.example.org",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        }
    )
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert values["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is True
    assert values["SESSION_COOKIE_AGE"] == 8 * 3600
    assert values["SESSION_IDLE_MINUTES"] == 60
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_HTTPONLY"] is True
    assert values["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert values["OTP_REQUIRED_FOR_SUPERUSERS"] is True
    assert values["AXES_FAILURE_LIMIT"] == 5
    assert values["AXES_LOCKOUT_PARAMETERS"] == [["username", "ip_address"]]
    assert values["LOGIN_TRUSTED_PROXY_COUNT"] == 0


def test_development_settings_leave_two_factor_optional_and_take_the_environment(tmp_path):
    values = _settings_with(
        {
            "DEBUG": "1",
            "LOGIN_FAILURE_LIMIT": "8",
            "LOGIN_TRUSTED_PROXY_COUNT": "1",
            "SESSION_IDLE_MINUTES": "15",
        }
    )
    assert values["DEBUG"] is True
    assert values["OTP_REQUIRED_FOR_SUPERUSERS"] is False
    assert values["AXES_FAILURE_LIMIT"] == 8
    assert values["LOGIN_TRUSTED_PROXY_COUNT"] == 1
    assert values["SESSION_IDLE_MINUTES"] == 15
    assert values["CSRF_COOKIE_HTTPONLY"] is True  # the same in development
