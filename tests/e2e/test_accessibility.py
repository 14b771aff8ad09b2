"""Accessibility basics of the main pages, in the browser: axe-core (bundled with
axe-playwright-python, injected with ``page.evaluate``, which the page's CSP does not govern)
finds no serious or critical violation, every page has its language and its landmarks, and no
form control, button or link lacks a name (axe's rules for those at any impact).

Which user sees which page is what a real user would open: the mediator their cases and the
intake form, the enterprise its evidence, the service point the deposit form for any
enterprise, the bureau administrator the statistics, nobody the login and verification pages."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.conftest import html_lang, login_by_cookie
from tests.world import build_objects

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

FAILING_IMPACTS = {"serious", "critical"}
# Names and labels: a violation of these fails at any impact.
NAMING_RULES = {"label", "button-name", "link-name", "select-name", "input-button-name"}
AXE = Axe()


def audit(page) -> dict[str, Any]:
    """axe-core's verdict on the page as it is now."""
    return AXE.run(page, options={"resultTypes": ["violations"]}).response


def landmarks_and_language(page, language: str) -> list[str]:
    problems = []
    lang = page.locator("html").get_attribute("lang")
    if lang != html_lang(language):
        problems.append(f"<html lang={lang!r}>, expected {html_lang(language)!r}")
    for role, count in (("banner", None), ("navigation", None), ("main", 1), ("contentinfo", 1)):
        found = page.get_by_role(role).count()
        if (count is None and found < 1) or (count is not None and found != count):
            problems.append(f"{found} {role} landmark(s)")
    return problems


def test_main_pages_have_no_serious_accessibility_violations(new_context, case_world, base_url):
    language = "zh-hans"  # the default; the English pages share the templates
    objects = build_objects(case_world)
    record = objects["record"]
    pages: dict[str, Any] = {}
    sessions: dict[str | None, Any] = {}

    def as_user(username: str | None):
        if username not in sessions:
            context = new_context()
            if username is not None:
                login_by_cookie(context, username, base_url)
            sessions[username] = context.new_page()
        return sessions[username]

    def check(name: str, username: str | None, url: str | None) -> None:
        user_page = as_user(username)
        if url is not None:
            response = user_page.goto(url)
            assert response is not None and response.ok, (name, url, response and response.status)
        result = audit(user_page)
        pages[name] = {
            "violations": result["violations"],
            "structure": landmarks_and_language(user_page, language),
        }

    check("login", None, "/accounts/login/")
    check("verification page", None, "/evidence/verify/")
    anonymous = sessions[None]
    anonymous.locator("#id_sha256").fill(record.sha256)
    anonymous.locator("#verify-form button[type=submit]").click()
    expect(anonymous.locator("#verify-result .verify-record")).to_be_visible()
    check("verification result", None, None)
    check("home", "mediator", "/")
    check("case list", "mediator", "/cases/")
    check("case detail", "mediator", f"/cases/{objects['case'].pk}/")
    check("intake form", "mediator", "/cases/new/")
    check("evidence list", "enterprise", "/evidence/")
    check("deposit form", "servicepoint", "/evidence/deposit/")
    check("statistics", "org_admin", "/stats/")

    failures = []
    for name, found in pages.items():
        failures += [f"{name}: {problem}" for problem in found["structure"]]
        for violation in found["violations"]:
            if violation["impact"] in FAILING_IMPACTS or violation["id"] in NAMING_RULES:
                targets = ", ".join(str(n["target"][0]) for n in violation["nodes"][:5])
                failures.append(
                    f"{name}: {violation['id']} ({violation['impact']}, "
                    f"{len(violation['nodes'])} elements: {targets}) — {violation['help']}"
                )
    assert not failures, "\n".join(failures)
