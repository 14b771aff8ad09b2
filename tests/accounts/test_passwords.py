"""Password rules: at least 10 characters, not common, not only digits, not like the username —
refused by the password change form with a clear message in Chinese and in English."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

pytestmark = pytest.mark.django_db

OLD = "pw-test-123"

REFUSALS = [
    # (new password, English message, Chinese message)
    (
        "Zz9-short",
        "This password is too short. It must contain at least 10 characters.",
        "密码长度太短。密码必须包含至少 10 个字符。",
    ),
    ("password123", "This password is too common.", "这个密码太常见了。"),
    ("4820591736205", "This password is entirely numeric.", "密码只包含数字。"),
]


def test_the_minimum_length_is_ten_and_the_demo_password_passes():
    validate_password(settings.DEMO_PASSWORD)  # "demo-pass-2024", 14 characters
    with pytest.raises(ValidationError) as refused:
        validate_password("Qx7-lemon")  # 9 characters, otherwise fine
    assert refused.value.messages == [
        "This password is too short. It must contain at least 10 characters."
    ]
    validate_password("Qx7-lemons")  # 10


@pytest.mark.parametrize(("language", "column"), [("en", 1), ("zh-hans", 2)])
@pytest.mark.parametrize("case", REFUSALS, ids=["short", "common", "numeric"])
def test_the_password_change_form_refuses_weak_passwords(world, language, column, case):
    user = world["users"]["mediator"]
    client = Client()
    client.cookies["django_language"] = language
    client.force_login(user)
    new = case[0]
    response = client.post(
        "/accounts/password_change/",
        {"old_password": OLD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 200  # the form again, with the reason
    assert case[column] in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(OLD)


def test_the_form_explains_the_rules_and_accepts_a_good_password(world):
    user = world["users"]["clerk"]
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    page = client.get("/accounts/password_change/").content.decode()
    assert "Your password must contain at least 10 characters." in page
    response = client.post(
        "/accounts/password_change/",
        {"old_password": OLD, "new_password1": "tea-garden-77", "new_password2": "tea-garden-77"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("tea-garden-77")
