"""Cases REST API (/api/v1/mediation-cases/ and the child endpoints): the same selectors,
FilterSet, rules and services as the case pages; errors as JSON naming field or code;
query counts that do not grow with page size."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from cases import services
from cases.api.views import MediationCaseViewSet
from cases.choices import TRANSITIONS, DisputeType, PartyRole, Status
from cases.filters import MediationCaseFilterSet
from cases.models import Agreement, CaseEvent, CaseRight, MediationCase, MediationSession, Party
from tests.cases.conftest import advance, make_case, org_party, person_party

CASES = "/api/v1/mediation-cases/"
PARTIES = "/api/v1/case-parties/"
RIGHTS = "/api/v1/case-rights/"
SESSIONS = "/api/v1/mediation-sessions/"
AGREEMENTS = "/api/v1/agreements/"
EVENTS = "/api/v1/case-events/"
ID_NUMBER = "11010519491231002X"
MASKED_ID = "110105********002X"


@pytest.fixture
def api(case_world):
    def login(name: str | None = None) -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        if name is not None:
            client.force_authenticate(case_world["users"][name])
        return client

    return login


@pytest.fixture
def cases(case_world):
    return case_world["cases"]


@pytest.fixture
def orgs(case_world):
    return case_world["orgs"]


@pytest.fixture
def users(case_world):
    return case_world["users"]


def _titles(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["title"] for row in response.json()["results"]}


def _url(case: MediationCase, action: str = "") -> str:
    return f"{CASES}{case.pk}/{action + '/' if action else ''}"


def _tomorrow() -> str:
    return (timezone.now() + dt.timedelta(days=1)).isoformat()


# ---------------------------------------------------------------------------------------------
# List and retrieve: visibility by role
# ---------------------------------------------------------------------------------------------

ZHANGZHOU = {"草稿案件", "已提交案件", "调解中案件"}


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("mediator", ZHANGZHOU),
        ("clerk", ZHANGZHOU),
        ("org_admin", ZHANGZHOU),
        ("partner", {"沈阳案件"}),
        ("enterprise", {"已提交案件", "调解中案件"}),
        ("superuser", ZHANGZHOU | {"沈阳案件"}),
        ("servicepoint", set()),
        ("nobody", set()),
    ],
)
def test_list_shows_only_the_cases_the_role_may_see(api, user, expected):
    assert _titles(api(user).get(CASES)) == expected


def test_anonymous_list_is_refused(api):
    response = api().get(CASES)
    assert response.status_code == 403
    assert "results" not in response.json()


def test_list_row_has_the_documented_fields(api, cases, orgs, users):
    body = api("mediator").get(CASES, {"status": "mediating"}).json()
    assert len(body["results"]) == 1
    row = body["results"][0]
    case = cases["mediating"]
    assert row["id"] == case.pk
    assert row["number"] == case.number and row["number"].startswith("漳知调〔")
    assert row["status"] == "mediating"
    assert row["status_display"] == "Mediating"
    assert row["title"] == "调解中案件"
    assert row["dispute_type"] == DisputeType.DESIGN_INFRINGEMENT
    assert row["handling_organization"] == {
        "id": orgs["committee"].pk,
        "name": "漳州市知识产权纠纷人民调解委员会",
    }
    assert [m["username"] for m in row["mediators"]] == ["mediator"]
    assert row["version"] == MediationCase.objects.get(pk=case.pk).version
    assert row["url"].endswith(f"/api/v1/mediation-cases/{case.pk}/")
    assert row["web_url"] == f"/cases/{case.pk}/"
    assert row["received_on"] == timezone.localdate().isoformat()
    assert row["is_cross_region"] is True  # the respondent is in Xiamen
    assert "available_transitions" not in row


def test_amounts_are_strings_with_two_decimals(api, cases):
    body = api("clerk").get(_url(cases["submitted"])).json()
    assert body["claim_amount"] == "120000.00"
    assert body["settled_amount"] is None


def test_retrieve_lists_the_transitions_the_user_may_start(api, cases):
    assert api("mediator").get(_url(cases["submitted"])).json()["available_transitions"] == [
        "accept",
        "decline",
    ]
    assert api("enterprise").get(_url(cases["submitted"])).json()["available_transitions"] == []


def test_partner_case_is_404_for_zhangzhou_users(api, cases):
    for user in ("mediator", "clerk", "org_admin", "enterprise"):
        response = api(user).get(_url(cases["partner"]))
        assert response.status_code == 404, user
        assert "沈阳案件" not in response.content.decode()
    assert api("partner").get(_url(cases["partner"])).json()["title"] == "沈阳案件"


def test_enterprise_never_sees_a_draft(api, cases):
    assert api("enterprise").get(_url(cases["draft"])).status_code == 404


def test_case_list_uses_the_shared_filterset():
    assert MediationCaseViewSet.filterset_class is MediationCaseFilterSet


# ---------------------------------------------------------------------------------------------
# Filters and ordering through the API
# ---------------------------------------------------------------------------------------------


def test_filter_by_status(api):
    assert _titles(api("mediator").get(CASES, {"status": "submitted"})) == {"已提交案件"}


def test_filter_by_several_statuses(api):
    titles = _titles(api("mediator").get(CASES, {"status": ["submitted", "draft"]}))
    assert titles == {"已提交案件", "草稿案件"}


def test_filter_q_matches_title(api):
    assert _titles(api("mediator").get(CASES, {"q": "调解中"})) == {"调解中案件"}


def test_filter_q_matches_a_party_name(api):
    # 张三 is the natural-person third party of the mediating case only.
    assert _titles(api("mediator").get(CASES, {"q": "张三"})) == {"调解中案件"}


def test_filter_q_does_not_reach_invisible_cases(api):
    # 李四 is a party of the partner bureau's case.
    assert _titles(api("mediator").get(CASES, {"q": "李四"})) == set()
    assert _titles(api("partner").get(CASES, {"q": "李四"})) == {"沈阳案件"}


def test_filter_by_mediator(api, users):
    titles = _titles(api("clerk").get(CASES, {"mediator": users["mediator"].pk}))
    assert titles == {"调解中案件"}


def test_unknown_filter_parameter_is_a_400_naming_it(api):
    response = api("mediator").get(CASES, {"stauts": "draft"})
    assert response.status_code == 400
    assert list(response.json()) == ["stauts"]


def test_invalid_status_value_is_a_400_on_status(api):
    response = api("mediator").get(CASES, {"status": "archived"})
    assert response.status_code == 400
    assert "status" in response.json()


def test_ordering_by_title(api):
    body = api("mediator").get(CASES, {"ordering": "title"}).json()
    titles = [row["title"] for row in body["results"]]
    assert titles == sorted(ZHANGZHOU)


def test_unknown_ordering_is_a_400(api):
    response = api("mediator").get(CASES, {"ordering": "outcome_reason"})
    assert response.status_code == 400
    assert "outcome_reason" in response.json()["ordering"][0]


# ---------------------------------------------------------------------------------------------
# Create, update, delete
# ---------------------------------------------------------------------------------------------


def _new_case(orgs, **overrides):
    payload = {
        "handling_organization": orgs["committee"].pk,
        "title": "接口立案的商标侵权纠纷",
        "dispute_type": DisputeType.TRADEMARK_INFRINGEMENT,
        "claim_amount": "3000.50",
    }
    payload.update(overrides)
    return payload


def test_clerk_creates_a_draft(api, orgs, users):
    response = api("clerk").post(CASES, _new_case(orgs), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft"
    assert body["number"] == ""
    assert body["claim_amount"] == "3000.50"
    assert body["handling_organization"]["id"] == orgs["committee"].pk
    case = MediationCase.objects.get(pk=body["id"])
    assert case.created_by == users["clerk"]
    assert case.claim_amount == Decimal("3000.50")
    assert list(case.events.values_list("verb", flat=True)) == ["case.created"]


def test_create_without_title_is_a_400_naming_title(api, orgs):
    before = MediationCase.objects.count()
    response = api("clerk").post(CASES, _new_case(orgs, title=""), format="json")
    assert response.status_code == 400
    assert "title" in response.json()
    assert MediationCase.objects.count() == before


def test_create_with_an_unknown_dispute_type_is_a_400_naming_it(api, orgs):
    response = api("clerk").post(CASES, _new_case(orgs, dispute_type="piracy"), format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["dispute_type"]


@pytest.mark.parametrize("amount", ["-1.00", "10.005"])
def test_create_with_a_bad_amount_is_a_400_naming_claim_amount(api, orgs, amount):
    response = api("clerk").post(CASES, _new_case(orgs, claim_amount=amount), format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["claim_amount"]


def test_create_for_an_organisation_the_user_is_not_staff_of_is_a_400(api, orgs):
    response = api("clerk").post(
        CASES, _new_case(orgs, handling_organization=orgs["partner"].pk), format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["handling_organization"]
    assert not MediationCase.objects.filter(title="接口立案的商标侵权纠纷").exists()


def test_create_by_an_enterprise_user_is_403(api, orgs):
    response = api("enterprise").post(CASES, _new_case(orgs), format="json")
    assert response.status_code == 403
    assert not MediationCase.objects.filter(title="接口立案的商标侵权纠纷").exists()


def test_create_refuses_a_status(api, orgs):
    response = api("clerk").post(CASES, _new_case(orgs, status="closed"), format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["status"]
    assert not MediationCase.objects.filter(title="接口立案的商标侵权纠纷").exists()


def test_patch_edits_a_non_workflow_field_and_records_it(api, cases, users):
    case = cases["draft"]
    version = MediationCase.objects.get(pk=case.pk).version
    response = api("clerk").patch(
        _url(case), {"title": "改过的草稿", "facts": "事实与理由"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["title"] == "改过的草稿"
    assert response.json()["version"] == version + 1
    case.refresh_from_db()
    assert (case.title, case.facts) == ("改过的草稿", "事实与理由")
    event = case.events.order_by("-pk").first()
    assert (event.verb, event.actor, event.data) == (
        "case.updated",
        users["clerk"],
        {"fields": ["facts", "title"]},
    )


def test_put_replaces_the_editable_fields(api, cases):
    case = cases["submitted"]
    response = api("mediator").put(
        _url(case),
        {"title": "全量更新", "dispute_type": DisputeType.OTHER, "claim_amount": "1.10"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    case.refresh_from_db()
    assert (case.title, case.dispute_type, case.claim_amount) == (
        "全量更新",
        DisputeType.OTHER,
        Decimal("1.10"),
    )


def test_patch_refuses_workflow_fields_and_changes_nothing(api, cases):
    case = cases["submitted"]
    response = api("mediator").patch(
        _url(case), {"status": "closed", "number": "X", "title": "不应保存"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"status", "number"}
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED
    assert case.title == "已提交案件"


def test_patch_with_a_stale_version_is_409(api, cases):
    case = cases["draft"]
    stale = MediationCase.objects.get(pk=case.pk).version
    services.case_update(actor=case.created_by, case=case, title="别人先改了")
    response = api("clerk").patch(_url(case), {"title": "我的", "version": stale}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    case.refresh_from_db()
    assert case.title == "别人先改了"


def test_patch_with_the_current_version_succeeds(api, cases):
    case = cases["draft"]
    version = MediationCase.objects.get(pk=case.pk).version
    response = api("clerk").patch(_url(case), {"title": "新", "version": version}, format="json")
    assert response.status_code == 200
    assert response.json()["version"] == version + 1


def test_patch_by_an_unassigned_mediator_after_intake_is_403(api, cases):
    case = cases["mediating"]
    response = api("mediator2").patch(_url(case), {"title": "越权"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    case.refresh_from_db()
    assert case.title == "调解中案件"


def test_patch_of_an_invisible_case_is_404(api, cases):
    response = api("mediator").patch(_url(cases["partner"]), {"title": "x"}, format="json")
    assert response.status_code == 404
    assert MediationCase.objects.get(pk=cases["partner"].pk).title == "沈阳案件"


def test_delete_a_draft(api, cases):
    response = api("clerk").delete(_url(cases["draft"]))
    assert response.status_code == 204
    assert not MediationCase.objects.filter(pk=cases["draft"].pk).exists()


def test_delete_of_a_submitted_case_is_refused(api, cases):
    response = api("clerk").delete(_url(cases["submitted"]))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    response = api("superuser").delete(_url(cases["submitted"]))
    assert response.status_code == 409
    assert response.json()["code"] == "not_draft"
    assert MediationCase.objects.filter(pk=cases["submitted"].pk).exists()


# ---------------------------------------------------------------------------------------------
# The workflow end to end through the API
# ---------------------------------------------------------------------------------------------


def test_every_transition_has_an_endpoint():
    actions = {a.url_path for a in MediationCaseViewSet.get_extra_actions()}
    assert set(TRANSITIONS) <= actions


def test_full_workflow_through_the_api(api, orgs, users):
    clerk, mediator = api("clerk"), api("mediator")
    case_id = clerk.post(CASES, _new_case(orgs), format="json").json()["id"]
    case_url = f"{CASES}{case_id}/"

    # Submitting without parties is refused with the condition's code.
    response = clerk.post(f"{case_url}submit/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "parties_missing"

    response = clerk.post(
        PARTIES,
        {"case": case_id, "role": "applicant", "kind": "organization",
         "organization": orgs["ent_a"].pk},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    assert response.json()["name"] == "漳州甲食品有限公司"
    response = clerk.post(
        PARTIES,
        {"case": case_id, "role": "respondent", "kind": "person", "name": "王五",
         "id_number": ID_NUMBER, "region": "350602"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()

    response = clerk.post(f"{case_url}submit/", {}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "submitted"
    assert body["number"] == f"漳知调〔{timezone.localdate().year}〕第0003号"

    # Accepting needs a mediator.
    response = mediator.post(f"{case_url}accept/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "no_mediator"
    response = mediator.post(f"{case_url}assign/", {"mediator": users["mediator"].pk})
    assert response.status_code == 200, response.json()
    assert [m["username"] for m in response.json()["mediators"]] == ["mediator"]
    response = mediator.post(f"{case_url}accept/", {"version": response.json()["version"]})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "accepted"
    assert response.json()["accepted_on"] == timezone.localdate().isoformat()

    # Starting needs a session, scheduled through the sessions endpoint.
    response = mediator.post(f"{case_url}start_mediation/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "no_session"
    response = mediator.post(
        SESSIONS,
        {"case": case_id, "starts_at": _tomorrow(), "online_link": "https://meet.example.cn/1"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    session_id = response.json()["id"]
    response = mediator.post(f"{case_url}start_mediation/", {}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "mediating"

    response = mediator.post(
        f"{SESSIONS}{session_id}/record/",
        {"minutes": "双方同意调解方案", "outcome": "agreement"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["outcome"] == "agreement"
    assert response.json()["recorded_at"] is not None

    # Settling needs a signed agreement.
    response = mediator.post(f"{case_url}settle/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "no_agreement"
    today = timezone.localdate().isoformat()
    response = mediator.post(
        AGREEMENTS,
        {"case": case_id, "terms": "被申请人赔偿申请人人民币8,000元。", "amount": "8000",
         "signed_on": today, "effective_on": today},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    assert response.json()["amount"] == "8000.00"
    assert response.json()["is_ownership_determination"] is False
    response = mediator.post(f"{case_url}settle/", {}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "settled"
    assert response.json()["settled_amount"] == "8000.00"

    response = mediator.post(f"{case_url}close/", {"reason": "当事人放弃司法确认"})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "closed"
    assert response.json()["closed_on"] == today

    timeline = mediator.get(f"{case_url}timeline/").json()
    verbs = [event["verb"] for event in timeline]
    assert verbs[0] == "case.closed"
    assert verbs[-1] == "case.created"
    for verb in (
        "case.submitted",
        "case.assigned",
        "case.accepted",
        "case.mediating",
        "session.scheduled",
        "session.recorded",
        "agreement.recorded",
        "case.settled",
    ):
        assert verb in verbs  # fmt: skip
    closed = timeline[0]
    assert closed["actor"]["username"] == "mediator"
    assert (closed["from_status"], closed["to_status"]) == ("settled", "closed")
    assert closed["data"] == {"waiver_reason": "当事人放弃司法确认"}


def test_decline_with_a_reason(api, cases):
    response = api("mediator").post(
        _url(cases["submitted"], "decline"), {"reason": "不属于受案范围"}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "declined"
    assert response.json()["outcome_reason"] == "不属于受案范围"


def test_fail_with_a_reason(api, cases):
    response = api("mediator").post(_url(cases["mediating"], "fail"), {"reason": "分歧过大"})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "failed"


def test_withdraw_records_the_withdrawal_date(api, cases):
    response = api("mediator").post(
        _url(cases["mediating"], "withdraw"),
        {"reason": "申请人撤回申请", "withdrawn_on": "2026-01-05"},
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "withdrawn"
    event = CaseEvent.objects.filter(case=cases["mediating"], verb="case.withdrawn").get()
    assert event.data["withdrawn_on"] == "2026-01-05"


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_decline_without_a_reason_is_a_400_naming_reason(api, cases, reason):
    body = {} if reason is None else {"reason": reason}
    response = api("mediator").post(_url(cases["submitted"], "decline"), body, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()
    assert MediationCase.objects.get(pk=cases["submitted"].pk).status == Status.SUBMITTED


def test_a_transition_from_the_wrong_state_is_409(api, cases):
    response = api("mediator").post(_url(cases["draft"], "accept"), {}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "invalid_transition"
    assert "Draft" in body["detail"]
    assert MediationCase.objects.get(pk=cases["draft"].pk).status == Status.DRAFT


def test_a_transition_by_a_user_who_sees_but_may_not_act_is_403(api, cases):
    response = api("enterprise").post(_url(cases["submitted"], "accept"), {}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    response = api("mediator2").post(
        _url(cases["mediating"], "fail"), {"reason": "未指派"}, format="json"
    )
    assert response.status_code == 403
    assert MediationCase.objects.get(pk=cases["mediating"].pk).status == Status.MEDIATING


def test_a_transition_on_an_invisible_case_is_404(api, cases):
    response = api("mediator").post(_url(cases["partner"], "accept"), {}, format="json")
    assert response.status_code == 404
    assert MediationCase.objects.get(pk=cases["partner"].pk).status == Status.SUBMITTED


def test_a_transition_with_a_stale_version_is_409(api, cases, users):
    case = cases["submitted"]
    stale = MediationCase.objects.get(pk=case.pk).version
    services.case_assign(actor=users["mediator"], case=case, mediator=users["mediator"])
    response = api("mediator").post(_url(case, "accept"), {"version": stale}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert MediationCase.objects.get(pk=case.pk).status == Status.SUBMITTED


def test_assign_refuses_a_user_who_is_not_a_mediator_there(api, cases, users):
    response = api("mediator").post(
        _url(cases["submitted"], "assign"), {"mediator": users["partner"].pk}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["mediator"]
    assert not cases["submitted"].assignments.exists()


def test_unassign_removes_the_mediator(api, cases, users):
    response = api("org_admin").post(
        _url(cases["mediating"], "unassign"), {"mediator": users["mediator"].pk}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["mediators"] == []
    assert not cases["mediating"].assignments.filter(unassigned_at__isnull=True).exists()


def test_unassign_of_someone_not_assigned_is_a_400(api, cases, users):
    response = api("org_admin").post(
        _url(cases["mediating"], "unassign"), {"mediator": users["mediator2"].pk}, format="json"
    )
    assert response.status_code == 400
    assert "mediator" in response.json()


def test_timeline_of_an_invisible_case_is_404(api, cases):
    assert api("mediator").get(_url(cases["partner"], "timeline")).status_code == 404


# ---------------------------------------------------------------------------------------------
# Related disputes
# ---------------------------------------------------------------------------------------------


def test_related_links_visible_cases_and_counts_the_others(api, cases, orgs, users, case_world):
    patent = case_world["ips"]["patent_a"]
    for case in (cases["submitted"], cases["mediating"]):
        services.right_add(actor=users["mediator"], case=case, intellectual_property=patent)
    services.right_add(actor=users["partner"], case=cases["partner"], intellectual_property=patent)
    body = api("mediator").get(_url(cases["submitted"], "related")).json()
    assert [row["title"] for row in body["visible"]] == ["调解中案件"]
    assert body["hidden_count"] == 1
    assert body["hidden_cities"] == 1
    assert body["total"] == 2
    assert "沈阳案件" not in str(body)


# ---------------------------------------------------------------------------------------------
# Parties
# ---------------------------------------------------------------------------------------------


def _person(case) -> Party:
    return Party.objects.get(case=case, kind="person")


def test_parties_list_is_filtered_by_case(api, cases):
    body = api("clerk").get(PARTIES, {"case": cases["mediating"].pk}).json()
    assert {(row["role"], row["name"]) for row in body["results"]} == {
        ("applicant", "漳州甲食品有限公司"),
        ("respondent", "厦门乙科技有限公司"),
        ("third_party", "张三"),
    }


def test_parties_of_an_invisible_case_are_not_listed(api, cases):
    body = api("mediator").get(PARTIES, {"case": cases["partner"].pk}).json()
    assert len(body["results"]) == 0
    response = api("mediator").get(f"{PARTIES}{_person(cases['partner']).pk}/")
    assert response.status_code == 404


def test_handling_mediator_sees_the_full_id_number(api, cases):
    body = api("mediator").get(f"{PARTIES}{_person(cases['mediating']).pk}/").json()
    assert body["id_number"] == ID_NUMBER


@pytest.mark.parametrize("user", ["clerk", "org_admin", "enterprise"])
def test_others_see_the_id_number_masked(api, cases, user):
    body = api(user).get(PARTIES, {"case": cases["mediating"].pk}).json()
    numbers = {row["name"]: row["id_number"] for row in body["results"]}
    assert numbers["张三"] == MASKED_ID
    assert ID_NUMBER not in str(body)


def test_party_create_on_an_invisible_case_is_a_400_naming_case(api, cases):
    before = Party.objects.count()
    response = api("mediator").post(
        PARTIES,
        {"case": cases["partner"].pk, "role": "third_party", "kind": "person", "name": "赵六"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["case"]
    assert "沈阳" not in response.content.decode()
    assert Party.objects.count() == before


def test_party_create_with_an_invalid_id_number_is_a_400_naming_it(api, cases):
    response = api("clerk").post(
        PARTIES,
        {"case": cases["draft"].pk, "role": "respondent", "kind": "person", "name": "赵六",
         "id_number": "110105194912310021"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert list(response.json()) == ["id_number"]
    assert not Party.objects.filter(name="赵六").exists()


def test_organisation_party_needs_its_organisation(api, cases):
    response = api("clerk").post(
        PARTIES,
        {"case": cases["draft"].pk, "role": "respondent", "kind": "organization"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["organization"]


def test_party_update_and_remove(api, cases, orgs):
    party = Party.objects.get(case=cases["draft"], role=PartyRole.APPLICANT)
    client = api("clerk")
    response = client.patch(f"{PARTIES}{party.pk}/", {"agent_name": "律师甲"}, format="json")
    assert response.status_code == 200, response.json()
    party.refresh_from_db()
    assert party.agent_name == "律师甲"
    response = client.patch(f"{PARTIES}{party.pk}/", {"case": cases["submitted"].pk}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["case"]
    response = client.delete(f"{PARTIES}{party.pk}/")
    assert response.status_code == 204
    assert not Party.objects.filter(pk=party.pk).exists()
    assert cases["draft"].events.filter(verb="party.removed").exists()


def test_party_edit_by_a_user_who_may_only_see_is_403(api, cases):
    party = _person(cases["mediating"])
    response = api("enterprise").patch(f"{PARTIES}{party.pk}/", {"name": "改名"}, format="json")
    assert response.status_code == 403
    party.refresh_from_db()
    assert party.name == "张三"


# ---------------------------------------------------------------------------------------------
# Rights, sessions, agreements, events
# ---------------------------------------------------------------------------------------------


def test_right_add_from_the_directory_and_remove(api, cases, case_world):
    patent = case_world["ips"]["patent_a"]
    client = api("clerk")
    response = client.post(
        RIGHTS, {"case": cases["draft"].pk, "intellectual_property": patent.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["kind"] == patent.kind
    assert response.json()["number"] == patent.number
    right_id = response.json()["id"]
    assert len(client.get(RIGHTS, {"case": cases["draft"].pk}).json()["results"]) == 1
    assert client.delete(f"{RIGHTS}{right_id}/").status_code == 204
    assert not CaseRight.objects.filter(pk=right_id).exists()


def test_right_with_an_invalid_number_is_a_400_naming_number(api, cases):
    response = api("clerk").post(
        RIGHTS,
        {"case": cases["draft"].pk, "kind": "invention_patent", "number": "201710601862.0"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["number"]


def test_right_needs_a_number_or_description(api, cases):
    response = api("clerk").post(
        RIGHTS, {"case": cases["draft"].pk, "kind": "trademark"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["number"]


def test_session_on_a_submitted_case_is_refused(api, cases):
    response = api("mediator").post(
        SESSIONS,
        {"case": cases["submitted"].pk, "starts_at": _tomorrow(), "location": "第一调解室"},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert not MediationSession.objects.filter(case=cases["submitted"]).exists()


def test_session_needs_a_place(api, cases):
    response = api("mediator").post(
        SESSIONS, {"case": cases["mediating"].pk, "starts_at": _tomorrow()}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["location"]


def test_sessions_list_is_scoped(api, cases):
    assert len(api("partner").get(SESSIONS).json()["results"]) == 0
    body = api("enterprise").get(SESSIONS).json()
    assert [row["case"] for row in body["results"]] == [cases["mediating"].pk]


def test_agreement_with_a_negative_amount_is_a_400_naming_amount(api, cases):
    response = api("mediator").post(
        AGREEMENTS,
        {"case": cases["mediating"].pk, "terms": "赔偿", "amount": "-5.00"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["amount"]
    assert not Agreement.objects.filter(case=cases["mediating"]).exists()


def test_agreement_amount_with_three_decimals_is_a_400(api, cases):
    response = api("mediator").post(
        AGREEMENTS,
        {"case": cases["mediating"].pk, "terms": "赔偿", "amount": "5.001"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["amount"]


def test_agreement_outside_mediation_is_refused(api, cases):
    response = api("org_admin").post(
        AGREEMENTS, {"case": cases["submitted"].pk, "terms": "赔偿"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    response = api("superuser").post(
        AGREEMENTS, {"case": cases["submitted"].pk, "terms": "赔偿"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "not_mediating"


def test_agreement_of_an_ownership_dispute_is_flagged(api, orgs, users):
    case = advance(
        make_case(
            users["clerk"],
            orgs["committee"],
            title="专利权属纠纷",
            dispute_type=DisputeType.PATENT_OWNERSHIP,
            parties=[
                org_party(PartyRole.APPLICANT, orgs["ent_a"]),
                person_party(PartyRole.RESPONDENT),
            ],
        ),
        users["clerk"],
        users["mediator"],
        "mediating",
    )
    client = api("mediator")
    response = client.post(
        AGREEMENTS, {"case": case.pk, "terms": "确认专利权归申请人所有"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["is_ownership_determination"] is True
    agreement_id = response.json()["id"]
    response = client.patch(
        f"{AGREEMENTS}{agreement_id}/",
        {"is_ownership_determination": False, "amount": "10.50"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    agreement = Agreement.objects.get(pk=agreement_id)
    assert agreement.is_ownership_determination is False
    assert agreement.amount == Decimal("10.50")
    response = client.post(AGREEMENTS, {"case": case.pk, "terms": "第二份"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["case"]


def test_agreements_of_invisible_cases_are_404(api, cases, orgs, users):
    case = advance(
        make_case(
            users["partner"],
            orgs["partner"],
            title="沈阳调解",
            parties=[
                org_party(PartyRole.APPLICANT, orgs["ent_b"]),
                person_party(PartyRole.RESPONDENT, name="李四"),
            ],
        ),
        users["partner"],
        users["partner"],
        "settled",
    )
    agreement = Agreement.objects.get(case=case)
    assert api("mediator").get(f"{AGREEMENTS}{agreement.pk}/").status_code == 404
    assert len(api("mediator").get(AGREEMENTS).json()["results"]) == 0
    assert api("partner").get(f"{AGREEMENTS}{agreement.pk}/").json()["amount"] == "50000.00"


def test_case_events_are_scoped_and_read_only(api, cases):
    body = api("partner").get(EVENTS, {"page_size": 100}).json()
    assert {row["case"] for row in body["results"]} == {cases["partner"].pk}
    assert body["results"][0]["verb"] == "case.submitted"  # newest first
    response = api("superuser").post(EVENTS, {"case": cases["draft"].pk, "verb": "x"})
    assert response.status_code == 405


def test_case_events_filter_by_verb(api, cases):
    body = api("clerk").get(EVENTS, {"verb": "case.submitted", "page_size": 100}).json()
    assert {row["case"] for row in body["results"]} == {
        cases["submitted"].pk,
        cases["mediating"].pk,
    }


# ---------------------------------------------------------------------------------------------
# Query counts
# ---------------------------------------------------------------------------------------------


def _list_queries(client: APIClient, url: str, params: dict) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries), len(response.json()["results"])


def _more_cases(orgs, users, count: int) -> None:
    for i in range(count):
        case = make_case(users["clerk"], orgs["committee"], title=f"批量案件{i:02d}")
        services.case_assign(actor=users["mediator"], case=case, mediator=users["mediator"])


def test_case_list_queries_do_not_grow_with_page_size(api, orgs, users):
    client = api("org_admin")
    client.get(CASES)  # warm the per-user caches
    _more_cases(orgs, users, 2)
    small, rows_small = _list_queries(client, CASES, {"page_size": 5})
    _more_cases(orgs, users, 23)
    large, rows_large = _list_queries(client, CASES, {"page_size": 25})
    assert (rows_small, rows_large) == (5, 25)
    assert small == large <= 8


def test_parties_list_queries_do_not_grow_with_page_size(api, orgs, users):
    client = api("clerk")
    client.get(PARTIES)
    small, rows_small = _list_queries(client, PARTIES, {"page_size": 5})
    for i in range(25):
        make_case(
            users["clerk"],
            orgs["committee"],
            title=f"当事人案件{i}",
            parties=[person_party(PartyRole.APPLICANT, name=f"自然人{i}")],
        )
    large, rows_large = _list_queries(client, PARTIES, {"page_size": 25})
    assert (rows_small, rows_large) == (5, 25)
    assert small == large


# ---------------------------------------------------------------------------------------------
# OpenAPI
# ---------------------------------------------------------------------------------------------


def test_schema_documents_the_transitions_and_filters(api):
    schema = api("clerk").get("/api/v1/schema/", {"format": "json"}).json()
    for name in TRANSITIONS:
        operation = schema["paths"][f"/api/v1/mediation-cases/{{id}}/{name}/"]["post"]
        assert {"200", "400", "403", "404", "409"} <= set(operation["responses"]), name
    close = schema["paths"]["/api/v1/mediation-cases/{id}/close/"]["post"]
    body = close["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert schema["components"]["schemas"][body.rsplit("/", 1)[1]]["required"] == ["reason"]
    params = {
        p["name"]: p["schema"]
        for p in schema["paths"]["/api/v1/mediation-cases/"]["get"]["parameters"]
    }
    assert {"q", "status", "mediator", "received_after", "ordering"} <= set(params)
    assert params["mediator"]["type"] == "integer"
