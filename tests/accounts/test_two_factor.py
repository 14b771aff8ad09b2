"""Two-factor authentication (django-otp TOTP, decision 0015): required for superusers while
``OTP_REQUIRED_FOR_SUPERUSERS`` is on, voluntary for everyone else."""

from __future__ import annotations

import binascii
import re
import time

import pytest
from django.test import Client
from django_otp.oath import TOTP, hotp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from zhangzhou_ip.accounts.two_factor import PENDING_KEY

pytestmark = pytest.mark.django_db

SETUP = "/accounts/two-factor/setup/"
VERIFY = "/accounts/two-factor/verify/"
DISABLE = "/accounts/two-factor/disable/"
PASSWORD = "pw-test-123"
OTHER_ROLES = ["nobody", "org_admin", "mediator", "clerk", "partner", "court", "enterprise"]


@pytest.fixture
def required(settings):
    settings.OTP_REQUIRED_FOR_SUPERUSERS = True


def logged_in(user) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def code_for_key(key_hex: str) -> str:
    totp = TOTP(binascii.unhexlify(key_hex))
    totp.time = time.time()
    return f"{totp.token():06d}"


def next_code(device: TOTPDevice) -> str:
    """A code the device accepts now: the current step, or the next one when the current
    step was already used (each step is accepted once)."""
    device.refresh_from_db()
    now = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    now.time = time.time()
    step = max(now.t(), device.last_t + 1)
    return f"{hotp(device.bin_key, step, digits=device.digits):06d}"


def set_up(client: Client, next_url: str = "/") -> TOTPDevice:
    page = client.get(SETUP, {"next": next_url})
    assert page.status_code == 200
    key = client.session[PENDING_KEY]
    response = client.post(SETUP, {"code": code_for_key(key), "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == next_url
    return TOTPDevice.objects.get(key=key)


# --- the setting off (tests, development) ----------------------------------------------------


def test_with_the_setting_off_superusers_go_straight_in(world):
    client = logged_in(world["users"]["superuser"])
    assert client.get("/").status_code == 200
    assert client.get("/admin/").status_code == 200
    assert client.get("/api/v1/organizations/").status_code == 200


# --- the setting on -------------------------------------------------------------------------


def test_a_superuser_without_a_device_is_sent_to_set_it_up(world, required):
    client = logged_in(world["users"]["superuser"])
    response = client.get("/cases/?status=draft")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/two-factor/setup/?next=%2Fcases%2F%3Fstatus%3Ddraft"
    admin = client.get("/admin/auth/user/")
    assert admin.status_code == 302
    assert admin["Location"].startswith(SETUP)
    api = client.get("/api/v1/organizations/")
    assert api.status_code == 403
    assert api.json()["code"] == "otp_required"
    assert "Two-factor authentication is required" in api.json()["detail"]


def test_setup_shows_a_qr_code_and_the_key_and_confirms_with_a_code(world, required):
    user = world["users"]["superuser"]
    client = logged_in(user)
    page = client.get(SETUP, {"next": "/admin/"})
    html = page.content.decode()
    assert "<svg" in html and "</svg>" in html
    assert "Administrators must use two-factor authentication" in html
    key = client.session[PENDING_KEY]
    secret = re.search(r'id="two-factor-secret">([A-Z2-7 ]+)<', html).group(1)
    assert len(secret.replace(" ", "")) == 32  # 20 bytes in base32
    assert client.get(SETUP).status_code == 200
    assert client.session[PENDING_KEY] == key  # reloading keeps the same key
    assert not TOTPDevice.objects.filter(user=user).exists()  # nothing stored before the code

    wrong = client.post(SETUP, {"code": "000000" if code_for_key(key) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert "This code is wrong or has expired." in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=user).exists()
    malformed = client.post(SETUP, {"code": "12ab"})
    assert "Enter the 6-digit code shown in your authenticator app." in malformed.content.decode()

    device = set_up(client, next_url="/admin/")
    assert device.user == user and device.confirmed
    assert PENDING_KEY not in client.session
    assert client.get("/admin/").status_code == 200
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/organizations/").status_code == 200


def test_with_a_device_a_new_login_must_give_a_code(world, required):
    user = world["users"]["superuser"]
    device = set_up(logged_in(user))

    client = logged_in(user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/two-factor/verify/?next=%2Fadmin%2F"
    assert client.get(SETUP)["Location"].startswith(VERIFY)  # no second device

    wrong = client.post(VERIFY, {"code": "12345x", "next": "/admin/"})
    assert "Enter the 6-digit code" in wrong.content.decode()
    right = client.post(VERIFY, {"code": next_code(device), "next": "/admin/"})
    assert right.status_code == 302
    assert right["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_is_refused_and_further_tries_are_throttled(world, required, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # a minute after one failure: no race on a slow CI
    user = world["users"]["superuser"]
    device = set_up(logged_in(user))
    client = logged_in(user)
    good = next_code(device)
    bad = f"{(int(good) + 1) % 1_000_000:06d}"
    response = client.post(VERIFY, {"code": bad})
    assert response.status_code == 200
    assert "This code is wrong or has expired." in response.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    # straight after a failure even the right code waits (django-otp's throttle)
    throttled = client.post(VERIFY, {"code": good})
    assert throttled.status_code == 200
    assert "Too many wrong codes. Wait" in throttled.content.decode()
    assert client.get("/").status_code == 302
    device.throttle_reset()
    assert client.post(VERIFY, {"code": next_code(device)}).status_code == 302
    assert client.get("/").status_code == 200


def test_other_roles_are_unaffected(world, required):
    for role in OTHER_ROLES:
        client = logged_in(world["users"][role])
        assert client.get("/").status_code == 200, role
        assert client.get(VERIFY).status_code == 302, role  # nothing to verify


def test_superuser_api_tokens_are_refused_while_required(world, required, settings):
    superuser = world["users"]["superuser"]
    client = Client()
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "superuser", "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "otp_required"
    assert not Token.objects.filter(user=superuser).exists()

    old_token = Token.objects.create(user=superuser)
    api = Client(HTTP_AUTHORIZATION=f"Token {old_token.key}", HTTP_ACCEPT_LANGUAGE="en")
    refused = api.get("/api/v1/organizations/")
    assert refused.status_code == 403
    assert refused.json()["code"] == "otp_required"
    assert "API tokens of administrators are refused" in refused.json()["detail"]

    mediator_token = Token.objects.create(user=world["users"]["mediator"])
    assert (
        Client(HTTP_AUTHORIZATION=f"Token {mediator_token.key}")
        .get("/api/v1/organizations/")
        .status_code
        == 200
    )
    settings.OTP_REQUIRED_FOR_SUPERUSERS = False
    assert api.get("/api/v1/organizations/").status_code == 200


def test_a_superuser_cannot_turn_it_off_while_required(world, required):
    user = world["users"]["superuser"]
    client = logged_in(user)
    device = set_up(client)
    page = client.get(DISABLE)
    assert "it cannot be turned off" in page.content.decode()
    assert client.post(DISABLE, {"code": next_code(device)}).status_code == 403
    assert TOTPDevice.objects.filter(user=user).exists()


# --- voluntary use --------------------------------------------------------------------------


def test_any_user_may_turn_it_on_and_off(world):
    user = world["users"]["mediator"]
    client = logged_in(user)
    assert client.get(DISABLE)["Location"] == SETUP  # not on yet
    device = set_up(client)

    later = logged_in(user)
    assert later.get("/")["Location"] == "/accounts/two-factor/verify/?next=%2F"
    assert later.post(VERIFY, {"code": next_code(device)}).status_code == 302
    page = later.get(DISABLE)
    assert "Turn off two-factor authentication" in page.content.decode()
    wrong = later.post(DISABLE, {"code": "000000" if next_code(device) != "000000" else "111111"})
    assert "This code is wrong or has expired." in wrong.content.decode()
    device.throttle_reset()
    off = later.post(DISABLE, {"code": next_code(device)}, follow=True)
    assert "Two-factor authentication is off." in off.content.decode()
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert logged_in(user).get("/").status_code == 200


def test_a_device_removed_by_an_administrator_lets_the_user_set_up_again(world, required):
    user = world["users"]["superuser"]
    set_up(logged_in(user))
    client = logged_in(user)
    assert client.get("/")["Location"].startswith(VERIFY)
    TOTPDevice.objects.filter(user=user).delete()  # lost phone: removed in the admin
    response = client.get(VERIFY)
    assert response["Location"].startswith(SETUP)


def test_the_next_parameter_cannot_leave_the_site(world):
    client = logged_in(world["users"]["clerk"])
    client.get(SETUP)
    key = client.session[PENDING_KEY]
    response = client.post(SETUP, {"code": code_for_key(key), "next": "https://evil.example/"})
    assert response["Location"] == "/"
