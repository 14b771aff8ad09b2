"""Partner cities see what was shared with them and nothing else (issue 5): shares,
revocation, request-linked shares, comments, collaboration requests and one policy."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from alliance import collaboration
from alliance import selectors as alliance_selectors
from alliance.models import CollaborationRequest, Organization, Region
from cases import selectors, services
from cases.filters import MediationCaseFilterSet
from cases.models import CaseComment, CaseShare, MediationCase
from tests.cases.conftest import case_page
from zhangzhou_ip.core.errors import DomainError, PermissionDenied
from zhangzhou_ip.core.models import Notification

pytestmark = pytest.mark.django_db

Kind = CollaborationRequest.Kind


@pytest.fixture
def today(monkeypatch):
    current = {"date": timezone.localdate()}
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: current["date"])

    def set_today(value: dt.date) -> None:
        current["date"] = value

    return set_today


@pytest.fixture
def mediating(case_world):
    return case_world["cases"]["mediating"]


def share(case_world, case, level="view", who="mediator"):
    return services.share_grant(
        actor=case_world["users"][who],
        case=case,
        organization=case_world["orgs"]["partner"],
        level=level,
        reason="沈阳当事人住所地协查",
    )


# --- granting and refusing ----------------------------------------------------------------


def test_a_share_lets_the_partner_see_the_case_and_its_children(case_world, mediating):
    partner = case_world["users"]["partner"]
    assert not partner.has_perm("cases.view_mediationcase", mediating)
    share(case_world, mediating)
    assert partner.has_perm("cases.view_mediationcase", mediating)
    assert mediating in selectors.case_visible_to(partner)
    assert mediating in selectors.shared_with(partner)
    assert set(selectors.party_visible_to(partner).filter(case=mediating)) == set(
        mediating.parties.all()
    )
    assert selectors.event_visible_to(partner).filter(case=mediating).exists()  # timeline
    assert not selectors.sees_summary_only(partner, mediating)
    # ID numbers stay masked; no edit, transition or assignment rights.
    assert not selectors.may_see_full_id_numbers(partner, mediating)
    for perm in (
        "cases.change_mediationcase",
        "cases.fail_mediationcase",
        "cases.assign_mediationcase",
        "cases.share_mediationcase",
    ):
        assert not partner.has_perm(perm, mediating), perm
    event = mediating.events.get(verb="case.shared")
    assert event.data["level"] == "view"


@pytest.mark.parametrize(
    ("target", "field", "text"),
    [
        ("committee", "organization", "own organisation"),
        ("zz_bureau", "organization", "own organisation"),
        ("ent_a", "organization", "not an alliance member"),
    ],
)
def test_sharing_with_oneself_or_a_non_member_is_refused(
    case_world, mediating, target, field, text
):
    with pytest.raises(ValidationError) as excinfo:
        services.share_grant(
            actor=case_world["users"]["mediator"],
            case=mediating,
            organization=case_world["orgs"][target],
            level="view",
            reason="x",
        )
    assert text in excinfo.value.message_dict[field][0]
    assert not CaseShare.objects.exists()


def test_sharing_twice_or_without_a_reason_is_refused(case_world, mediating):
    share(case_world, mediating)
    with pytest.raises(ValidationError) as excinfo:
        share(case_world, mediating, level="collaborate")
    assert "already shared" in excinfo.value.message_dict["organization"][0]
    with pytest.raises(ValidationError) as excinfo:
        services.share_grant(
            actor=case_world["users"]["org_admin"],
            case=case_world["cases"]["submitted"],
            organization=case_world["orgs"]["partner"],
            level="view",
            reason=" ",
        )
    assert "reason" in excinfo.value.message_dict


@pytest.mark.parametrize(("who", "allowed"), [
    ("mediator", True),  # assigned
    ("org_admin", True),
    ("superuser", True),
    ("mediator2", False),  # not assigned
    ("clerk", False),
    ("partner", False),
])  # fmt: skip
def test_only_admins_and_assigned_mediators_share(case_world, mediating, who, allowed):
    if allowed:
        assert share(case_world, mediating, who=who).pk
    else:
        with pytest.raises(PermissionDenied):
            share(case_world, mediating, who=who)


def test_cross_region_cases_propose_the_parties_member_bureaus(case_world):
    xiamen = Organization.objects.create(
        kind=Organization.Kind.BUREAU,
        name="厦门市市场监督管理局",
        region=Region.objects.get(code="350200"),
        alliance_joined_on=dt.date(2023, 4, 26),
    )
    case = case_world["cases"]["submitted"]  # ent_b (Xiamen) is the respondent
    assert list(services.share_targets(case)) == [xiamen]
    services.share_grant(
        actor=case_world["users"]["org_admin"],
        case=case,
        organization=xiamen,
        level="view",
        reason="被申请人住所地",
    )
    assert list(services.share_targets(case)) == []


# --- revocation ------------------------------------------------------------------------------


def test_revoking_removes_the_case_everywhere_at_once(case_world, mediating):
    partner = case_world["users"]["partner"]
    granted = share(case_world, mediating, level="collaborate")
    services.comment_add(actor=partner, case=mediating, body="沈阳方面已联系被申请人。")
    Notification.objects.create(
        recipient=partner, verb="case.shared", title="x", url=mediating.get_absolute_url()
    )
    Notification.objects.create(recipient=partner, verb="other", title="y", url="/cases/")
    services.share_revoke(actor=case_world["users"]["mediator"], share=granted, reason="协查结束")
    assert not partner.has_perm("cases.view_mediationcase", mediating)
    assert mediating not in selectors.case_visible_to(partner)
    assert not selectors.party_visible_to(partner).filter(case=mediating).exists()
    assert not selectors.event_visible_to(partner).filter(case=mediating).exists()
    assert not selectors.comment_visible_to(partner).exists()
    assert not selectors.shared_with(partner).exists()
    # Its notifications about the case are gone; others stay.
    assert list(Notification.objects.filter(recipient=partner).values_list("url", flat=True)) == [
        "/cases/"
    ]
    with pytest.raises(DomainError):
        services.share_revoke(actor=case_world["users"]["mediator"], share=granted, reason="x")
    assert mediating.events.filter(verb="case.share_revoked").count() == 1


# --- comments ---------------------------------------------------------------------------------


def test_collaborate_adds_comments_view_does_not(case_world, mediating):
    partner = case_world["users"]["partner"]
    granted = share(case_world, mediating, level="view")
    with pytest.raises(PermissionDenied):
        services.comment_add(actor=partner, case=mediating, body="x")
    assert selectors.comment_visible_to(partner).count() == 0
    services.share_revoke(actor=case_world["users"]["mediator"], share=granted, reason="改为协作")
    share(case_world, mediating, level="collaborate")
    first = services.comment_add(
        actor=case_world["users"]["mediator"], case=mediating, body="请协助送达。"
    )
    reply = services.comment_add(actor=partner, case=mediating, body="已送达。", reply_to=first)
    assert first.organization == case_world["orgs"]["committee"]
    assert reply.organization == case_world["orgs"]["partner"]
    assert list(selectors.comment_visible_to(partner)) == [first, reply]
    with pytest.raises(ValidationError):
        services.comment_add(
            actor=partner, case=case_world["cases"]["partner"], body="x", reply_to=first
        )


# --- collaboration requests ---------------------------------------------------------------------


def send(case_world, kind=Kind.EVIDENCE, **extra):
    return collaboration.collaboration_send(
        actor=case_world["users"]["org_admin"],
        from_organization=case_world["orgs"]["zz_bureau"],
        to_organization=case_world["orgs"]["partner"],
        kind=kind,
        subject="请求协助调取被申请人销售证据",
        **extra,
    )


@pytest.mark.parametrize(
    ("sent", "kind", "due"),
    [
        (dt.date(2025, 9, 25), Kind.EVIDENCE, dt.date(2025, 10, 10)),  # 15 days, a Friday
        (dt.date(2025, 9, 24), Kind.INFORMATION, dt.date(2025, 10, 9)),  # 7 → National Day
        (dt.date(2025, 9, 6), Kind.CONFIRMATION, dt.date(2025, 9, 11)),  # 5 days
        (dt.date(2025, 6, 2), Kind.SERVICE, dt.date(2025, 6, 12)),  # 10 days
        (dt.date(2025, 9, 1), Kind.INVESTIGATION, dt.date(2025, 9, 22)),  # 9-21 is a Sunday
    ],
)
def test_due_dates_follow_the_statutory_counting(case_world, today, sent, kind, due):
    today(sent)
    assert send(case_world, kind=kind).due_on == due


def test_request_refusals(case_world, today):
    today(dt.date(2025, 9, 25))
    users, orgs = case_world["users"], case_world["orgs"]
    with pytest.raises(ValidationError) as excinfo:
        send(case_world, due_on=dt.date(2025, 9, 24))
    assert "past" in excinfo.value.message_dict["due_on"][0]
    with pytest.raises(ValidationError) as excinfo:
        collaboration.collaboration_send(
            actor=users["org_admin"],
            from_organization=orgs["zz_bureau"],
            to_organization=orgs["zz_bureau"],
            kind=Kind.EVIDENCE,
            subject="x",
        )
    assert "own organisation" in excinfo.value.message_dict["to_organization"][0]
    with pytest.raises(ValidationError) as excinfo:
        collaboration.collaboration_send(
            actor=users["org_admin"],
            from_organization=orgs["zz_bureau"],
            to_organization=orgs["ent_a"],
            kind=Kind.EVIDENCE,
            subject="x",
        )
    assert "not an alliance member" in excinfo.value.message_dict["to_organization"][0]
    with pytest.raises(PermissionDenied):  # not acting for the sender
        collaboration.collaboration_send(
            actor=users["partner"],
            from_organization=orgs["zz_bureau"],
            to_organization=orgs["partner"],
            kind=Kind.EVIDENCE,
            subject="x",
        )
    assert not CollaborationRequest.objects.exists()


def test_request_lifecycle_replies_and_notifications(
    case_world, django_capture_on_commit_callbacks
):
    users = case_world["users"]
    with django_capture_on_commit_callbacks(execute=True):
        request = send(case_world)
    assert Notification.objects.filter(recipient=users["partner"], verb="collaboration.sent")
    with pytest.raises(PermissionDenied):  # the sender does not answer its own request
        collaboration.collaboration_accept(actor=users["org_admin"], request=request)
    with pytest.raises(PermissionDenied):  # a stranger may not reply
        collaboration.collaboration_reply(actor=users["servicepoint"], request=request, body="x")
    with django_capture_on_commit_callbacks(execute=True):
        request = collaboration.collaboration_accept(actor=users["partner"], request=request)
        reply = collaboration.collaboration_reply(
            actor=users["partner"], request=request, body="已调取店铺销售记录，见附件。"
        )
        request = collaboration.collaboration_complete(actor=users["partner"], request=request)
    assert reply.organization == case_world["orgs"]["partner"]
    assert request.status == "completed" and request.closed_on == timezone.localdate()
    verbs = set(
        Notification.objects.filter(recipient=users["org_admin"]).values_list("verb", flat=True)
    )
    assert {"collaboration.accepted", "collaboration.replied", "collaboration.completed"} <= verbs
    with pytest.raises(DomainError):
        collaboration.collaboration_cancel(actor=users["org_admin"], request=request, note="x")


def test_a_request_about_a_case_shares_it_for_the_requests_life(case_world, mediating):
    users, orgs = case_world["users"], case_world["orgs"]
    partner = users["partner"]
    request = services.case_collaboration_request(
        actor=users["org_admin"],
        case=mediating,
        from_organization=orgs["zz_bureau"],
        to_organization=orgs["partner"],
        kind=Kind.JOINT_MEDIATION,
        subject="联合调解",
    )
    assert partner.has_perm("cases.view_mediationcase", mediating)
    assert partner.has_perm("cases.add_casecomment", CaseComment(case=mediating))
    collaboration.collaboration_decline(actor=partner, request=request, note="无管辖")
    # Declined: the share ends with it, without anyone revoking it.
    assert not partner.has_perm("cases.view_mediationcase", mediating)
    assert mediating not in selectors.case_visible_to(partner)


def test_collaboration_visibility_matches_the_rules(case_world):
    send(case_world)
    for user in case_world["users"].values():
        visible = set(alliance_selectors.collaboration_visible_to(user))
        for request in CollaborationRequest.objects.all():
            assert user.has_perm("alliance.view_collaborationrequest", request) == (
                request in visible
            ), user.username
    assert not alliance_selectors.collaboration_visible_to(case_world["users"]["court"]).exists()


# --- one policy and coordination --------------------------------------------------------------


def test_selectors_and_rules_agree_with_shares(case_world, mediating):
    share(case_world, mediating, level="collaborate")
    services.comment_add(actor=case_world["users"]["partner"], case=mediating, body="收到")
    submitted = share(case_world, case_world["cases"]["submitted"], who="org_admin")
    services.share_revoke(actor=case_world["users"]["org_admin"], share=submitted, reason="误发")
    checks = [
        ("cases.view_mediationcase", selectors.case_visible_to, MediationCase),
        ("cases.view_caseshare", selectors.share_visible_to, CaseShare),
        ("cases.view_casecomment", selectors.comment_visible_to, CaseComment),
    ]
    for user in case_world["users"].values():
        for perm, selector, model in checks:
            visible = set(selector(user))
            for obj in model.objects.all():
                assert user.has_perm(perm, obj) == (obj in visible), (user.username, perm)


def test_coordinated_filter_counts_each_case_once(case_world, mediating, rf):
    share(case_world, mediating)
    services.case_collaboration_request(
        actor=case_world["users"]["org_admin"],
        case=mediating,
        from_organization=case_world["orgs"]["zz_bureau"],
        to_organization=case_world["orgs"]["partner"],
        kind=Kind.EVIDENCE,
        subject="协查",
    )
    request = rf.get("/cases/", {"coordinated": "true"})
    request.user = case_world["users"]["superuser"]
    filterset = MediationCaseFilterSet(
        request.GET, queryset=MediationCase.objects.all(), request=request
    )
    assert list(filterset.qs) == [mediating]
    request = rf.get("/cases/", {"coordinated": "false"})
    request.user = case_world["users"]["superuser"]
    filterset = MediationCaseFilterSet(
        request.GET, queryset=MediationCase.objects.all(), request=request
    )
    assert mediating not in filterset.qs and filterset.qs.count() == 3


def test_the_timeline_says_with_whom_and_how_a_case_was_shared(client, case_world, mediating):
    import re

    share(case_world, mediating, level="collaborate")
    client.cookies["django_language"] = "en"
    client.force_login(case_world["users"]["mediator"])
    html = case_page(client, mediating, "timeline")
    item = re.search(r'<li[^>]*data-verb="case.shared".*?</li>', html, re.S)
    assert item is not None
    assert case_world["orgs"]["partner"].name in item.group(0)
    assert "Collaborate (comments and replies)" in item.group(0)
