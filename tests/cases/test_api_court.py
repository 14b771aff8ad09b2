"""Judicial confirmations and court referrals API (/api/v1/judicial-confirmations/,
/api/v1/court-referrals/): visibility per role (a court sees only its own items), every step
through the services end to end, errors naming the field or the rule's code, the shared
FilterSets, and list query counts that do not grow with the number of rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from alliance.models import Membership, Organization
from cases import services
from cases.choices import DisputeType, PartyRole, Status
from cases.models import ConfirmationMaterial, CourtReferral, JudicialConfirmation
from tests.cases.conftest import advance, make_case, org_party

pytestmark = pytest.mark.django_db

CONFIRMATIONS = "/api/v1/judicial-confirmations/"
REFERRALS = "/api/v1/court-referrals/"
CS = JudicialConfirmation.Status
PDF = b"%PDF-1.4 test document"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def today(monkeypatch):
    """Set the service clock (``timezone.localdate``)."""
    current = {"date": timezone.localdate()}
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: current["date"])

    def set_today(value: dt.date) -> None:
        current["date"] = value

    return set_today


def court(code: str) -> Organization:
    return Organization.objects.get(court_code=code)


@pytest.fixture
def liaison(world):
    """A liaison of 芗城法院 (闽0602); the world's ``court`` user is at 漳州中院 (闽06)."""
    user = get_user_model().objects.create_user("xc_liaison", password="pw-test-123")
    Membership.objects.create(user=user, organization=court("闽0602"), role=Membership.Role.LIAISON)
    return user


@pytest.fixture
def users(case_world, liaison):
    return {**case_world["users"], "liaison": liaison}


@pytest.fixture
def api(users):
    def login(name: str) -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_authenticate(users[name])
        return client

    return login


def settled_case(case_world, *, dispute_type=DisputeType.TRADEMARK_INFRINGEMENT, title="商标纠纷"):
    users, orgs = case_world["users"], case_world["orgs"]
    case = make_case(
        users["clerk"],
        orgs["committee"],
        title=title,
        dispute_type=dispute_type,
        parties=[
            org_party(PartyRole.APPLICANT, orgs["ent_a"]),
            org_party(PartyRole.RESPONDENT, orgs["ent_b"]),
        ],
    )
    return advance(case, users["clerk"], users["mediator"], "settled")


def pdf(name: str = "doc.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, "application/pdf")


def prepared(case_world, court_code: str = "闽0602", **kwargs) -> JudicialConfirmation:
    case = settled_case(case_world, **kwargs)
    return services.confirmation_prepare(
        actor=case_world["users"]["mediator"],
        case=case,
        court=court(court_code),
        joint_application=True,
    )


def filed(case_world, court_code: str = "闽0602", **kwargs) -> JudicialConfirmation:
    confirmation = prepared(case_world, court_code, **kwargs)
    mediator = case_world["users"]["mediator"]
    for kind in ConfirmationMaterial.REQUIRED:
        services.confirmation_material_add(
            actor=mediator, confirmation=confirmation, kind=kind, file=pdf(f"{kind}.pdf")
        )
    return services.confirmation_file(actor=mediator, confirmation=confirmation)


def _url(confirmation: JudicialConfirmation, action: str = "") -> str:
    return f"{CONFIRMATIONS}{confirmation.pk}/{action + '/' if action else ''}"


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- visibility ----------------------------------------------------------------------------------


@pytest.fixture
def two_courts(case_world, today):
    """A filed application at 芗城法院 (闽0602) and a prepared one at 龙文法院 (闽0603)."""
    today(dt.date(2025, 9, 26))
    return {
        "xiangcheng": filed(case_world, "闽0602", title="芗城案件"),
        "longwen": prepared(case_world, "闽0603", title="龙文案件"),
    }


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("mediator", {"xiangcheng", "longwen"}),
        ("org_admin", {"xiangcheng", "longwen"}),
        ("liaison", {"xiangcheng"}),
        ("court", set()),  # 漳州中院 has neither
        ("partner", set()),
        ("servicepoint", set()),
        ("superuser", {"xiangcheng", "longwen"}),
    ],
)
def test_list_shows_only_the_confirmations_the_role_may_see(api, two_courts, user, expected):
    assert _ids(api(user).get(CONFIRMATIONS)) == {two_courts[name].pk for name in expected}


@pytest.mark.parametrize("user", ["court", "partner", "servicepoint"])
def test_an_item_of_another_court_or_city_is_404(api, two_courts, user):
    confirmation = two_courts["xiangcheng"]
    assert api(user).get(_url(confirmation)).status_code == 404
    assert api(user).get(_url(confirmation, "materials")).status_code == 404
    response = api(user).post(_url(confirmation, "not-accept"), {"reason": "x"}, format="json")
    assert response.status_code == 404
    confirmation.refresh_from_db()
    assert confirmation.status == CS.FILED


def test_the_liaison_cannot_reach_another_courts_item(api, two_courts):
    response = api("liaison").get(_url(two_courts["longwen"]))
    assert response.status_code == 404


def test_retrieve_has_the_documented_fields(api, two_courts):
    confirmation = two_courts["xiangcheng"]
    body = api("liaison").get(_url(confirmation)).json()
    assert body["id"] == confirmation.pk
    assert body["case"] == {
        "id": confirmation.case_id,
        "number": confirmation.case.number,
        "title": "芗城案件",
    }
    assert body["court"] == {
        "id": court("闽0602").pk,
        "name": court("闽0602").name,
        "court_code": "闽0602",
    }
    assert body["status"] == "filed"
    assert body["status_display"] == "Filed with the court"
    assert body["basis"] == "cpl"
    assert body["is_remote"] is False
    assert "205(2)" in body["court_reason"]
    assert body["joint_application"] is True
    assert body["filed_on"] == "2025-09-26"
    assert body["acceptance_due"] == "2025-09-29"  # Friday + 3 days → Monday
    assert body["window_closes_on"] == "2025-10-27"  # 10-26 is a Sunday
    assert body["court_case_number"] == ""
    assert body["accepted_on"] is None and body["decision_due"] is None
    assert body["is_extended"] is False
    assert body["has_ruling_document"] is False
    assert body["missing_materials"] == []
    assert body["version"] == confirmation.version
    assert body["outcome_reason"] == ""


def test_anonymous_is_refused(two_courts):
    response = APIClient().get(CONFIRMATIONS)
    assert response.status_code == 403
    assert "results" not in response.json()


# --- preparing -----------------------------------------------------------------------------------


def test_prepare_with_a_court_that_is_not_competent_is_a_400_naming_court(api, case_world):
    case = settled_case(case_world)
    response = api("mediator").post(
        CONFIRMATIONS, {"case": case.pk, "court": court("闽0622").pk}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert "not competent" in body["court"][0]
    assert "芗城区人民法院" in body["court"][0]  # the competent ones are named
    assert not JudicialConfirmation.objects.exists()


def test_prepare_for_a_case_the_user_cannot_see_is_a_400_naming_case(api, case_world):
    response = api("partner").post(
        CONFIRMATIONS,
        {"case": settled_case(case_world).pk, "court": court("闽0602").pk},
        format="json",
    )
    assert response.status_code == 400
    assert "case" in response.json()
    assert not JudicialConfirmation.objects.exists()


def test_prepare_by_a_court_liaison_is_403(api, case_world):
    response = api("liaison").post(
        CONFIRMATIONS,
        {"case": settled_case(case_world).pk, "court": court("闽0602").pk},
        format="json",
    )
    assert response.status_code == 403
    assert not JudicialConfirmation.objects.exists()


def test_prepare_of_an_ownership_determination_is_refused_with_its_code(api, case_world):
    case = settled_case(case_world, dispute_type=DisputeType.TRADEMARK_OWNERSHIP)
    assert case.agreement.is_ownership_determination
    response = api("mediator").post(
        CONFIRMATIONS, {"case": case.pk, "court": court("闽0602").pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "ownership_determination"
    assert "355(5)" in response.json()["detail"]


def test_prepare_of_a_case_still_mediating_is_409(api, case_world):
    response = api("mediator").post(
        CONFIRMATIONS,
        {"case": case_world["cases"]["mediating"].pk, "court": court("闽0602").pk},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "not_settled"


def test_proposed_courts_lists_each_competent_court_with_its_reason(api, case_world):
    case = settled_case(case_world, dispute_type=DisputeType.DESIGN_INFRINGEMENT)
    response = api("mediator").get(f"{CONFIRMATIONS}proposed-courts/", {"case": case.pk})
    assert response.status_code == 200, response.content
    rows = {row["court"]["court_code"]: row for row in response.json()}
    assert set(rows) == {"闽06", "闽02"}
    assert rows["闽02"]["is_remote"] is True  # Xiamen: another city than the committee's
    assert rows["闽06"]["is_remote"] is False
    assert "intermediate court" in rows["闽06"]["reason"]
    assert rows["闽06"]["court"]["name"] == court("闽06").name


def test_proposed_courts_refuses_an_unsettled_or_invisible_case(api, case_world):
    url = f"{CONFIRMATIONS}proposed-courts/"
    response = api("mediator").get(url, {"case": case_world["cases"]["mediating"].pk})
    assert response.status_code == 400
    assert "settled" in response.json()["case"][0]
    response = api("partner").get(url, {"case": settled_case(case_world).pk})
    assert response.status_code == 400
    assert "case" in response.json()
    response = api("mediator").get(url, {"case": 1, "cours": 2})
    assert response.status_code == 400
    assert "cours" in response.json()


# --- the whole application through the API ---------------------------------------------------


def test_an_application_from_preparation_to_ruling(api, case_world, today):
    today(dt.date(2025, 9, 26))
    case = settled_case(case_world)
    mediator, liaison = api("mediator"), api("liaison")

    response = mediator.post(
        CONFIRMATIONS, {"case": case.pk, "court": court("闽0602").pk}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    url = f"{CONFIRMATIONS}{body['id']}/"
    assert body["status"] == "prepared"
    assert body["joint_application"] is False
    assert body["missing_materials"] == ["application", "agreement", "identity", "contacts"]

    # Filing needs the joint application …
    response = mediator.post(f"{url}file/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "joint_application_missing"
    response = mediator.patch(
        url,
        {"joint_application": True, "joint_application_note": "申请人申请，被申请人书面同意"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["joint_application"] is True
    assert response.json()["version"] == body["version"] + 1

    # … and the required materials.
    response = mediator.post(f"{url}file/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "materials_missing"
    for kind in ConfirmationMaterial.REQUIRED:
        response = mediator.post(
            f"{url}materials/",
            {"kind": kind, "file": pdf(f"{kind}.pdf"), "note": "原件扫描"},
            format="multipart",
        )
        assert response.status_code == 201, response.content
        assert response.json()["kind"] == kind
    materials = mediator.get(f"{url}materials/").json()
    assert [m["kind"] for m in materials] == sorted(ConfirmationMaterial.REQUIRED)
    assert materials[0]["uploaded_by"]["username"] == "mediator"
    download = liaison.get(materials[0]["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF

    response = mediator.post(f"{url}file/", {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "filed"
    assert response.json()["filed_on"] == "2025-09-26"
    assert response.json()["missing_materials"] == []

    # The court's liaison records acceptance: a number of another court is refused.
    today(dt.date(2025, 9, 29))
    response = liaison.post(
        f"{url}accept/", {"court_case_number": "（2025）闽0603民特12号"}, format="json"
    )
    assert response.status_code == 400
    assert "闽0603" in response.json()["court_case_number"][0]
    response = liaison.post(
        f"{url}accept/", {"court_case_number": "(2025)闽0602民特 12号"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "accepted"
    assert body["court_case_number"] == "（2025）闽0602民特12号"
    assert body["accepted_on"] == "2025-09-29"
    assert body["decision_due"] == "2025-10-14"  # 15 days, past the National Day holiday

    response = liaison.post(f"{url}extend/", {"version": body["version"]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["is_extended"] is True
    assert response.json()["decision_due"] == "2025-10-24"  # 15 + 10 days
    response = liaison.post(f"{url}extend/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "already_extended"

    today(dt.date(2025, 10, 10))
    response = liaison.post(
        f"{url}decide/", {"confirmed": True, "ruling_on": "2025-09-28"}, format="json"
    )
    assert response.status_code == 400
    assert "2025-09-29" in response.json()["ruling_on"][0]  # before the acceptance
    response = liaison.post(
        f"{url}decide/",
        {"confirmed": "true", "ruling_on": "2025-10-09", "document": pdf("ruling.pdf")},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "confirmed"
    assert body["ruling_on"] == "2025-10-09"
    assert body["has_ruling_document"] is True
    ruling = mediator.get(f"{url}ruling-document/")
    assert ruling.status_code == 200
    assert b"".join(ruling.streaming_content) == PDF

    verbs = list(case.events.values_list("verb", flat=True))
    assert verbs[-5:] == [
        "confirmation.material_added",
        "confirmation.filed",
        "confirmation.accepted",
        "confirmation.extended",
        "confirmation.confirmed",
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("agreement.exe", PDF, "not accepted"),
        ("agreement.pdf", b"MZ\x90\x00 not a pdf", "content"),
    ],
)
def test_a_refused_upload_is_a_400_naming_file_and_nothing_is_stored(
    api, case_world, media, name, content, message
):
    confirmation = prepared(case_world)
    response = api("mediator").post(
        _url(confirmation, "materials"),
        {"kind": "agreement", "file": SimpleUploadedFile(name, content)},
        format="multipart",
    )
    assert response.status_code == 400
    assert message in response.json()["file"][0]
    assert not ConfirmationMaterial.objects.exists()
    assert not list(media.rglob("*.*"))


def test_a_court_liaison_may_not_upload_materials(api, two_courts):
    response = api("liaison").post(
        _url(two_courts["xiangcheng"], "materials"),
        {"kind": "other", "file": pdf()},
        format="multipart",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_a_stale_version_is_409_and_changes_nothing(api, two_courts):
    confirmation = two_courts["xiangcheng"]
    seen = confirmation.version
    services.confirmation_not_accept(
        actor=get_user_model().objects.get(username="xc_liaison"),
        confirmation=confirmation,
        reason="补正材料",
    )
    response = api("mediator").post(
        _url(confirmation, "withdraw"), {"reason": "当事人撤回", "version": seen}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    confirmation.refresh_from_db()
    assert confirmation.status == CS.NOT_ACCEPTED


def test_not_accept_and_withdraw_need_a_reason(api, two_courts):
    xiangcheng, longwen = two_courts["xiangcheng"], two_courts["longwen"]
    response = api("liaison").post(_url(xiangcheng, "not-accept"), {}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()
    response = api("liaison").post(
        _url(xiangcheng, "not-accept"), {"reason": "不属于本院管辖"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "not_accepted"
    assert response.json()["outcome_reason"] == "不属于本院管辖"
    response = api("mediator").post(
        _url(longwen, "withdraw"), {"reason": "当事人自愿履行"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"


def test_a_step_from_the_wrong_state_is_409(api, two_courts):
    response = api("liaison").post(_url(two_courts["xiangcheng"], "extend"), {}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_patch_refuses_workflow_fields(api, two_courts):
    confirmation = two_courts["longwen"]
    response = api("mediator").patch(
        _url(confirmation), {"status": "confirmed", "court_case_number": "x"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"status", "court_case_number"}
    confirmation.refresh_from_db()
    assert confirmation.status == CS.PREPARED
    assert api("mediator").put(_url(confirmation), {}, format="json").status_code == 405


# --- filters ------------------------------------------------------------------------------------


def test_overdue_lists_applications_the_court_has_not_acted_on_in_time(api, case_world, today):
    today(dt.date(2025, 9, 26))
    late = filed(case_world, title="逾期未受理")  # acceptance due 2025-09-29
    waiting = prepared(case_world, "闽0603", title="未提交")
    today(dt.date(2025, 9, 30))
    in_time = filed(case_world, title="刚提交")
    client = api("mediator")
    assert _ids(client.get(CONFIRMATIONS, {"overdue": "true"})) == {late.pk}
    assert _ids(client.get(CONFIRMATIONS, {"overdue": "false"})) == {waiting.pk, in_time.pk}
    row = client.get(_url(late)).json()
    assert row["is_overdue"] is True
    # Accepted: the decision clock replaces the acceptance clock.
    services.confirmation_accept(
        actor=case_world["users"]["mediator"],
        confirmation=late,
        court_case_number="（2025）闽0602民特5号",
        accepted_on=dt.date(2025, 9, 30),
    )
    assert _ids(client.get(CONFIRMATIONS, {"overdue": "true"})) == set()
    today(dt.date(2025, 10, 20))
    assert _ids(client.get(CONFIRMATIONS, {"overdue": "true"})) == {late.pk, in_time.pk}


def test_confirmation_filters(api, two_courts):
    client = api("mediator")
    xiangcheng, longwen = two_courts["xiangcheng"], two_courts["longwen"]
    assert _ids(client.get(CONFIRMATIONS, {"status": "filed"})) == {xiangcheng.pk}
    assert _ids(client.get(CONFIRMATIONS, {"court": court("闽0603").pk})) == {longwen.pk}
    assert _ids(client.get(CONFIRMATIONS, {"q": "龙文"})) == {longwen.pk}
    assert _ids(client.get(CONFIRMATIONS, {"q": xiangcheng.case.number})) == {xiangcheng.pk}
    assert _ids(client.get(CONFIRMATIONS, {"filed_after": "2025-09-26"})) == {xiangcheng.pk}
    assert _ids(client.get(CONFIRMATIONS, {"filed_before": "2025-09-25"})) == set()
    assert _ids(client.get(CONFIRMATIONS, {"is_remote": "false"})) == {xiangcheng.pk, longwen.pk}
    assert _ids(client.get(CONFIRMATIONS, {"basis": "cpl"})) == {xiangcheng.pk, longwen.pk}


def test_a_court_outside_the_users_scope_is_not_a_filter_choice(api, two_courts):
    # 龙文法院 is not among the liaison's items: choosing it is a 400, not a leak.
    response = api("liaison").get(CONFIRMATIONS, {"court": court("闽0603").pk})
    assert response.status_code == 400
    assert "court" in response.json()


def test_an_unknown_filter_or_ordering_is_a_400(api, two_courts):
    response = api("mediator").get(CONFIRMATIONS, {"stauts": "filed"})
    assert response.status_code == 400
    assert "stauts" in response.json()
    response = api("mediator").get(CONFIRMATIONS, {"ordering": "outcome_reason"})
    assert response.status_code == 400


def test_ordering(api, two_courts):
    expected = [two_courts["xiangcheng"].pk, two_courts["longwen"].pk]
    for ordering, ids in [("created_at", expected), ("-created_at", expected[::-1])]:
        rows = api("mediator").get(CONFIRMATIONS, {"ordering": ordering}).json()["results"]
        assert [row["id"] for row in rows] == ids


# --- referrals ----------------------------------------------------------------------------------


def _delegation(orgs, **overrides):
    return {
        "handling_organization": orgs["committee"].pk,
        "court": court("闽0602").pk,
        "kind": "delegation",
        "court_reference": "（2025）闽0602民诉前调 301号",
        "referred_on": "2025-09-01",
        "title": "诉前委派：外观设计专利侵权纠纷",
        "dispute_type": DisputeType.DESIGN_INFRINGEMENT,
        "facts": "申请人主张被申请人销售的产品落入其外观设计专利保护范围。",
        "claim_amount": "80000.00",
        **overrides,
    }


def test_receiving_a_delegation_opens_a_case(api, case_world, today):
    today(dt.date(2025, 9, 1))
    response = api("clerk").post(REFERRALS, _delegation(case_world["orgs"]), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    referral = CourtReferral.objects.get(pk=body["id"])
    case = referral.case
    assert body["case"]["id"] == case.pk
    assert body["case"]["title"] == "诉前委派：外观设计专利侵权纠纷"
    assert (case.status, case.source, str(case.claim_amount)) == (
        Status.DRAFT,
        "court_delegation",
        "80000.00",
    )
    assert body["direction"] == "inbound"
    assert body["kind"] == "delegation"
    assert body["court_reference"] == "（2025）闽0602民诉前调301号"
    assert body["term_ends_on"] == "2025-10-09"  # 10-01 falls in the holiday
    assert body["status"] == "open"
    assert body["court"]["court_code"] == "闽0602"


def test_receiving_refuses_a_number_that_is_not_a_pre_filing_one(api, case_world, today):
    today(dt.date(2025, 9, 1))
    response = api("clerk").post(
        REFERRALS,
        _delegation(case_world["orgs"], court_reference="（2025）闽0602民初301号"),
        format="json",
    )
    assert response.status_code == 400
    assert "民诉前调" in response.json()["court_reference"][0]
    response = api("clerk").post(
        REFERRALS, _delegation(case_world["orgs"], kind="litigation"), format="json"
    )
    assert response.status_code == 400
    assert "kind" in response.json()
    assert not CourtReferral.objects.exists()


def test_receiving_for_an_organisation_the_user_is_not_staff_of_is_a_400(api, case_world):
    response = api("partner").post(REFERRALS, _delegation(case_world["orgs"]), format="json")
    assert response.status_code == 400
    assert "handling_organization" in response.json()


def test_extend_once_with_consent_then_close(api, case_world, today):
    today(dt.date(2025, 9, 1))
    referral_id = api("clerk").post(REFERRALS, _delegation(case_world["orgs"]), format="json")
    url = f"{REFERRALS}{referral_id.json()['id']}/"
    admin = api("org_admin")
    response = admin.post(f"{url}extend/", {"days": 31, "consent": "双方同意"}, format="json")
    assert response.status_code == 400
    assert "days" in response.json()
    response = admin.post(f"{url}extend/", {"days": 20, "consent": " "}, format="json")
    assert response.status_code == 400
    assert "consent" in response.json()
    response = admin.post(
        f"{url}extend/", {"days": 20, "consent": "双方于2025-09-28书面同意延长"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["extension_days"], body["term_ends_on"]) == (20, "2025-10-21")
    response = admin.post(f"{url}extend/", {"days": 5, "consent": "再次"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "already_extended"

    today(dt.date(2025, 10, 22))
    assert _ids(admin.get(REFERRALS, {"overdue": "true"})) == {body["id"]}
    response = admin.post(
        f"{url}close/", {"outcome": "judgment", "version": body["version"]}, format="json"
    )
    assert response.status_code == 400
    assert "outcome" in response.json()  # not an outcome of a court's referral
    response = admin.post(
        f"{url}close/",
        {"outcome": "returned", "result": "期满未达成协议，退回法院", "version": body["version"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["outcome"], body["result_on"]) == (
        "closed",
        "returned",
        "2025-10-22",
    )
    assert body["outcome_display"] == "Returned to the court without agreement"
    assert _ids(admin.get(REFERRALS, {"overdue": "true"})) == set()
    response = admin.post(f"{url}close/", {"outcome": "returned"}, format="json")
    assert response.status_code == 409


def test_the_delegating_courts_liaison_sees_and_may_close_its_referral(api, case_world, today):
    today(dt.date(2025, 9, 1))
    referral_id = api("clerk").post(REFERRALS, _delegation(case_world["orgs"]), format="json")
    referral_id = referral_id.json()["id"]
    assert _ids(api("liaison").get(REFERRALS)) == {referral_id}
    assert _ids(api("court").get(REFERRALS)) == set()
    assert api("court").get(f"{REFERRALS}{referral_id}/").status_code == 404
    assert _ids(api("partner").get(REFERRALS)) == set()


def test_a_failed_case_is_referred_to_litigation(api, case_world):
    users = case_world["users"]
    case = services.case_fail(
        actor=users["mediator"], case=case_world["cases"]["mediating"], reason="被申请人拒绝赔偿"
    )
    url = f"{REFERRALS}litigation/"
    response = api("partner").post(url, {"case": case.pk, "court": court("闽0602").pk})
    assert response.status_code == 400
    assert "case" in response.json()
    response = api("org_admin").post(
        url,
        {"case": case_world["cases"]["submitted"].pk, "court": court("闽0602").pk},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "not_failed"
    response = api("mediator").post(
        url,
        {"case": case.pk, "court": court("闽0602").pk, "note": "告知当事人起诉"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["direction"], body["kind"], body["result"]) == (
        "outbound",
        "litigation",
        "告知当事人起诉",
    )
    assert body["term_ends_on"] is None
    response = api("mediator").post(
        f"{REFERRALS}{body['id']}/close/", {"outcome": "filed", "result": "已立案"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["outcome"] == "filed"
    assert _ids(api("mediator").get(REFERRALS, {"direction": "outbound"})) == {body["id"]}
    assert _ids(api("mediator").get(REFERRALS, {"kind": "delegation"})) == set()


# --- query counts -------------------------------------------------------------------------------


def _list_queries(client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), len(response.json()["results"])


def test_list_queries_do_not_grow_with_the_number_of_rows(api, case_world, today):
    today(dt.date(2025, 9, 26))
    client = api("mediator")
    filed(case_world)
    prepared(case_world, "闽0603")
    few, rows = _list_queries(client, CONFIRMATIONS)
    assert rows == 2
    for _ in range(2):
        filed(case_world)
        prepared(case_world, "闽0603")
    many, rows = _list_queries(client, CONFIRMATIONS)
    assert rows == 6
    assert many == few


def test_referral_list_queries_do_not_grow_with_the_number_of_rows(api, case_world, today):
    today(dt.date(2025, 9, 1))
    clerk = api("clerk")
    for n in range(2):
        clerk.post(
            REFERRALS,
            _delegation(case_world["orgs"], court_reference=f"（2025）闽0602民诉前调{n + 1}号"),
            format="json",
        )
    few, rows = _list_queries(clerk, REFERRALS)
    assert rows == 2
    for n in range(2, 6):
        clerk.post(
            REFERRALS,
            _delegation(case_world["orgs"], court_reference=f"（2025）闽0602民诉前调{n + 1}号"),
            format="json",
        )
    many, rows = _list_queries(clerk, REFERRALS)
    assert rows == 6
    assert many == few
