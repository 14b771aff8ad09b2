"""The platform administrator's journey in the Django admin: edit an organisation (the change
is saved and kept in its history), and unlock a user whom five wrong passwords locked out —
who then logs in again."""

from __future__ import annotations

import re

import pytest
from axes.models import AccessAttempt
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, login, text

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def try_login(page, username: str, password: str) -> None:
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def test_admin_edits_an_organisation_and_unlocks_a_locked_out_user(
    page, new_context, case_world, settings, shots
):
    lang = "zh-hans"
    enterprise = case_world["orgs"]["ent_b"]

    # --- the clerk mistypes the password five times and is locked out --------------------------
    clerk = new_context().new_page()
    clerk.goto("/accounts/login/")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        try_login(clerk, "clerk", "wrong-password")
    expect(clerk.locator("main")).to_contain_text(text(lang, "Logging in is blocked for now"))
    clerk.goto("/accounts/login/")
    try_login(clerk, "clerk", PASSWORD)  # the right password is refused while locked
    expect(clerk.locator("main")).to_contain_text(text(lang, "Logging in is blocked for now"))
    assert AccessAttempt.objects.filter(username="clerk").exists()

    # --- the administrator edits an organisation ------------------------------------------------
    login(page, "superuser", lang)
    page.goto("/admin/alliance/organization/")
    page.locator("#searchbar").fill(enterprise.uscc)
    page.locator("#searchbar").press("Enter")
    page.get_by_role("link", name=enterprise.name, exact=True).click()
    page.wait_for_url(re.compile(rf"/admin/alliance/organization/{enterprise.pk}/change/"))
    page.locator("#id_short_name").fill("厦门乙科技")
    page.locator("#id_phone").fill("0592-5551234")
    page.locator("#id_is_key_enterprise").check()
    page.locator("input[name=_save]").click()
    page.wait_for_url(re.compile(r"/admin/alliance/organization/(\?|$)"))
    expect(page.locator("ul.messagelist .success")).to_contain_text(enterprise.name)
    enterprise.refresh_from_db()
    assert (enterprise.short_name, enterprise.phone, enterprise.is_key_enterprise) == (
        "厦门乙科技", "0592-5551234", True,
    )  # fmt: skip
    latest = enterprise.history.latest()
    assert latest.history_user.username == "superuser"
    assert latest.short_name == "厦门乙科技"

    # --- … and unlocks the clerk -------------------------------------------------------------
    page.goto("/admin/auth/user/?q=clerk")
    row = page.locator(
        "#result_list tbody tr", has=page.get_by_role("link", name="clerk", exact=True)
    )
    row.locator("input.action-select").check()
    page.locator("select[name=action]").select_option("unlock_login")
    page.locator("button[name=index]").click()
    message = page.locator("ul.messagelist .success")
    expect(message).to_be_visible()
    shots(page, "admin-unlock-zh-hans")
    assert not AccessAttempt.objects.filter(username="clerk").exists()

    clerk.goto("/accounts/login/")
    try_login(clerk, "clerk", PASSWORD)
    assert "/accounts/login/" not in clerk.url
    expect(clerk.locator("header")).to_contain_text("陈思远")  # the name, see conftest.NAMES
