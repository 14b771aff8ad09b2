"""The partner city's journey: a case the Zhangzhou bureau shared with Shenyang is in their
"Shared with us" inbox and opens; a case nobody shared is "Not found" (404), even by its
address; a collaboration request from Zhangzhou is answered: a reply, accepted, completed."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from alliance import collaboration
from alliance.models import CollaborationRequest
from cases import services
from tests.e2e.conftest import expect_not_found, login, text

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_partner_sees_the_shared_case_not_the_other_and_answers_a_request(page, case_world, shots):
    lang = "zh-hans"
    users, orgs, cases = case_world["users"], case_world["orgs"], case_world["cases"]
    shared, unshared = cases["submitted"], cases["mediating"]
    services.share_grant(
        actor=users["org_admin"],
        case=shared,
        organization=orgs["partner"],
        level="view",
        reason="被申请人住所地在沈阳，请协助送达",
    )
    request = collaboration.collaboration_send(
        actor=users["org_admin"],
        from_organization=orgs["zz_bureau"],
        to_organization=orgs["partner"],
        kind=CollaborationRequest.Kind.EVIDENCE,
        subject="协助调查沈阳某网店销售侵权蜜柚",
        body="请协助核实网店经营者的住所地与联系方式。",
    )

    login(page, "partner", lang)
    page.goto("/cases/shared/")
    rows = page.locator("tr[data-case]")
    expect(rows).to_have_count(1)
    row = page.locator(f"tr[data-case='{shared.pk}']")
    expect(row).to_contain_text(shared.title)
    expect(row.locator(".shared-by")).to_have_text(orgs["committee"].display_name)
    expect(page.locator("main")).not_to_contain_text(unshared.title)
    shots(page, "shared-with-us-zh-hans")
    row.get_by_role("link", name=shared.title).click()
    page.wait_for_url(f"**/cases/{shared.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(shared.title)

    expect_not_found(page, f"/cases/{unshared.pk}/", lang)

    page.goto("/directory/collaboration/")
    page.get_by_role("link", name=request.subject).click()
    page.wait_for_url(f"**/directory/collaboration/{request.pk}/")
    reply = page.locator("#reply-form")
    reply.get_by_label(text(lang, "Reply")).fill("已安排执法人员核实，三个工作日内回复。")
    with page.expect_navigation():
        reply.get_by_role("button", name=text(lang, "Send the reply")).click()
    expect(page.locator("#replies article.reply")).to_contain_text("已安排执法人员核实")
    accept = page.locator("form.action-form[data-action='accept']")
    with page.expect_navigation():
        accept.get_by_role("button", name=text(lang, "Accept")).click()
    request.refresh_from_db()
    assert request.status == "accepted"
    assert request.replies.get().body == "已安排执法人员核实，三个工作日内回复。"
    expect(page.locator("h1 + div .badge")).to_have_text(text(lang, "Accepted"))
    # … and, once done, completed with a closing note.
    complete = page.locator("form.action-form[data-action='complete']")
    complete.get_by_label(text(lang, "Closing note")).fill("已核实并函复。")
    with page.expect_navigation():
        complete.get_by_role("button", name=text(lang, "Mark completed")).click()
    expect(page.locator("h1 + div .badge")).to_have_text(text(lang, "Completed"))
    shots(page, "collaboration-completed-zh-hans")
    request.refresh_from_db()
    assert (request.status, request.closing_note) == ("completed", "已核实并函复。")
