"""Lockout after repeated failed logins (django-axes, decision 0015): the login page, the admin
unlock, the API token endpoint, and the (username, address) key."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.authtoken.models import Token

from zhangzhou_ip.accounts.lockout import client_ip

pytestmark = pytest.mark.django_db

PASSWORD = "pw-test-123"  # tests/conftest.py world users
LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"


def english_client(**defaults) -> Client:
    client = Client(**defaults)
    client.cookies["django_language"] = "en"
    return client


def fail(client: Client, username: str, times: int, url: str = LOGIN):
    response = None
    for _ in range(times):
        response = client.post(url, {"username": username, "password": "wrong-password"})
    return response


def logged_in_user_id(client: Client):
    return client.session.get("_auth_user_id")


def test_routes_are_where_the_tests_post():
    assert reverse("login") == LOGIN
    assert reverse("api:auth-token") == TOKEN


def test_five_failures_lock_the_pair_and_the_right_password_is_refused(world):
    client = english_client()
    fourth = fail(client, "mediator", 4)
    assert fourth.status_code == 200  # the form with its error, not locked yet
    assert "Logging in is blocked" not in fourth.content.decode()

    fifth = fail(client, "mediator", 1)
    assert fifth.status_code == 429
    page = fifth.content.decode()
    assert "Logging in is blocked for now" in page
    assert "There were 5 failed attempts" in page
    assert "You can try again after" in page
    assert "ask your organisation's administrator or the platform administrator" in page
    assert 1700 <= int(fifth["Retry-After"]) <= 1800  # 30 minutes of cool-off

    locked = client.post(LOGIN, {"username": "mediator", "password": PASSWORD})
    assert locked.status_code == 429
    assert "Logging in is blocked for now" in locked.content.decode()
    assert logged_in_user_id(client) is None
    assert client.get("/").status_code == 302  # still not logged in
    # refused tries while locked do not add failures (the time on the page holds)
    assert AccessAttempt.objects.get(username="mediator").failures_since_start == 5


def test_another_username_from_the_same_address_is_not_locked(world):
    client = english_client()
    fail(client, "mediator", 5)
    response = client.post(LOGIN, {"username": "clerk", "password": PASSWORD})
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(world["users"]["clerk"].pk)


def test_the_same_username_from_another_address_is_not_locked(world):
    fail(english_client(), "mediator", 5)
    elsewhere = english_client(REMOTE_ADDR="10.20.30.40")
    response = elsewhere.post(LOGIN, {"username": "mediator", "password": PASSWORD})
    assert response.status_code == 302
    assert logged_in_user_id(elsewhere) == str(world["users"]["mediator"].pk)


def test_the_lock_lifts_after_the_cool_off(world):
    client = english_client()
    fail(client, "mediator", 5)
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=31))
    response = client.post(LOGIN, {"username": "mediator", "password": PASSWORD})
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(world["users"]["mediator"].pk)


def test_a_successful_login_resets_the_count(world):
    client = english_client()
    fail(client, "mediator", 4)
    assert client.post(LOGIN, {"username": "mediator", "password": PASSWORD}).status_code == 302
    client.logout()
    assert not AccessAttempt.objects.filter(username="mediator").exists()
    assert fail(client, "mediator", 4).status_code == 200  # counted from zero again


def test_the_admin_login_is_protected_too(world):
    client = english_client()
    fail(client, "superuser", 5, url=reverse("admin:login"))
    response = client.post(reverse("admin:login"), {"username": "superuser", "password": PASSWORD})
    assert response.status_code == 429
    assert logged_in_user_id(client) is None


def test_an_administrator_unlocks_a_user_from_the_user_list(world):
    users = world["users"]
    fail(english_client(), "mediator", 5)
    fail(english_client(REMOTE_ADDR="10.0.0.7"), "mediator", 5)
    admin = english_client()
    admin.force_login(users["superuser"])
    response = admin.post(
        reverse("admin:auth_user_changelist"),
        {"action": "unlock_login", "_selected_action": [users["mediator"].pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert (
        "Login unlocked for 1 user; 2 failed-attempt records cleared. They can log in again now."
        in response.content.decode()
    )
    assert not AccessAttempt.objects.filter(username="mediator").exists()
    entry = LogEntry.objects.get(object_id=str(users["mediator"].pk), action_flag=CHANGE)
    assert entry.user == users["superuser"]
    assert "Unlocked login (2 failed-attempt records cleared)." in entry.get_change_message()

    client = english_client()
    assert client.post(LOGIN, {"username": "mediator", "password": PASSWORD}).status_code == 302
    assert logged_in_user_id(client) == str(users["mediator"].pk)


def test_the_unlock_action_needs_the_change_permission(world):
    from django.contrib.auth.models import Permission

    users = world["users"]
    fail(english_client(), "mediator", 5)
    viewer = users["clerk"]
    viewer.is_staff = True
    viewer.save()
    viewer.user_permissions.add(Permission.objects.get(codename="view_user"))
    client = english_client()
    client.force_login(viewer)
    page = client.get(reverse("admin:auth_user_changelist"))
    assert page.status_code == 200
    assert "unlock_login" not in page.content.decode()
    client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "unlock_login", "_selected_action": [users["mediator"].pk]},
    )
    assert AccessAttempt.objects.filter(username="mediator").exists()


def test_deleting_the_attempt_in_the_axes_admin_unlocks_and_is_logged(world):
    users = world["users"]
    fail(english_client(), "mediator", 5)
    attempt = AccessAttempt.objects.get(username="mediator")
    admin = english_client()
    admin.force_login(users["superuser"])
    listing = admin.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200
    assert "mediator" in listing.content.decode()
    response = admin.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert LogEntry.objects.filter(
        user=users["superuser"], action_flag=DELETION, object_id=str(attempt.pk)
    ).exists()
    assert (
        english_client().post(LOGIN, {"username": "mediator", "password": PASSWORD}).status_code
        == 302
    )


# --- the API token endpoint ---------------------------------------------------------------


def token_request(client: Client, username: str, password: str):
    return client.post(
        TOKEN, {"username": username, "password": password}, content_type="application/json"
    )


def test_api_token_failures_lock_and_a_locked_user_gets_no_token(world):
    client = english_client()
    for _ in range(4):
        response = token_request(client, "mediator", "wrong-password")
        assert response.status_code == 400
    fifth = token_request(client, "mediator", "wrong-password")
    assert fifth.status_code == 429
    body = fifth.json()
    assert body["code"] == "locked_out"
    assert "Too many failed log-in attempts" in body["detail"]
    assert "ask your organisation's administrator" in body["detail"]
    assert 1700 <= body["retry_after"] <= 1800
    assert body["retry_at"]
    assert fifth["Retry-After"] == str(body["retry_after"])

    right = token_request(client, "mediator", PASSWORD)
    assert right.status_code == 429
    assert "token" not in right.json()
    assert not Token.objects.filter(user=world["users"]["mediator"]).exists()
    # one count for the pair: the login page is locked as well
    assert client.post(LOGIN, {"username": "mediator", "password": PASSWORD}).status_code == 429


def test_api_token_for_another_username_and_after_a_success(world):
    client = english_client()
    for _ in range(5):
        token_request(client, "mediator", "wrong-password")
    ok = token_request(client, "clerk", PASSWORD)
    assert ok.status_code == 200
    assert ok.json()["token"] == Token.objects.get(user=world["users"]["clerk"]).key

    for _ in range(4):
        token_request(client, "court", "wrong-password")
    assert token_request(client, "court", PASSWORD).status_code == 200
    assert not AccessAttempt.objects.filter(username="court").exists()  # reset on success
    for _ in range(4):
        assert token_request(client, "court", "wrong-password").status_code == 400


# --- the client address ---------------------------------------------------------------------


def _request(remote="192.0.2.1", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post(LOGIN, **extra)


def test_client_address_ignores_forwarded_headers_unless_proxies_are_configured(settings):
    settings.LOGIN_TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request(forwarded="203.0.113.9")) == "192.0.2.1"


def test_client_address_behind_configured_proxies(settings):
    settings.LOGIN_TRUSTED_PROXY_COUNT = 1
    # the client wrote "1.1.1.1"; our proxy appended the address it saw
    assert client_ip(_request(forwarded="1.1.1.1, 203.0.113.9")) == "203.0.113.9"
    settings.LOGIN_TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request(forwarded="1.1.1.1, 203.0.113.9, 10.0.0.2")) == "203.0.113.9"
    assert client_ip(_request(forwarded="2001:db8::1")) == "2001:db8::1"
    assert client_ip(_request(forwarded="not-an-address")) == "192.0.2.1"
    assert client_ip(_request()) == "192.0.2.1"


def test_a_forged_forwarded_header_does_not_escape_the_lock(world):
    client = english_client()
    for n in range(5):
        client.post(
            LOGIN,
            {"username": "mediator", "password": "wrong-password"},
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
    response = client.post(
        LOGIN,
        {"username": "mediator", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.77",
    )
    assert response.status_code == 429
