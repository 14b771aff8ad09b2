"""The mediator's journey, in Chinese and in English: intake of a dispute with two parties (one
registered enterprise, one new enterprise with its USCC) and a right, submit → assign →
accept → schedule a session → start mediation → record the agreement → settle → download the
agreement PDF → prepare the judicial confirmation at the proposed court, upload the required
materials and file it."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from alliance.validators import uscc_check_character
from cases.models import JudicialConfirmation, MediationCase
from tests.e2e.conftest import login, text
from tests.e2e.data import PDF

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NEW_ENTERPRISE = "厦门丙贸易有限公司"
NEW_USCC_BODY = "91350200MA8RT7Q4"  # Xiamen (350200); 17 characters with the check below
NEW_USCC = NEW_USCC_BODY + "1" + uscc_check_character(NEW_USCC_BODY + "1")


def open_transition(page, lang: str, name: str, label: str) -> None:
    """Click a transition button of the case page; its small form opens in place (htmx)."""
    page.locator(f"a[data-transition='{name}']").click()
    form = page.locator(f"form.transition-form[data-transition='{name}']")
    expect(form).to_be_visible()
    expect(form.locator("h2")).to_contain_text(text(lang, label))
    with page.expect_navigation():
        form.get_by_role("button", name=text(lang, "Confirm")).click()


def expect_status(page, lang: str, label: str) -> None:
    expect(page.locator(".case-number").locator("..")).to_contain_text(text(lang, label))


def open_tab(page, tab_id: str) -> None:
    """Click a tab of the case page and wait until its pane has faded in (Bootstrap)."""
    tab = page.locator(f"#{tab_id}")
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")
    pane = page.locator(f"#{tab.get_attribute('aria-controls')}")
    expect(pane).to_have_class(re.compile(r"\bactive\b.*\bshow\b|\bshow\b.*\bactive\b"))
    expect(pane).to_have_css("opacity", "1")


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_mediator_takes_a_dispute_from_intake_to_judicial_confirmation(
    page, case_world, lang, shots, download_bytes
):
    orgs, users = case_world["orgs"], case_world["users"]
    publish = lang == "zh-hans"
    login(page, "mediator", lang)

    # --- intake ------------------------------------------------------------------------------
    page.goto("/cases/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text(text(lang, "New mediation case"))
    # The mediator works for one committee only: it is pre-selected.
    expect(page.locator("#id_handling_organization")).to_have_value(str(orgs["committee"].pk))
    page.locator("#id_title").fill("蜜柚保鲜方法发明专利侵权纠纷")
    page.locator("#id_dispute_type").select_option("invention_infringement")
    page.locator("#id_facts").fill("申请人称被申请人在网店销售使用其专利方法保鲜的蜜柚。")
    page.locator("#id_claim_amount").fill("80000")
    # applicant: the registered enterprise, by its USCC
    page.locator("#id_parties-0-role").select_option("applicant")
    page.locator("#id_parties-0-enterprise").fill(orgs["ent_a"].uscc)
    # respondent: a new enterprise with its USCC and region
    page.locator("#id_parties-1-role").select_option("respondent")
    page.locator("#id_parties-1-name").fill(NEW_ENTERPRISE)
    page.locator("#id_parties-1-uscc").fill(NEW_USCC)
    page.locator("#id_parties-1-region").fill("350200")
    # the right: ent_a's registered invention patent
    page.locator("#id_rights-0-kind").select_option("invention_patent")
    page.locator("#id_rights-0-number").fill("201710601862.3")
    shots(page, f"intake-{lang}", publish=publish)
    page.get_by_role("button", name=text(lang, "Save and submit")).click()
    page.wait_for_url(re.compile(r"/cases/\d+/$"))

    case = MediationCase.objects.get(title="蜜柚保鲜方法发明专利侵权纠纷")
    assert case.status == "submitted" and case.number
    expect(page.locator(".case-number")).to_have_text(case.number)
    expect_status(page, lang, "Submitted")
    assert case.is_cross_region  # the new respondent is in Xiamen
    respondent = case.parties.get(role="respondent")
    assert respondent.organization.uscc == NEW_USCC
    assert respondent.organization.name == NEW_ENTERPRISE
    assert case.rights.get().intellectual_property == case_world["ips"]["patent_a"]
    open_tab(page, "tab-parties")
    expect(page.locator("#pane-parties")).to_contain_text(NEW_USCC)
    open_tab(page, "tab-rights")
    expect(page.locator("#pane-rights")).to_contain_text("201710601862.3")

    # --- assign myself, accept ------------------------------------------------------------
    open_tab(page, "tab-summary")
    page.locator("a[hx-get$='/assign/']").click()
    panel = page.locator(".assign-panel")
    expect(panel).to_be_visible()
    panel.locator("select[name=mediator]").select_option(str(users["mediator"].pk))
    with page.expect_navigation():
        panel.get_by_role("button", name=text(lang, "Assign")).click()
    expect(
        page.locator(f".case-mediators [data-mediator='{users['mediator'].pk}']")
    ).to_be_visible()
    open_transition(page, lang, "accept", "Accept")
    expect_status(page, lang, "Accepted")

    # --- schedule a session, start mediation --------------------------------------------------
    open_tab(page, "tab-sessions")
    page.get_by_role("link", name=text(lang, "Schedule a session")).click()
    starts = timezone.localtime() + dt.timedelta(days=2)
    page.locator("#id_starts_at").fill(starts.strftime("%Y-%m-%dT10:00"))
    page.locator("#id_location").fill("漳州市知识产权纠纷人民调解委员会 第一调解室")
    page.get_by_role("button", name=text(lang, "Schedule")).click()
    page.wait_for_url(f"**/cases/{case.pk}/")
    open_tab(page, "tab-sessions")
    expect(page.locator("#pane-sessions [data-session]")).to_contain_text(
        starts.strftime("%Y-%m-%d 10:00")
    )
    open_transition(page, lang, "start_mediation", "Start mediation")
    expect_status(page, lang, "Mediating")

    # --- the agreement, settlement, its PDF ---------------------------------------------------
    open_tab(page, "tab-agreement")
    page.get_by_role("link", name=text(lang, "Record the agreement")).click()
    today = timezone.localdate().isoformat()
    page.locator("#id_terms").fill("被申请人停止销售侵权产品，并赔偿申请人人民币60,000元。")
    page.locator("#id_amount").fill("60000")
    page.locator("#id_signatories").fill("漳州甲食品有限公司\n厦门丙贸易有限公司\n调解员")
    page.locator("#id_signed_on").fill(today)
    page.locator("#id_effective_on").fill(today)
    page.get_by_role("button", name=text(lang, "Save agreement")).click()
    page.wait_for_url(f"**/cases/{case.pk}/")
    open_transition(page, lang, "settle", "Record settlement")
    expect_status(page, lang, "Settled")
    open_tab(page, "tab-agreement")
    expect(page.locator(".agreement-terms")).to_contain_text("人民币60,000元")
    open_tab(page, "tab-timeline")
    expect(page.locator(".case-timeline li")).to_have_count(case.events.count())
    shots(page, f"case-settled-{lang}", publish=publish)
    open_tab(page, "tab-agreement")
    name, pdf = download_bytes(page, page.get_by_role("link", name=text(lang, "Agreement (PDF)")))
    assert pdf.startswith(b"%PDF"), pdf[:20]
    assert name.endswith(".pdf")
    pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert case.number in pdf_text and "60,000" in pdf_text

    # --- judicial confirmation at the proposed court --------------------------------------------
    open_tab(page, "tab-court")
    page.locator("#apply-confirmation").click()
    proposal = page.locator(".court-proposal").first
    expect(proposal).to_be_visible()
    court_code = proposal.get_attribute("data-court")
    proposal.locator("input[type=radio]").check()
    page.locator("#id_joint_application").check()
    page.locator("#id_joint_application_note").fill("双方当事人共同申请")
    page.get_by_role("button", name=text(lang, "Prepare the application")).click()
    page.wait_for_url(re.compile(r"/cases/confirmations/\d+/$"))
    confirmation = JudicialConfirmation.objects.get(case=case)
    assert confirmation.court.court_code == court_code
    expect(page.locator("h1")).to_contain_text(confirmation.court.name)
    upload = page.locator("#material-upload")
    for kind in ("application", "agreement", "identity", "contacts"):
        upload.locator("select[name=kind]").select_option(kind)
        upload.locator("input[name=file]").set_input_files(
            {"name": f"{kind}.pdf", "mimeType": "application/pdf", "buffer": PDF}
        )
        with page.expect_navigation():
            upload.get_by_role("button", name=text(lang, "Upload")).click()
        expect(
            page.locator(f".materials-checklist [data-kind='{kind}'] .bi-check-circle-fill")
        ).to_be_visible()
    expect(page.locator(".missing-materials")).to_have_count(0)
    file_action = page.locator("#action-file")
    file_action.locator("summary").click()
    with page.expect_navigation():
        file_action.get_by_role("button", name=text(lang, "Confirm")).click()
    expect(page.locator(".confirmation-status")).to_have_attribute("data-status", "filed")
    expect(page.locator(".filed-on")).to_have_text(timezone.localdate().strftime("%Y-%m-%d"))
    shots(page, f"confirmation-filed-{lang}")
    confirmation.refresh_from_db()
    assert confirmation.status == "filed"
