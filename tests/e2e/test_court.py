"""The court liaison's journey: the court desk lists only the confirmation filed with their
court (not another court's), they record its acceptance with the court's 民特 number and then
the ruling with its document."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import expect_not_found, login, text
from tests.e2e.data import PDF, filed_confirmation

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_court_liaison_accepts_and_rules_on_the_confirmation_at_their_court(
    page, case_world, shots
):
    lang = "zh-hans"
    ours = filed_confirmation(
        case_world,
        court_code="闽06",
        title="茶叶包装外观设计侵权纠纷",
        dispute_type="design_infringement",
    )
    theirs = filed_confirmation(
        case_world, court_code="闽02", title="蜜柚保鲜方法专利侵权纠纷",
        dispute_type="invention_infringement",
    )  # fmt: skip
    year = timezone.localdate().year
    number = f"（{year}）闽06民特12号"

    login(page, "court", lang)
    page.goto("/cases/court-desk/")
    desk = page.locator("#desk-confirmations")
    expect(desk.locator("tr[data-confirmation]")).to_have_count(1)
    expect(desk.locator(f"tr[data-confirmation='{ours.pk}']")).to_contain_text(
        "茶叶包装外观设计侵权纠纷"
    )
    expect(desk.locator(".confirmations-total")).to_have_text("1")
    expect(page.locator("main")).not_to_contain_text("蜜柚保鲜方法专利侵权纠纷")
    # The other court's confirmation does not exist for this liaison.
    expect_not_found(page, f"/cases/confirmations/{theirs.pk}/", lang)
    page.goto("/cases/court-desk/")

    desk.locator(f"tr[data-confirmation='{ours.pk}'] a").click()
    page.wait_for_url(f"**/cases/confirmations/{ours.pk}/")
    expect(page.locator(".confirmation-status")).to_have_attribute("data-status", "filed")

    accept = page.locator("#action-accept")
    accept.locator("summary").click()
    accept.get_by_label(text(lang, "Court case number")).fill(number)
    with page.expect_navigation():
        accept.get_by_role("button", name=text(lang, "Confirm")).click()
    expect(page.locator(".confirmation-status")).to_have_attribute("data-status", "accepted")
    expect(page.locator(".court-case-number")).to_have_text(number)
    expect(page.locator(".accepted-on")).to_have_text(timezone.localdate().isoformat())

    decide = page.locator("#action-decide")
    decide.locator("summary").click()
    decide.locator("select[name='decide-confirmed']").select_option("1")
    decide.locator("input[name='decide-ruling_on']").fill(timezone.localdate().isoformat())
    decide.locator("input[name='decide-document']").set_input_files(
        {"name": "ruling.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    with page.expect_navigation():
        decide.get_by_role("button", name=text(lang, "Confirm")).click()
    expect(page.locator(".confirmation-status")).to_have_attribute("data-status", "confirmed")
    expect(page.locator(".ruling-on")).to_have_text(timezone.localdate().isoformat())
    expect(page.locator("a.ruling-document")).to_be_visible()
    shots(page, "court-ruling-zh-hans", publish=True)

    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert (ours.status, ours.court_case_number) == ("confirmed", number)
    assert ours.ruling_document
    assert theirs.status == "filed"  # untouched
