"""The case page's tabs that load when opened: a partner with a collaborate share opens the
comments tab (fetched by htmx), replies to the mediator, and lands back on the page with the
comments tab open at ``#comments`` and the reply in it; the timeline tab then lists the
events the page itself did not carry."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cases import services
from tests.e2e.conftest import login, text

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_partner_comments_through_the_tab_loaded_when_opened(page, case_world):
    lang = "zh-hans"
    users, orgs, case = case_world["users"], case_world["orgs"], case_world["cases"]["mediating"]
    services.share_grant(
        actor=users["org_admin"], case=case, organization=orgs["partner"],
        level="collaborate", reason="被申请人住所地在沈阳",
    )  # fmt: skip
    services.comment_add(actor=users["mediator"], case=case, body="请协助向被申请人送达。")

    login(page, "partner", lang)
    page.goto(f"/cases/{case.pk}/")
    expect(page.locator("#tab-comments .badge")).to_have_text("1")
    expect(page.locator("#pane-comments .case-pane-loader")).to_have_count(1)  # not loaded yet
    page.locator("#tab-comments").click()
    thread = page.locator("#pane-comments .case-comments")
    expect(thread).to_contain_text("请协助向被申请人送达。")
    form = page.locator("#pane-comments form.comment-form")
    form.locator("textarea").fill("已送达，回执稍后上传。")
    with page.expect_navigation():
        form.get_by_role("button", name=text(lang, "Add comment")).click()
    assert page.url.endswith(f"/cases/{case.pk}/#comments")
    expect(page.locator("#tab-comments")).to_have_attribute("aria-selected", "true")
    expect(thread).to_contain_text("已送达，回执稍后上传。")
    expect(page.locator("#tab-comments .badge")).to_have_text("2")

    page.locator("#tab-timeline").click()
    events = page.locator("#pane-timeline .case-timeline li[data-verb]")
    expect(events).to_have_count(case.events.count())
    expect(page.locator("#pane-timeline li[data-verb='comment.added']")).to_have_count(2)
