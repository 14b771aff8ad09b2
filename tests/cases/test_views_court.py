"""Court pages (issue 4 parts 2, 4, 5): preparing a judicial confirmation, its materials and
the court's decisions, receiving a court's referral, extending it, referring a failed case to
litigation, and the court liaison desk — each refusal shown with the rule's message, nothing
saved when refused, and a court seeing only the items at that court."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alliance.models import Membership, Organization
from cases import services
from cases.choices import DisputeType, PartyRole, Status
from cases.models import ConfirmationMaterial, CourtReferral, JudicialConfirmation, MediationCase
from tests.cases.conftest import advance, case_page, make_case, org_party, person_party

pytestmark = pytest.mark.django_db

CS = JudicialConfirmation.Status
PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


# --- fixtures and helpers (after tests/cases/test_court.py) ------------------------------------


@pytest.fixture
def today(monkeypatch):
    """Set the service clock (``timezone.localdate``)."""
    current = {"date": timezone.localdate()}
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: current["date"])

    def set_today(value: dt.date) -> None:
        current["date"] = value

    return set_today


@pytest.fixture
def liaison(world):
    """A liaison of 芗城法院 (the world's ``court`` user is at 漳州中院)."""
    user = get_user_model().objects.create_user("xc_liaison", password="pw-test-123")
    Membership.objects.create(user=user, organization=court("闽0602"), role=Membership.Role.LIAISON)
    return user


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def login(client, case_world):
    def as_user(user_or_name, language: str = "en"):
        user = case_world["users"][user_or_name] if isinstance(user_or_name, str) else user_or_name
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        client.force_login(user)
        return client

    return as_user


def court(code: str) -> Organization:
    return Organization.objects.get(court_code=code)


def settled_case(case_world, *, dispute_type=DisputeType.TRADEMARK_INFRINGEMENT, **fields):
    users, orgs = case_world["users"], case_world["orgs"]
    case = make_case(
        users["clerk"],
        orgs["committee"],
        dispute_type=dispute_type,
        parties=[
            org_party(PartyRole.APPLICANT, orgs["ent_a"]),
            org_party(PartyRole.RESPONDENT, orgs["ent_b"]),
        ],
        **fields,
    )
    return advance(case, users["clerk"], users["mediator"], "settled")


def attach_required(confirmation, user) -> None:
    for kind in ConfirmationMaterial.REQUIRED:
        services.confirmation_material_add(
            actor=user,
            confirmation=confirmation,
            kind=kind,
            file=SimpleUploadedFile(f"{kind}.pdf", PDF_BYTES, "application/pdf"),
        )


def prepared(case_world, court_code="闽0602", *, joint=True, **fields) -> JudicialConfirmation:
    return services.confirmation_prepare(
        actor=case_world["users"]["mediator"],
        case=settled_case(case_world, **fields),
        court=court(court_code),
        joint_application=joint,
    )


def filed(case_world, on: dt.date, today, court_code="闽0602") -> JudicialConfirmation:
    today(on)
    confirmation = prepared(case_world, court_code)
    mediator = case_world["users"]["mediator"]
    attach_required(confirmation, mediator)
    return services.confirmation_file(actor=mediator, confirmation=confirmation)


def received(case_world, *, reference="（2025）闽0602民诉前调301号", on=None, title="诉前委派案件"):
    return services.referral_receive(
        actor=case_world["users"]["clerk"],
        handling_organization=case_world["orgs"]["committee"],
        court=court("闽0602"),
        kind=CourtReferral.Kind.DELEGATION,
        court_reference=reference,
        referred_on=on or timezone.localdate(),
        title=title,
        dispute_type=DisputeType.TRADEMARK_INFRINGEMENT,
    )


def _html(response) -> str:
    return response.content.decode()


def _field_errors(response, field_id: str) -> str:
    """The text of the error block(s) rendered for one field."""
    return " ".join(re.findall(rf'id="{re.escape(field_id)}-error">([^<]*)<', _html(response)))


def _proposal_blocks(response) -> dict[str, str]:
    """Each proposed court's radio block on the prepare page, by court code."""
    blocks = re.findall(
        r'court-proposal" data-court="([^"]+)">(.*?)</label>', _html(response), flags=re.S
    )
    return dict(blocks)


def _files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()]


def _action(client, confirmation, name: str, **data):
    payload = {f"{name}-version": confirmation.version}
    payload.update({f"{name}-{key}": value for key, value in data.items()})
    return client.post(reverse("cases:confirmation-action", args=[confirmation.pk, name]), payload)


# --- preparing ---------------------------------------------------------------------------------


def test_prepare_page_lists_the_competent_courts_with_reasons_and_the_remote_badge(
    login, case_world
):
    case = settled_case(case_world, dispute_type=DisputeType.DESIGN_INFRINGEMENT)
    response = login("mediator").get(reverse("cases:confirmation-create", args=[case.pk]))
    assert response.status_code == 200
    blocks = _proposal_blocks(response)
    assert set(blocks) == {"闽06", "闽02"}
    assert "福建省漳州市中级人民法院" in blocks["闽06"]
    assert "intermediate court" in blocks["闽06"]
    assert "厦门乙科技有限公司" in blocks["闽02"]  # the Xiamen respondent's domicile
    assert "remote-badge" in blocks["闽02"]
    assert "remote-badge" not in blocks["闽06"]
    assert 'value="cpl" selected' in _html(response)  # the service's default basis


def test_prepare_with_a_court_that_is_not_competent_shows_the_rule_and_saves_nothing(
    login, case_world
):
    case = settled_case(case_world)
    response = login("mediator").post(
        reverse("cases:confirmation-create", args=[case.pk]),
        {
            "court": court("闽0622").pk,
            "joint_application": "on",
            "joint_application_note": "申请人申请，被申请人同意",
            "basis": "cpl",
        },
    )
    assert response.status_code == 400
    errors = _field_errors(response, "court")
    assert "福建省云霄县人民法院 is not competent" in errors
    assert "CPL art. 205" in errors
    assert "福建省漳州市芗城区人民法院" in errors  # the competent ones are named
    assert 'value="申请人申请，被申请人同意"' in _html(response)  # input kept
    assert not JudicialConfirmation.objects.exists()


def test_prepare_refuses_an_ownership_determination_and_saves_nothing(login, case_world):
    case = settled_case(case_world, dispute_type=DisputeType.TRADEMARK_OWNERSHIP)
    response = login("mediator").post(
        reverse("cases:confirmation-create", args=[case.pk]),
        {"court": court("闽0602").pk, "basis": "cpl"},
    )
    assert response.status_code == 400
    assert "SPC interpretation of the CPL art. 355(5)" in _html(response)
    assert not JudicialConfirmation.objects.exists()


def test_prepare_after_the_window_names_the_day_it_closed(login, case_world, today):
    today(dt.date(2025, 9, 2))
    case = settled_case(case_world)
    today(dt.date(2025, 10, 10))
    response = login("mediator").post(
        reverse("cases:confirmation-create", args=[case.pk]),
        {"court": court("闽0602").pk, "basis": "cpl"},
    )
    assert response.status_code == 400
    assert "window to apply for judicial confirmation closed on 2025-10-09" in _html(response)
    assert not JudicialConfirmation.objects.exists()


def test_prepare_redirects_to_the_confirmation_and_the_case_shows_it(login, case_world):
    case = settled_case(case_world)
    client = login("mediator")
    assert 'id="apply-confirmation"' in case_page(client, case, "court")
    response = client.post(
        reverse("cases:confirmation-create", args=[case.pk]),
        {"court": court("闽0602").pk, "joint_application": "on", "basis": "cpl"},
    )
    confirmation = JudicialConfirmation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:confirmation-detail", args=[confirmation.pk])
    page = _html(client.get(response["Location"]))
    assert "domicile of Applicant 漳州甲食品有限公司" in page
    assert 'data-status="prepared"' in page
    tab = case_page(client, case, "court")
    assert f'data-confirmation="{confirmation.pk}"' in tab
    assert "福建省漳州市芗城区人民法院" in tab


def test_only_the_handling_side_gets_the_apply_button(login, case_world):
    case = settled_case(case_world)
    page = case_page(login("clerk"), case, "court")
    assert 'id="pane-court"' in page
    assert 'id="apply-confirmation"' not in page
    response = login("clerk").get(reverse("cases:confirmation-create", args=[case.pk]))
    assert response.status_code == 403


# --- materials -----------------------------------------------------------------------------------


def _upload(client, confirmation, name: str, content: bytes, kind="agreement"):
    return client.post(
        reverse("cases:confirmation-material", args=[confirmation.pk]),
        {"kind": kind, "note": "双方签字版", "file": SimpleUploadedFile(name, content)},
    )


def test_an_upload_too_large_or_of_the_wrong_type_is_refused_and_nothing_is_stored(
    login, case_world, media, settings
):
    confirmation = prepared(case_world)
    settings.AGREEMENT_DOCUMENT_MAX_BYTES = 100
    client = login("mediator")
    too_big = _upload(client, confirmation, "agreement.pdf", PDF_BYTES + b"0" * 200)
    assert too_big.status_code == 413  # stopped while it streamed
    assert "larger than the limit of 100" in too_big.content.decode()
    wrong_type = _upload(client, confirmation, "agreement.exe", b"MZ\x90\x00")
    assert wrong_type.status_code == 400
    assert "“.exe” are not accepted" in _field_errors(wrong_type, "id_file")
    renamed = _upload(client, confirmation, "agreement.pdf", b"GIF89a renamed")
    assert renamed.status_code == 400
    assert "not a PDF document" in _field_errors(renamed, "id_file")
    assert _files(media) == []
    assert not ConfirmationMaterial.objects.exists()


def test_an_accepted_upload_appears_in_the_checklist_and_downloads_as_attachment(
    login, case_world, media
):
    confirmation = prepared(case_world)
    client = login("mediator")
    response = _upload(client, confirmation, "agreement.pdf", PDF_BYTES)
    assert response.status_code == 302
    material = ConfirmationMaterial.objects.get()
    assert material.kind == "agreement"
    page = _html(client.get(reverse("cases:confirmation-detail", args=[confirmation.pk])))
    row = re.search(r'data-kind="agreement">(.*?)</li>\s*</ul>', page, flags=re.S).group(1)
    assert reverse("cases:material-download", args=[confirmation.pk, material.pk]) in row
    assert "双方签字版" in row
    # The other required kinds are still missing.
    assert "Required before filing:" in page
    assert "Addresses for service and phone numbers" in page
    download = client.get(reverse("cases:material-download", args=[confirmation.pk, material.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PDF_BYTES


# --- filing ------------------------------------------------------------------------------------


def test_filing_without_the_joint_application_is_refused_with_the_rule(login, case_world, media):
    confirmation = prepared(case_world, joint=False)
    attach_required(confirmation, case_world["users"]["mediator"])
    client = login("mediator")
    response = _action(client, confirmation, "file")
    assert response.status_code == 400
    assert "Both parties must apply together (People&#x27;s Mediation Law art. 33)" in _html(
        response
    )
    confirmation.refresh_from_db()
    assert confirmation.status == CS.PREPARED
    response = _action(
        client,
        confirmation,
        "update",
        joint_application="on",
        joint_application_note="申请人申请，被申请人书面同意",
    )
    assert response.status_code == 302
    confirmation.refresh_from_db()
    assert confirmation.joint_application
    response = _action(client, confirmation, "file")
    assert response.status_code == 302
    confirmation.refresh_from_db()
    assert confirmation.status == CS.FILED
    assert confirmation.filed_on == timezone.localdate()


def test_a_stale_version_says_someone_else_changed_it(login, case_world, media):
    confirmation = prepared(case_world)
    seen = confirmation.version
    services.confirmation_update(
        actor=case_world["users"]["mediator"], confirmation=confirmation, joint_application=False
    )
    response = login("mediator").post(
        reverse("cases:confirmation-action", args=[confirmation.pk, "withdraw"]),
        {"withdraw-version": seen, "withdraw-reason": "当事人撤回"},
    )
    assert response.status_code == 409
    assert "changed by someone else" in _html(response)
    confirmation.refresh_from_db()
    assert confirmation.status == CS.PREPARED


def test_an_unknown_action_is_not_found(login, case_world):
    confirmation = prepared(case_world)
    response = login("mediator").post(f"/cases/confirmations/{confirmation.pk}/delete/", {})
    assert response.status_code == 404


# --- the court's side ------------------------------------------------------------------------


def test_the_liaison_sees_only_its_courts_confirmation_on_the_desk_and_in_detail(
    login, case_world, today, liaison, media
):
    mine = filed(case_world, dt.date(2025, 9, 26), today)
    other = prepared(case_world, "闽0603")
    client = login(liaison)
    desk = _html(client.get(reverse("cases:court-desk")))
    assert f'data-confirmation="{mine.pk}"' in desk
    assert f'data-confirmation="{other.pk}"' not in desk
    assert reverse("cases:confirmation-detail", args=[mine.pk]) in desk
    assert client.get(reverse("cases:confirmation-detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("cases:confirmation-detail", args=[other.pk])).status_code == 404
    material = mine.materials.first()
    assert (
        client.get(reverse("cases:material-download", args=[mine.pk, material.pk])).status_code
        == 200
    )
    # A material fetched through another confirmation's URL is not found either.
    assert (
        client.get(reverse("cases:material-download", args=[other.pk, material.pk])).status_code
        == 404
    )
    assert _action(client, other, "accept", court_case_number="x").status_code == 404


def test_the_liaison_records_acceptance_and_the_ruling(login, case_world, today, liaison, media):
    confirmation = filed(case_world, dt.date(2025, 9, 26), today)
    today(dt.date(2025, 10, 20))
    client = login(liaison)
    page = _html(client.get(reverse("cases:confirmation-detail", args=[confirmation.pk])))
    assert 'data-action="accept"' in page and 'data-action="not_accept"' in page
    assert 'data-action="file"' not in page  # filing is the handling side's
    assert "overdue" in page  # acceptance was due on 2025-09-29
    wrong = _action(
        client,
        confirmation,
        "accept",
        court_case_number="（2025）闽0603民特5号",
        accepted_on="2025-09-29",
    )
    assert wrong.status_code == 400
    errors = _field_errors(wrong, "id_accept-court_case_number")
    assert "闽0603" in errors and "闽0602" in errors
    assert 'value="（2025）闽0603民特5号"' in _html(wrong)  # input kept
    confirmation.refresh_from_db()
    assert confirmation.status == CS.FILED
    ok = _action(
        client,
        confirmation,
        "accept",
        court_case_number="(2025)闽0602民特 5号",
        accepted_on="2025-09-29",
    )
    assert ok.status_code == 302
    confirmation.refresh_from_db()
    assert confirmation.court_case_number == "（2025）闽0602民特5号"
    assert confirmation.decision_due == dt.date(2025, 10, 14)
    before = client.post(
        reverse("cases:confirmation-action", args=[confirmation.pk, "decide"]),
        {
            "decide-version": confirmation.version,
            "decide-confirmed": "1",
            "decide-ruling_on": "2025-09-28",
        },
    )
    assert before.status_code == 400
    assert "cannot be dated before the acceptance on 2025-09-29" in _field_errors(
        before, "id_decide-ruling_on"
    )
    confirmation.refresh_from_db()
    assert confirmation.status == CS.ACCEPTED
    ruling = client.post(
        reverse("cases:confirmation-action", args=[confirmation.pk, "decide"]),
        {
            "decide-version": confirmation.version,
            "decide-confirmed": "1",
            "decide-ruling_on": "2025-10-09",
            "decide-document": SimpleUploadedFile("ruling.pdf", PDF_BYTES),
        },
    )
    assert ruling.status_code == 302
    confirmation.refresh_from_db()
    assert confirmation.status == CS.CONFIRMED
    assert confirmation.ruling_on == dt.date(2025, 10, 9)
    page = _html(client.get(reverse("cases:confirmation-detail", args=[confirmation.pk])))
    assert "（2025）闽0602民特5号" in page
    assert 'data-status="confirmed"' in page
    download = client.get(reverse("cases:confirmation-ruling", args=[confirmation.pk]))
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PDF_BYTES


def test_a_user_without_a_court_membership_gets_an_explanation(login, case_world):
    response = login("mediator").get(reverse("cases:court-desk"))
    assert response.status_code == 200
    assert "no-court-membership" in _html(response)
    assert "desk-confirmations" not in _html(response)


def test_the_menu_offers_the_desk_to_court_members_only(login, case_world, liaison):
    assert reverse("cases:court-desk") in _html(login(liaison).get(reverse("cases:court-desk")))
    page = _html(login("mediator").get(reverse("cases:case-list")))
    assert reverse("cases:court-desk") not in page
    assert reverse("cases:referral-receive") in page


# --- referrals ---------------------------------------------------------------------------------


def test_receiving_a_referral_opens_a_draft_case_from_the_court(login, case_world, today):
    today(dt.date(2025, 9, 1))
    data = {
        "handling_organization": case_world["orgs"]["committee"].pk,
        "court": court("闽0602").pk,
        "kind": "delegation",
        "court_reference": "（2025）闽0602民初301号",
        "referred_on": "2025-09-01",
        "title": "诉前委派：商标侵权纠纷",
        "dispute_type": DisputeType.TRADEMARK_INFRINGEMENT,
        "facts": "法院委派调解",
    }
    client = login("clerk")
    refused = client.post(reverse("cases:referral-receive"), data)
    assert refused.status_code == 400
    assert "民诉前调" in _field_errors(refused, "id_court_reference")
    assert not MediationCase.objects.filter(title=data["title"]).exists()
    data["court_reference"] = "（2025）闽0602民诉前调301号"
    response = client.post(reverse("cases:referral-receive"), data)
    case = MediationCase.objects.get(title=data["title"])
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:case-parties", args=[case.pk])
    assert case.status == Status.DRAFT
    assert (case.source, case.facts) == ("court_delegation", "法院委派调解")
    referral = case.referrals.get()
    assert referral.court_reference == "（2025）闽0602民诉前调301号"
    assert referral.term_ends_on == dt.date(2025, 10, 9)


def test_the_term_is_extended_once_only(login, case_world, today):
    today(dt.date(2025, 9, 1))
    referral = received(case_world, on=dt.date(2025, 9, 1))
    client = login("org_admin")
    url = reverse("cases:referral-action", args=[referral.pk, "extend"])
    first = client.post(
        url, {"extend-version": referral.version, "extend-days": 20, "extend-consent": "双方同意"}
    )
    assert first.status_code == 302
    referral.refresh_from_db()
    assert referral.term_ends_on == dt.date(2025, 10, 21)
    page = _html(client.get(reverse("cases:referral-detail", args=[referral.pk])))
    assert 'data-action="extend"' not in page
    assert "双方同意" in page
    second = client.post(
        url, {"extend-version": referral.version, "extend-days": 5, "extend-consent": "再次同意"}
    )
    assert second.status_code == 400
    assert "The term can be extended only once." in _html(second)
    referral.refresh_from_db()
    assert (referral.extension_days, referral.term_ends_on) == (20, dt.date(2025, 10, 21))


def test_closing_offers_only_the_outcomes_of_the_direction(login, case_world):
    referral = received(case_world)
    client = login("org_admin")
    page = _html(client.get(reverse("cases:referral-detail", args=[referral.pk])))
    assert 'value="returned"' in page and 'value="filed"' not in page
    response = client.post(
        reverse("cases:referral-action", args=[referral.pk, "close"]),
        {"close-version": referral.version, "close-outcome": "filed"},
    )
    assert response.status_code == 400
    referral.refresh_from_db()
    assert referral.status == CourtReferral.Status.OPEN


def test_a_failed_case_is_referred_to_litigation(login, case_world):
    users = case_world["users"]
    mediating = case_world["cases"]["mediating"]
    client = login("mediator")
    refused = client.post(
        reverse("cases:referral-to-litigation", args=[mediating.pk]),
        {"court": court("闽0602").pk},
    )
    assert refused.status_code == 409
    assert "Only a case whose mediation failed" in _html(refused)
    assert not CourtReferral.objects.exists()
    case = services.case_fail(actor=users["mediator"], case=mediating, reason="被申请人拒绝赔偿")
    assert 'id="refer-litigation"' in case_page(client, case, "court")
    response = client.post(
        reverse("cases:referral-to-litigation", args=[case.pk]),
        {"court": court("闽0602").pk, "note": "告知当事人起诉"},
    )
    referral = CourtReferral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:referral-detail", args=[referral.pk])
    assert (referral.direction, referral.kind, referral.result) == (
        "outbound",
        "litigation",
        "告知当事人起诉",
    )
    page = _html(client.get(response["Location"]))
    assert 'value="judgment"' in page and 'value="returned"' not in page


# --- language and query counts -------------------------------------------------------------------


def test_the_desk_and_the_detail_render_in_chinese(login, case_world, today, liaison, media):
    confirmation = filed(case_world, dt.date(2025, 9, 26), today)
    received(case_world, on=dt.date(2025, 9, 26), title="委派调解：商标纠纷")
    client = login(liaison, language="zh-hans")
    desk = _html(client.get(reverse("cases:court-desk")))
    assert 'lang="zh-Hans"' in desk
    assert confirmation.case.title in desk and "委派调解：商标纠纷" in desk
    detail = _html(client.get(reverse("cases:confirmation-detail", args=[confirmation.pk])))
    assert 'lang="zh-Hans"' in detail
    assert "福建省漳州市芗城区人民法院" in detail


def _desk_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("cases:court-desk"))
    assert response.status_code == 200
    return len(queries)


def test_the_desk_runs_the_same_number_of_queries_for_2_and_8_items(
    login, case_world, liaison, django_assert_max_num_queries
):
    client = login(liaison)
    for i in range(2):
        prepared(case_world)
        received(case_world, reference=f"（2025）闽0602民诉前调{400 + i}号")
    few = _desk_queries(client)
    for i in range(6):
        prepared(case_world)
        received(case_world, reference=f"（2025）闽0602民诉前调{500 + i}号")
    assert JudicialConfirmation.objects.count() == 8
    with django_assert_max_num_queries(11):
        many = _desk_queries(client)
    assert many == few


def test_the_desk_puts_overdue_items_first_filters_by_status_and_paginates(
    login, case_world, today, liaison, media, monkeypatch
):
    late = filed(case_world, dt.date(2025, 9, 1), today)  # acceptance was due 2025-09-04
    recent = filed(case_world, dt.date(2025, 10, 20), today)
    today(dt.date(2025, 10, 21))
    client = login(liaison)
    desk = _html(client.get(reverse("cases:court-desk")))
    assert desk.index(f'data-confirmation="{late.pk}"') < desk.index(
        f'data-confirmation="{recent.pk}"'
    )
    assert f'<tr data-confirmation="{late.pk}" class="table-danger">' in desk
    assert f'<tr data-confirmation="{recent.pk}">' in desk
    assert '<span class="badge text-bg-danger confirmations-overdue">1 overdue</span>' in desk
    accepted_only = _html(client.get(reverse("cases:court-desk"), {"c_status": "accepted"}))
    assert "data-confirmation=" not in accepted_only
    assert "No application for judicial confirmation here." in accepted_only
    monkeypatch.setattr("cases.views.court.desk.DESK_PAGE_SIZE", 1)
    first = _html(client.get(reverse("cases:court-desk"), {"c_status": "filed"}))
    assert f'data-confirmation="{late.pk}"' in first
    assert f'data-confirmation="{recent.pk}"' not in first
    assert "?c_status=filed&amp;c_page=2" in first
    second = _html(client.get(reverse("cases:court-desk"), {"c_status": "filed", "c_page": 2}))
    assert f'data-confirmation="{recent.pk}"' in second


def _detail_queries(client, case) -> int:
    """Statements of the case page and of its court tab."""
    with CaptureQueriesContext(connection) as queries:
        case_page(client, case, "court")
    return len(queries)


def test_the_case_detail_court_tab_does_not_add_queries_per_item(login, case_world):
    mediator = case_world["users"]["mediator"]
    case = services.case_fail(
        actor=mediator, case=case_world["cases"]["mediating"], reason="被申请人拒绝赔偿"
    )
    client = login("mediator")
    services.referral_to_litigation(actor=mediator, case=case, court=court("闽0602"))
    one = _detail_queries(client, case)
    for code in ("闽0603", "闽06"):
        services.referral_to_litigation(actor=mediator, case=case, court=court(code))
    three = _detail_queries(client, case)
    assert three == one
    page = case_page(client, case, "court")
    assert page.count("data-referral=") == 3


def test_without_a_competent_court_in_the_directory_the_page_says_an_admin_adds_it(
    login, case_world
):
    partner = case_world["users"]["partner"]
    case = make_case(
        partner,
        case_world["orgs"]["partner"],
        dispute_type=DisputeType.TRADEMARK_INFRINGEMENT,
        parties=[
            person_party(PartyRole.APPLICANT, name="王五"),
            person_party(PartyRole.RESPONDENT, name="李四"),
        ],
    )
    case = advance(case, partner, partner, "settled")  # Shenyang: no court in the directory
    response = login("partner").get(reverse("cases:confirmation-create", args=[case.pk]))
    assert response.status_code == 200
    assert _proposal_blocks(response) == {}
    assert "An administrator adds courts" in _html(response)


def test_receiving_a_referral_needs_the_right_to_open_cases(login, case_world):
    assert login("enterprise").get(reverse("cases:referral-receive")).status_code == 403
    page = _html(login("clerk").get(reverse("cases:referral-receive")))
    assert "福建省漳州市芗城区人民法院（闽0602）" in page
    assert f'value="{timezone.localdate().isoformat()}"' in page  # referred on: today
