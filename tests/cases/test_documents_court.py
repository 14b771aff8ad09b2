"""The application package of a judicial confirmation: the 司法确认申请书 (blocks and PDF) and
the zip of the uploaded materials (``cases.documents_court``, ``cases.views.court_documents``)."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from alliance.models import Membership, Organization
from alliance.validators import mask_resident_id
from cases import documents_court, selectors, services
from cases.choices import DisputeType, MediationKind, PartyRole
from cases.documents import block_texts
from cases.models import ConfirmationMaterial, JudicialConfirmation
from tests.cases.conftest import advance, make_case, org_party, person_party

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"
Kind = ConfirmationMaterial.Kind


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def court(code: str) -> Organization:
    return Organization.objects.get(court_code=code)


def settled(case_world, *, org="committee", dispute_type=DisputeType.TRADEMARK_INFRINGEMENT, **kw):
    users, orgs = case_world["users"], case_world["orgs"]
    parties = [
        org_party(PartyRole.APPLICANT, orgs["ent_a"]),
        person_party(
            PartyRole.RESPONDENT,
            name="王五",
            id_number=ID_NUMBER,
            address="漳州市芗城区胜利路1号",
            phone="13900001111",
        ),
    ]
    case = make_case(users["clerk"], orgs[org], dispute_type=dispute_type, parties=parties, **kw)
    return advance(case, users["clerk"], users["mediator"], "settled")


def upload(confirmation, user, kind: str, name: str = "", content: bytes = b"%PDF-1.4 test"):
    return services.confirmation_material_add(
        actor=user,
        confirmation=confirmation,
        kind=kind,
        file=SimpleUploadedFile(name or f"{kind}.pdf", content, "application/pdf"),
    )


def prepared(case_world, code: str = "闽0602", **kw) -> JudicialConfirmation:
    case = settled(case_world, **kw)
    mediator = case_world["users"]["mediator"]
    return services.confirmation_prepare(
        actor=mediator, case=case, court=court(code), joint_application=True
    )


def texts(confirmation, *, show_full_ids: bool) -> list[str]:
    blocks = documents_court.application_blocks(confirmation, show_full_ids=show_full_ids)
    return block_texts(blocks)


# --- the application's content --------------------------------------------------------------


def test_the_application_names_the_court_both_parties_the_case_and_the_basis(case_world):
    confirmation = prepared(case_world)
    mediator = case_world["users"]["mediator"]
    for kind in ConfirmationMaterial.REQUIRED:
        upload(confirmation, mediator, kind)
    upload(confirmation, mediator, Kind.IDENTITY, "second-id.pdf")
    confirmation = services.confirmation_file(actor=mediator, confirmation=confirmation)
    case = confirmation.case

    lines = texts(confirmation, show_full_ids=True)
    joined = "\n".join(lines)

    assert "福建省漳州市芗城区人民法院" in joined
    assert "漳州甲食品有限公司" in joined and "王五" in joined
    assert case_world["orgs"]["ent_a"].uscc in joined
    assert "漳州市芗城区胜利路1号" in joined and "13900001111" in joined
    assert case.number and case.number in joined
    assert "漳州市知识产权纠纷人民调解委员会" in joined
    assert "被申请人停止销售侵权产品" in joined  # the agreement's terms
    assert "request the court to confirm" in joined and "is valid" in joined
    basis = documents_court.basis_sentence(confirmation)
    assert basis in lines
    assert "article 33 of the People's Mediation Law" in basis and "article 205" in basis
    assert any("harms" in line and "third party" in line for line in lines)  # undertaking
    # The materials list: the uploaded kinds in checklist order, with counts, nothing else.
    start = lines.index("Materials submitted")
    materials = lines[start + 1]
    assert materials.splitlines() == [
        f"1. {Kind.APPLICATION.label}",
        f"2. {Kind.AGREEMENT.label}",
        f"3. {Kind.IDENTITY.label} (2 files)",
        f"4. {Kind.CONTACTS.label}",
    ]
    assert str(Kind.UNDERTAKING.label) not in joined
    # Both applicants sign; the date is the filing date.
    assert any("Applicant 1 漳州甲食品有限公司" in line for line in lines)
    assert any("Applicant 2 王五" in line for line in lines)
    filed = confirmation.filed_on
    assert f"{filed.year}年{filed.month}月{filed.day}日" in lines


def test_an_application_without_materials_says_so_and_leaves_the_date_blank(case_world):
    confirmation = prepared(case_world)
    lines = texts(confirmation, show_full_ids=False)
    assert lines[-1] == "(none uploaded yet)"
    assert "____年__月__日" in lines


def test_resident_ids_are_masked_for_a_viewer_who_may_not_see_them(case_world, world):
    confirmation = prepared(case_world, code="闽06", dispute_type=DisputeType.DESIGN_INFRINGEMENT)
    case = confirmation.case
    court_user = world["users"]["court"]
    mediator = world["users"]["mediator"]
    assert not selectors.may_see_full_id_numbers(court_user, case)
    assert selectors.may_see_full_id_numbers(mediator, case)

    masked = "\n".join(texts(confirmation, show_full_ids=False))
    full = "\n".join(texts(confirmation, show_full_ids=True))

    assert ID_NUMBER not in masked and mask_resident_id(ID_NUMBER) in masked
    assert ID_NUMBER in full


def test_an_administrative_mediation_application_cites_the_court_bureau_mechanism(case_world):
    orgs, users = case_world["orgs"], case_world["users"]
    Membership.objects.create(
        user=users["mediator"], organization=orgs["zz_bureau"], role=Membership.Role.MEDIATOR
    )
    users["mediator"] = get_user_model().objects.get(pk=users["mediator"].pk)  # fresh roles
    confirmation = prepared(
        case_world, org="zz_bureau", mediation_kind=MediationKind.ADMINISTRATIVE
    )
    assert confirmation.basis == JudicialConfirmation.Basis.ADMINISTRATIVE
    sentence = documents_court.basis_sentence(confirmation)
    assert "mechanism" in sentence and "法发〔2009〕45号" in sentence
    assert "福建省漳州市芗城区人民法院" in sentence and "漳州市市场监督管理局" in sentence
    assert "People's Mediation Law" not in sentence
    assert sentence in texts(confirmation, show_full_ids=True)


def test_a_court_invited_mediation_cites_the_inviting_court(case_world):
    users, orgs = case_world["users"], case_world["orgs"]
    referral = services.referral_receive(
        actor=users["clerk"],
        handling_organization=orgs["committee"],
        court=court("闽0603"),
        kind="delegation",
        court_reference="（2026）闽0603民诉前调15号",
        referred_on=timezone.localdate(),
        title="委派：商标侵权纠纷",
        dispute_type=DisputeType.TRADEMARK_INFRINGEMENT,
    )
    case = referral.case
    services.party_add(actor=users["clerk"], case=case, **org_party("applicant", orgs["ent_a"]))
    services.party_add(actor=users["clerk"], case=case, **org_party("respondent", orgs["ent_b"]))
    case = advance(case, users["clerk"], users["mediator"], "settled")
    confirmation = services.confirmation_prepare(
        actor=users["mediator"], case=case, court=court("闽0603"), joint_application=True
    )
    sentence = documents_court.basis_sentence(confirmation)
    assert "205(1)" in sentence and "福建省漳州市龙文区人民法院" in sentence


def test_the_pdf_embeds_the_font_subset(case_world):
    confirmation = prepared(case_world)
    data = documents_court.application_pdf(confirmation, show_full_ids=False)
    assert data.startswith(b"%PDF-")
    assert b"FontFile2" in data
    assert b"+NotoSerifSC" in data
    assert b"STSong" not in data


# --- the download views -------------------------------------------------------------------------


def _client(client, user):
    client.force_login(user)
    return client


def test_the_pdf_view_is_an_attachment_for_whoever_sees_the_confirmation(client, case_world):
    confirmation = prepared(case_world, code="闽06", dispute_type=DisputeType.DESIGN_INFRINGEMENT)
    url = reverse("cases:confirmation-pdf", args=[confirmation.pk])
    assert url == f"/cases/confirmations/{confirmation.pk}/application.pdf"
    for name in ("mediator", "court", "superuser"):
        response = _client(client, case_world["users"][name]).get(url)
        assert response.status_code == 200, name
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response.content.startswith(b"%PDF-")


def test_the_pdf_view_is_404_for_a_confirmation_the_user_cannot_see(client, case_world):
    confirmation = prepared(case_world)  # at 芗城, not the world's court (漳州中院)
    url = reverse("cases:confirmation-pdf", args=[confirmation.pk])
    for name in ("partner", "court", "servicepoint", "nobody"):
        assert _client(client, case_world["users"][name]).get(url).status_code == 404, name
    missing = reverse("cases:confirmation-pdf", args=[confirmation.pk + 999])
    assert _client(client, case_world["users"]["mediator"]).get(missing).status_code == 404


def _zip(response) -> zipfile.ZipFile:
    assert response.streaming
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_zip_holds_the_materials_under_derived_names_and_the_application(client, case_world):
    confirmation = prepared(case_world)
    mediator = case_world["users"]["mediator"]
    upload(confirmation, mediator, Kind.CONTACTS, "../../etc/通讯 地址.PDF", b"contacts")
    upload(confirmation, mediator, Kind.APPLICATION, "申请书(签字版).pdf", b"application")
    upload(confirmation, mediator, Kind.AGREEMENT, "agreement.jpeg", b"agreement")
    upload(confirmation, mediator, Kind.OTHER, "scan.verylongextension", b"other")

    response = _client(client, mediator).get(
        reverse("cases:confirmation-zip", args=[confirmation.pk])
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    archive = _zip(response)
    assert archive.testzip() is None
    assert archive.namelist() == [
        documents_court.APPLICATION_MEMBER,
        "01-application.pdf",
        "02-agreement.jpeg",
        "03-contacts.pdf",
        "04-other.bin",
    ]
    assert archive.read("01-application.pdf") == b"application"
    assert archive.read("03-contacts.pdf") == b"contacts"
    assert archive.read(documents_court.APPLICATION_MEMBER).startswith(b"%PDF-")
    for name in archive.namelist():
        assert "/" not in name and ".." not in name and "通讯" not in name


def test_a_material_missing_from_storage_is_left_out_of_the_zip(client, case_world, media):
    confirmation = prepared(case_world)
    mediator = case_world["users"]["mediator"]
    lost = upload(confirmation, mediator, Kind.APPLICATION)
    upload(confirmation, mediator, Kind.AGREEMENT)
    lost.file.storage.delete(lost.file.name)

    archive = _zip(
        _client(client, mediator).get(reverse("cases:confirmation-zip", args=[confirmation.pk]))
    )

    assert archive.namelist() == [documents_court.APPLICATION_MEMBER, "02-agreement.pdf"]


def test_the_zip_is_404_for_a_confirmation_the_user_cannot_see(client, case_world):
    confirmation = prepared(case_world)
    url = reverse("cases:confirmation-zip", args=[confirmation.pk])
    assert url == f"/cases/confirmations/{confirmation.pk}/materials.zip"
    for name in ("partner", "court", "servicepoint"):
        assert _client(client, case_world["users"][name]).get(url).status_code == 404, name
    liaison = get_user_model().objects.create_user("xc_liaison", password="pw-test-123")
    Membership.objects.create(
        user=liaison, organization=court("闽0602"), role=Membership.Role.LIAISON
    )
    assert _client(client, liaison).get(url).status_code == 200  # the court it was sent to
