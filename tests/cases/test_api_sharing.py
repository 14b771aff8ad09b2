"""Case sharing and comments API (/api/v1/case-shares/, /api/v1/case-comments/): shares
granted and revoked through the services (the partner loses the case at once), refusals
naming the field, comments per share level, case collaboration requests, the coordinated
filter of the case list, and the admin's scope and revoke action."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from rest_framework.test import APIClient

from alliance import collaboration
from alliance.models import CollaborationRequest, Organization
from cases import services
from cases.models import CaseComment, CaseShare

pytestmark = pytest.mark.django_db

SHARES = "/api/v1/case-shares/"
COMMENTS = "/api/v1/case-comments/"
CASES = "/api/v1/mediation-cases/"


@pytest.fixture
def api(case_world):
    def login(name: str) -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_authenticate(case_world["users"][name])
        return client

    return login


@pytest.fixture
def mediating(case_world):
    return case_world["cases"]["mediating"]


def grant(case_world, case, level="view", org="partner", who="mediator"):
    return services.share_grant(
        actor=case_world["users"][who],
        case=case,
        organization=case_world["orgs"][org],
        level=level,
        reason="被申请人住所地在沈阳",
    )


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- sharing --------------------------------------------------------------------------------------


def test_sharing_through_the_api_opens_the_case_to_the_partner(api, case_world, mediating):
    partner = api("partner")
    assert partner.get(f"{CASES}{mediating.pk}/").status_code == 404
    response = api("mediator").post(
        SHARES,
        {
            "case": mediating.pk,
            "organization": case_world["orgs"]["partner"].pk,
            "level": "collaborate",
            "reason": "被申请人在沈阳",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["case"]["id"] == mediating.pk and body["level"] == "collaborate"
    assert body["is_active"] is True and body["granted_by"]["username"] == "mediator"
    assert partner.get(f"{CASES}{mediating.pk}/").json()["title"] == "调解中案件"
    assert ids(partner.get(SHARES)) == {body["id"]}
    assert mediating.events.filter(verb="case.shared").count() == 1


@pytest.mark.parametrize(
    ("who", "case", "org", "field", "text"),
    [
        ("partner", "mediating", "zz_bureau", "case", "does not exist"),
        ("mediator", "mediating", "committee", "organization", "own organisation"),
        ("mediator", "mediating", "ent_b", "organization", "not an alliance member"),
    ],
)
def test_share_refusals_name_the_field(api, case_world, who, case, org, field, text):
    response = api(who).post(
        SHARES,
        {
            "case": case_world["cases"][case].pk,
            "organization": case_world["orgs"][org].pk,
            "level": "view",
            "reason": "x",
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    assert text in " ".join(response.json()[field])
    assert not CaseShare.objects.exists()


def test_sharing_twice_is_refused_and_a_clerk_may_not_share(api, case_world, mediating):
    grant(case_world, mediating)
    data = {
        "case": mediating.pk,
        "organization": case_world["orgs"]["partner"].pk,
        "level": "view",
        "reason": "再次共享",
    }
    response = api("mediator").post(SHARES, data, format="json")
    assert response.status_code == 400
    assert "already shared" in response.json()["organization"][0]
    response = api("clerk").post(SHARES, data, format="json")
    assert response.status_code == 403
    assert CaseShare.objects.count() == 1


def test_share_visibility_per_role(api, case_world, mediating):
    share = grant(case_world, mediating)
    assert ids(api("mediator").get(SHARES)) == {share.pk}
    assert ids(api("org_admin").get(SHARES)) == {share.pk}
    assert ids(api("partner").get(SHARES)) == {share.pk}
    for stranger in ("servicepoint", "enterprise", "court", "nobody"):
        assert api(stranger).get(f"{SHARES}{share.pk}/").status_code == 404, stranger
        assert ids(api(stranger).get(SHARES)) == set(), stranger


def test_share_filters(api, case_world, mediating):
    first = grant(case_world, mediating)
    second = grant(case_world, case_world["cases"]["submitted"], who="org_admin")
    services.share_revoke(actor=case_world["users"]["mediator"], share=first, reason="办结")
    client = api("org_admin")
    assert ids(client.get(SHARES, {"case": mediating.pk})) == {first.pk}
    assert ids(client.get(SHARES, {"active": "true"})) == {second.pk}
    assert ids(client.get(SHARES, {"active": "false"})) == {first.pk}
    assert ids(client.get(SHARES, {"organization": case_world["orgs"]["partner"].pk})) == {
        first.pk,
        second.pk,
    }
    assert client.get(SHARES, {"cas": 1}).status_code == 400


# --- revoking -------------------------------------------------------------------------------------


def test_revoking_removes_the_case_from_the_partner_at_once(api, case_world, mediating):
    share = grant(case_world, mediating)
    partner = api("partner")
    assert partner.get(f"{CASES}{mediating.pk}/").status_code == 200
    assert partner.post(f"{SHARES}{share.pk}/revoke/", {"reason": "x"}).status_code == 403
    response = api("mediator").post(f"{SHARES}{share.pk}/revoke/", {"reason": " "}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    response = api("mediator").post(
        f"{SHARES}{share.pk}/revoke/", {"reason": "协查事项已办结"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["is_active"] is False
    assert response.json()["revoke_reason"] == "协查事项已办结"
    assert partner.get(f"{CASES}{mediating.pk}/").status_code == 404
    assert mediating.pk not in ids(partner.get(CASES))
    again = api("mediator").post(f"{SHARES}{share.pk}/revoke/", {"reason": "x"}, format="json")
    assert again.status_code == 400
    assert again.json()["code"] == "already_revoked"


# --- case collaboration requests --------------------------------------------------------------


def test_a_case_collaboration_request_shares_the_case_while_it_runs(api, case_world, mediating):
    orgs = case_world["orgs"]
    response = api("org_admin").post(
        f"{SHARES}collaboration-request/",
        {
            "case": mediating.pk,
            "from_organization": orgs["zz_bureau"].pk,
            "to_organization": orgs["partner"].pk,
            "kind": "service",
            "subject": "协助送达调解通知书",
            "body": "请协助当面送达。",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["subject"] == "协助送达调解通知书" and body["direction"] == "sent"
    share = CaseShare.objects.get(case=mediating, request_id=body["id"])
    assert share.level == "collaborate"
    partner = api("partner")
    assert partner.get(f"{CASES}{mediating.pk}/").status_code == 200
    declined = partner.post(
        f"/api/v1/collaboration-requests/{body['id']}/decline/",
        {"note": "不在辖区"},
        format="json",
    )
    assert declined.status_code == 200
    assert partner.get(f"{CASES}{mediating.pk}/").status_code == 404


def test_a_case_collaboration_request_needs_a_visible_case_and_a_member(api, case_world):
    orgs = case_world["orgs"]
    data = {
        "case": case_world["cases"]["mediating"].pk,
        "from_organization": orgs["partner"].pk,
        "to_organization": orgs["zz_bureau"].pk,
        "kind": "evidence",
        "subject": "x",
    }
    response = api("partner").post(f"{SHARES}collaboration-request/", data, format="json")
    assert response.status_code == 400
    assert "case" in response.json()
    data.update(from_organization=orgs["zz_bureau"].pk, to_organization=orgs["committee"].pk)
    response = api("org_admin").post(f"{SHARES}collaboration-request/", data, format="json")
    assert response.status_code == 400
    assert "own organisation" in " ".join(response.json()["organization"])
    assert not CollaborationRequest.objects.exists()


# --- comments ---------------------------------------------------------------------------------


def test_a_view_share_may_not_comment(api, case_world, mediating):
    grant(case_world, mediating, level="view")
    response = api("partner").post(
        COMMENTS, {"case": mediating.pk, "body": "请补充材料"}, format="json"
    )
    assert response.status_code == 403
    assert not CaseComment.objects.exists()


def test_comments_per_share_level_and_side(api, case_world, mediating):
    grant(case_world, mediating, level="collaborate")
    response = api("partner").post(
        COMMENTS, {"case": mediating.pk, "body": "已核实批发商信息"}, format="json"
    )
    assert response.status_code == 201, response.content
    first = response.json()
    assert first["organization"]["name"] == "沈阳市市场监督管理局"
    response = api("mediator").post(
        COMMENTS, {"case": mediating.pk, "body": "收到", "reply_to": first["id"]}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["organization"]["name"] == "漳州市知识产权纠纷人民调解委员会"
    assert response.json()["reply_to"] == first["id"]
    listed = api("partner").get(COMMENTS, {"case": mediating.pk}).json()["results"]
    assert [c["body"] for c in listed] == ["已核实批发商信息", "收到"]
    for stranger in ("servicepoint", "enterprise"):
        assert ids(api(stranger).get(COMMENTS)) == set()
        assert api(stranger).get(f"{COMMENTS}{first['id']}/").status_code == 404


def test_a_comment_on_an_invisible_case_or_replying_across_cases_is_refused(
    api, case_world, mediating
):
    response = api("partner").post(COMMENTS, {"case": mediating.pk, "body": "x"}, format="json")
    assert response.status_code == 400 and "case" in response.json()
    other = services.comment_add(
        actor=case_world["users"]["mediator"], case=case_world["cases"]["submitted"], body="a"
    )
    response = api("mediator").post(
        COMMENTS, {"case": mediating.pk, "body": "b", "reply_to": other.pk}, format="json"
    )
    assert response.status_code == 400
    assert "reply_to" in response.json()


# --- the coordinated filter -------------------------------------------------------------------


def test_the_coordinated_filter_through_the_case_api(api, case_world, mediating):
    grant(case_world, mediating)
    client = api("org_admin")
    assert ids(client.get(CASES, {"coordinated": "true"})) == {mediating.pk}
    not_coordinated = ids(client.get(CASES, {"coordinated": "false"}))
    assert mediating.pk not in not_coordinated
    assert case_world["cases"]["submitted"].pk in not_coordinated


def test_a_case_request_counts_as_coordinated_once_even_after_it_ends(api, case_world):
    case = case_world["cases"]["submitted"]
    orgs, users = case_world["orgs"], case_world["users"]
    grant(case_world, case, who="org_admin")
    request = services.case_collaboration_request(
        actor=users["org_admin"],
        case=case,
        from_organization=orgs["zz_bureau"],
        to_organization=orgs["partner"],
        kind="evidence",
        subject="协助调取证据",
    )
    collaboration.collaboration_decline(actor=users["partner"], request=request, note="无法协助")
    rows = api("org_admin").get(CASES, {"coordinated": "true"}).json()["results"]
    assert [row["id"] for row in rows] == [case.pk]


# --- admin ------------------------------------------------------------------------------------


@pytest.fixture
def staff(client, settings, case_world):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def login(name: str):
        user = case_world["users"][name]
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        client.force_login(user)
        return client

    return login


def _changelist(client, model: str) -> set[int]:
    response = client.get(reverse(f"admin:cases_{model}_changelist"))
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


def test_a_staff_partner_sees_only_the_shares_made_to_it(staff, case_world, mediating):
    to_partner = grant(case_world, mediating, level="collaborate")
    xiamen = case_world["orgs"]["ent_b"].region  # any region will do for a third member
    other_member = Organization.objects.create(
        kind=Organization.Kind.BUREAU,
        name="厦门市市场监督管理局",
        region=xiamen,
        alliance_joined_on=to_partner.granted_at.date(),
    )
    elsewhere = services.share_grant(
        actor=case_world["users"]["org_admin"],
        case=case_world["cases"]["submitted"],
        organization=other_member,
        level="view",
        reason="厦门协查",
    )
    comment = services.comment_add(actor=case_world["users"]["partner"], case=mediating, body="c")
    services.comment_add(
        actor=case_world["users"]["mediator"], case=case_world["cases"]["submitted"], body="d"
    )
    client = staff("partner")
    assert _changelist(client, "caseshare") == {to_partner.pk}
    assert _changelist(client, "casecomment") == {comment.pk}
    assert _changelist(staff("org_admin"), "caseshare") == {to_partner.pk, elsewhere.pk}


def _revoke(client, pks, reason):
    return client.post(
        reverse("admin:cases_caseshare_changelist"),
        {"action": "revoke_selected", "_selected_action": pks, "reason": reason},
        follow=True,
    )


def _messages(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def test_the_admin_revoke_action_needs_a_reason_and_calls_the_service(staff, case_world, mediating):
    share = grant(case_world, mediating)
    client = staff("mediator")
    response = _revoke(client, [share.pk], " ")
    assert ("error", "Give the reason for revoking.") in _messages(response)
    assert CaseShare.objects.get(pk=share.pk).revoked_at is None
    response = _revoke(client, [share.pk], "协查完毕")
    assert ("success", "1 share revoked.") in _messages(response)
    share.refresh_from_db()
    assert share.revoked_at is not None and share.revoke_reason == "协查完毕"
    assert share.revoked_by == case_world["users"]["mediator"]
    assert mediating.events.filter(verb="case.share_revoked").count() == 1


def test_a_partner_cannot_revoke_through_the_admin(staff, case_world, mediating):
    share = grant(case_world, mediating)
    response = _revoke(staff("partner"), [share.pk], "不要了")
    assert any(level == "error" for level, _text in _messages(response))
    assert CaseShare.objects.get(pk=share.pk).revoked_at is None


def test_shares_and_comments_are_read_only_in_the_admin(staff, case_world, mediating):
    share = grant(case_world, mediating)
    client = staff("org_admin")
    url = reverse("admin:cases_caseshare_change", args=[share.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"level": "collaborate", "reason": "改"})
    share.refresh_from_db()
    assert share.level == "view"
    assert client.get(reverse("admin:cases_caseshare_add")).status_code == 403
    assert client.get(reverse("admin:cases_casecomment_add")).status_code == 403
