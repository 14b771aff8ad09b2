"""The partner side of cases on the web (issue 5): the share page (grant, refusals, revoke),
the "shared with us" inbox, what a partner sees on the case detail, comments, a
collaboration request from a case, and the coordinated filter and count of the list."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alliance.models import CollaborationRequest, Organization, Region
from cases import services
from cases.models import CaseComment, CaseShare
from tests.cases.conftest import advance, case_page, make_case, org_party

pytestmark = pytest.mark.django_db

FULL_ID = "11010519491231002X"
MASKED_ID = "110105********002X"
ZH = '<html lang="zh-Hans"'
INBOX = "/cases/shared/"
API = "/api/v1/mediation-cases/"


@pytest.fixture
def login(client, case_world):
    def as_user(name):
        client.force_login(case_world["users"][name])
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return as_user


@pytest.fixture
def mediating(case_world):
    return case_world["cases"]["mediating"]


@pytest.fixture
def xiamen(case_world):
    """A member bureau in the respondent's city (ent_b is in Xiamen): a proposed target."""
    return Organization.objects.create(
        kind=Organization.Kind.BUREAU,
        name="厦门市市场监督管理局",
        region=Region.objects.get(code="350200"),
        alliance_joined_on=dt.date(2023, 4, 26),
    )


def _html(response) -> str:
    return response.content.decode()


def _listed(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-case="(\d+)"', _html(response))]


def _share_url(case) -> str:
    return reverse("cases:case-share", args=[case.pk])


def _detail(case) -> str:
    return reverse("cases:case-detail", args=[case.pk])


def _grant(case_world, case, level="view", who="mediator", org="partner") -> CaseShare:
    return services.share_grant(
        actor=case_world["users"][who],
        case=case,
        organization=case_world["orgs"][org],
        level=level,
        reason="沈阳当事人住所地协查",
    )


def _post_share(client, case, organization, level="view", reason="被申请人在沈阳有销售网点"):
    return client.post(
        _share_url(case), {"organization": organization.pk, "level": level, "reason": reason}
    )


def _field_errors(html: str, field: str) -> list[str]:
    return re.findall(
        rf'<div class="invalid-feedback d-block" id="id_{field}-error">([^<]*)<', html
    )


def _csv_titles(response) -> set[str]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return {row[1] for row in list(csv.reader(io.StringIO(body)))[1:]}


# --- the share page ----------------------------------------------------------------------------


def test_sharing_via_the_page_shows_the_case_to_the_partner_only(
    login, case_world, mediating, xiamen
):
    client = login("mediator")
    page = _html(client.get(_share_url(mediating)))
    # The respondent's member bureau is proposed first; the handling side is not offered.
    assert page.index("厦门市市场监督管理局 — a party is there") < page.index(
        "沈阳市市场监督管理局"
    )
    assert f'value="{case_world["orgs"]["zz_bureau"].pk}"' not in page
    assert "neither level gives the right to edit" in page.lower()

    response = _post_share(client, mediating, case_world["orgs"]["partner"], level="collaborate")
    assert response.status_code == 302 and response["Location"] == _share_url(mediating)
    share = CaseShare.objects.get()
    assert (share.organization, share.level, share.granted_by) == (
        case_world["orgs"]["partner"],
        "collaborate",
        case_world["users"]["mediator"],
    )
    page = _html(client.get(_share_url(mediating)))
    assert "The case is now shared with 沈阳市市场监督管理局 (Collaborate" in page
    assert f'data-share="{share.pk}"' in page and "被申请人在沈阳有销售网点" in page

    partner = login("partner")
    inbox = partner.get(INBOX)
    assert _listed(inbox) == [mediating.pk]
    assert 'data-level="collaborate"' in _html(inbox)
    assert "漳州市知识产权纠纷人民调解委员会" in _html(inbox)  # who shared it
    detail = partner.get(_detail(mediating))
    assert detail.status_code == 200 and "调解中案件" in _html(detail)
    # Unshared cases of another city stay out of reach.
    assert partner.get(_detail(case_world["cases"]["submitted"])).status_code == 404
    assert login("mediator").get(_detail(case_world["cases"]["partner"])).status_code == 404


@pytest.mark.parametrize(
    ("target", "text"),
    [
        ("zz_bureau", "A case cannot be shared with its own organisation."),
        ("committee", "A case cannot be shared with its own organisation."),
        ("ent_a", "漳州甲食品有限公司 is not an alliance member."),
    ],
)
def test_share_refusals_are_shown_on_the_field_and_keep_the_input(
    login, case_world, mediating, target, text
):
    response = _post_share(
        login("mediator"), mediating, case_world["orgs"][target], level="collaborate"
    )
    html = _html(response)
    assert response.status_code == 200
    assert _field_errors(html, "organization") == [text]
    assert 'value="被申请人在沈阳有销售网点"' in html
    assert re.search(r'value="collaborate"\s+checked', html)
    assert not CaseShare.objects.exists()


def test_sharing_twice_or_without_a_reason_is_refused_on_the_page(login, case_world, mediating):
    client = login("mediator")
    partner_org = case_world["orgs"]["partner"]
    assert _post_share(client, mediating, partner_org).status_code == 302
    html = _html(_post_share(client, mediating, partner_org, level="collaborate"))
    assert _field_errors(html, "organization") == [
        "The case is already shared with 沈阳市市场监督管理局."
    ]
    html = _html(
        _post_share(login("org_admin"), case_world["cases"]["submitted"], partner_org, reason=" ")
    )
    assert _field_errors(html, "reason") == ["Say why the case is shared."]
    assert CaseShare.objects.count() == 1


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("mediator2", 403),  # sees the case, not assigned
        ("clerk", 403),
        ("partner", 403),  # a partner with a share never shares further
        ("enterprise", 403),  # a party's enterprise sees a summary
        ("servicepoint", 404),
        ("court", 404),
    ],
)
def test_share_pages_are_403_when_seen_but_not_shareable_and_404_when_unseen(
    login, case_world, mediating, who, status
):
    share = _grant(case_world, mediating)
    client = login(who)
    assert client.get(_share_url(mediating)).status_code == status
    assert _post_share(client, mediating, case_world["orgs"]["partner"]).status_code == status
    revoke = reverse("cases:share-revoke", args=[mediating.pk, share.pk])
    assert client.post(revoke, {"reason": "x"}).status_code == status
    collaboration = reverse("cases:case-collaboration", args=[mediating.pk])
    assert client.get(collaboration).status_code == status
    assert CaseShare.objects.filter(revoked_at__isnull=True).count() == 1


def test_a_share_of_another_case_cannot_be_revoked_through_this_one(login, case_world, mediating):
    other = _grant(case_world, case_world["cases"]["submitted"], who="org_admin")
    url = reverse("cases:share-revoke", args=[mediating.pk, other.pk])
    assert login("mediator").post(url, {"reason": "x"}).status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None


# --- revoking ----------------------------------------------------------------------------------


def test_revoking_via_the_page_removes_the_case_from_the_partner_everywhere(
    login, case_world, mediating
):
    share = _grant(case_world, mediating)
    partner = login("partner")
    assert _listed(partner.get(INBOX)) == [mediating.pk]
    assert "调解中案件" in _csv_titles(partner.get("/cases/export/", {"format": "csv"}))
    api_titles = {row["title"] for row in partner.get(API).json()["results"]}
    assert "调解中案件" in api_titles

    client = login("mediator")
    revoke = reverse("cases:share-revoke", args=[mediating.pk, share.pk])
    refused = _html(client.post(revoke, {"reason": "  "}))
    assert re.findall(r'class="invalid-feedback d-block revoke-error">([^<]*)<', refused) == [
        "Say why the share is revoked."
    ]
    share.refresh_from_db()
    assert share.revoked_at is None

    response = client.post(revoke, {"reason": "协查已结束"})
    assert response.status_code == 302
    page = _html(client.get(_share_url(mediating)))
    assert "The share with 沈阳市市场监督管理局 was revoked." in page
    ended = page[page.index('class="list-unstyled ended-shares"') :]
    assert f'data-share="{share.pk}"' in ended and "协查已结束" in ended
    assert f'action="{revoke}"' not in page  # nothing left to revoke

    partner = login("partner")
    assert partner.get(_detail(mediating)).status_code == 404
    inbox = partner.get(INBOX)
    assert _listed(inbox) == []
    assert "No case is shared with your organisation right now." in _html(inbox)
    assert "调解中案件" not in _csv_titles(partner.get("/cases/export/", {"format": "csv"}))
    body = partner.get(API).json()
    assert "调解中案件" not in {row["title"] for row in body["results"]}
    assert len(body["results"]) == 1  # the partner's own case only
    assert partner.get(f"{API}{mediating.pk}/").status_code == 404
    assert len(partner.get(f"{API}?coordinated=true").json()["results"]) == 0


# --- what a partner sees on the case detail ---------------------------------------------------


def test_a_partners_detail_masks_ids_shows_timeline_and_sessions_but_no_actions(
    login, case_world, mediating
):
    _grant(case_world, mediating, level="view")
    staff = _html(login("mediator").get(_detail(mediating)))
    assert FULL_ID in staff and "data-transition=" in staff
    assert reverse("cases:case-share", args=[mediating.pk]) in staff

    html = case_page(login("partner"), mediating, "sessions", "timeline", "comments")
    assert MASKED_ID in html and FULL_ID not in html
    assert 'id="pane-timeline"' in html and 'data-verb="case.shared"' in html
    assert "第一调解室" in html  # the session's location
    assert "data-transition=" not in html
    for name in ("case-edit", "case-assign", "session-create", "case-share", "case-collaboration"):
        assert reverse(f"cases:{name}", args=[mediating.pk]) not in html, name
    # The sharing panel shows the partner's own share; the comments are read-only.
    assert "Sharing with partner members" in html and 'data-level="view"' in html
    assert 'id="pane-comments"' in html
    assert "comments-read-only" in html
    assert reverse("cases:case-comment", args=[mediating.pk]) not in html


def test_the_detail_shows_the_sharing_panel_to_the_handling_side_only_when_relevant(
    login, case_world, mediating
):
    html = _html(login("mediator").get(_detail(mediating)))
    assert "Not shared with any other member." in html
    assert reverse("cases:case-collaboration", args=[mediating.pk]) in html
    # A party's enterprise sees a summary: no shares, no comments.
    html = _html(login("enterprise").get(_detail(mediating)))
    assert "Sharing with partner members" not in html and 'id="pane-comments"' not in html


# --- comments ---------------------------------------------------------------------------------


def _comment(client, case, body, reply_to=None):
    data = {"body": body}
    if reply_to is not None:
        data["reply_to"] = reply_to.pk
    return client.post(reverse("cases:case-comment", args=[case.pk]), data)


def test_a_view_partner_cannot_comment_a_collaborate_partner_can(login, case_world, mediating):
    share = _grant(case_world, mediating, level="view")
    assert _comment(login("partner"), mediating, "想发表意见").status_code == 403
    assert _comment(login("enterprise"), mediating, "x").status_code == 403
    assert _comment(login("servicepoint"), mediating, "x").status_code == 404
    assert not CaseComment.objects.exists()

    services.share_revoke(actor=case_world["users"]["mediator"], share=share, reason="改为协作")
    _grant(case_world, mediating, level="collaborate")
    response = _comment(login("partner"), mediating, "沈阳方面已联系被申请人。")
    assert response.status_code == 302
    assert response["Location"] == _detail(mediating) + "#comments"
    comment = CaseComment.objects.get()
    assert comment.organization == case_world["orgs"]["partner"]
    html = case_page(login("partner"), mediating, "comments")
    assert 'class="comment-form"' in html and "沈阳方面已联系被申请人。" in html


def test_the_comment_thread_nests_replies_under_their_comment(login, case_world, mediating):
    _grant(case_world, mediating, level="collaborate")
    mediator, partner = login("mediator"), None
    _comment(mediator, mediating, "请协助向被申请人送达。")
    first = CaseComment.objects.get()
    partner = login("partner")
    assert _comment(partner, mediating, "已送达。", reply_to=first).status_code == 302
    reply = CaseComment.objects.get(body="已送达。")
    assert _comment(login("mediator"), mediating, "收到，谢谢。", reply_to=reply).status_code == 302
    _comment(login("mediator"), mediating, "第二个话题。")
    html = case_page(login("org_admin"), mediating, "comments")
    assert 'Comments <span class="badge text-bg-light">4</span>' in html
    thread = html[html.index('class="list-unstyled mb-3 case-comments"') :]
    first_block = thread[: thread.index("第二个话题。")]
    replies = first_block[first_block.index('class="list-unstyled ms-4') :]
    assert replies.index("已送达。") < replies.index("收到，谢谢。")
    assert "沈阳市市场监督管理局" in replies  # the partner replied for its bureau
    assert f'name="reply_to" value="{first.pk}"' in html

    # A reply to a comment of another case, or an empty comment, is refused on the form.
    other = CaseComment.objects.create(
        case=case_world["cases"]["submitted"],
        author=case_world["users"]["mediator"],
        organization=case_world["orgs"]["committee"],
        body="另一个案件",
    )
    refused = _comment(login("mediator"), mediating, "x", reply_to=other)
    assert refused.status_code == 400 and "Reply to a comment of this case." in _html(refused)
    empty = _comment(login("mediator"), mediating, "   ")
    assert empty.status_code == 400 and 'id="id_body-error"' in _html(empty)
    assert CaseComment.objects.filter(case=mediating).count() == 4


# --- a collaboration request from the case ----------------------------------------------------


def test_a_collaboration_request_from_the_case_creates_the_request_and_the_share(
    login, case_world, mediating
):
    client = login("org_admin")
    url = reverse("cases:case-collaboration", args=[mediating.pk])
    form = _html(client.get(url))
    assert f'value="{mediating.number} 调解中案件"' in form
    assert re.search(
        rf'<option value="{case_world["orgs"]["zz_bureau"].pk}" selected>漳州市市场监督管理局',
        form,
    )
    response = client.post(
        url,
        {
            "from_organization": case_world["orgs"]["zz_bureau"].pk,
            "to_organization": case_world["orgs"]["partner"].pk,
            "kind": CollaborationRequest.Kind.JOINT_MEDIATION,
            "subject": f"{mediating.number} 联合调解",
            "body": "请派员参加联合调解。",
            "due_on": "",
        },
    )
    request = CollaborationRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("alliance:collaboration-detail", args=[request.pk])
    assert (request.from_organization, request.to_organization, request.status) == (
        case_world["orgs"]["zz_bureau"],
        case_world["orgs"]["partner"],
        "open",
    )
    share = CaseShare.objects.get()
    assert (share.request, share.level, share.case) == (request, "collaborate", mediating)
    inbox = _html(login("partner").get(INBOX))
    assert f'data-case="{mediating.pk}"' in inbox
    assert "request from 漳州市市场监督管理局" in inbox


def test_collaboration_request_refusals_and_who_may_send(login, case_world, mediating):
    client = login("org_admin")
    url = reverse("cases:case-collaboration", args=[mediating.pk])
    base = {
        "from_organization": case_world["orgs"]["zz_bureau"].pk,
        "to_organization": case_world["orgs"]["zz_bureau"].pk,
        "kind": CollaborationRequest.Kind.EVIDENCE,
        "subject": "调取证据",
    }
    html = _html(client.post(url, base))
    assert _field_errors(html, "to_organization") == [
        "A case cannot be shared with its own organisation."
    ]
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    html = _html(
        client.post(
            url, {**base, "to_organization": case_world["orgs"]["partner"].pk, "due_on": yesterday}
        )
    )
    assert _field_errors(html, "due_on") == ["The due date cannot be in the past."]
    assert 'value="调取证据"' in html
    assert not CollaborationRequest.objects.exists() and not CaseShare.objects.exists()
    # The assigned mediator may share, but acts for no member bureau: no form, a hint.
    html = _html(login("mediator").get(url))
    assert "no-acting-member" in html and 'class="card card-body collaboration-form"' not in html


# --- list: coordinated filter and count -------------------------------------------------------


def test_the_coordinated_filter_on_the_list_page(login, case_world, mediating):
    _grant(case_world, mediating)
    client = login("org_admin")
    assert _listed(client.get("/cases/", {"coordinated": "true"})) == [mediating.pk]
    assert set(_listed(client.get("/cases/", {"coordinated": "false"}))) == {
        case_world["cases"]["draft"].pk,
        case_world["cases"]["submitted"].pk,
    }
    html = _html(client.get("/cases/", {"status": "mediating"}))
    assert re.search(r'class="[^"]*coordinated-count"[^>]*>1 coordinated<', html)
    assert "status=mediating&amp;coordinated=true" in html
    assert "coordinated-count" not in _html(client.get("/cases/", {"status": "draft"}))


# --- inbox --------------------------------------------------------------------------------------


def test_the_inbox_filters_with_the_case_list_filterset(login, case_world, mediating):
    _grant(case_world, mediating, level="view")
    _grant(case_world, case_world["cases"]["submitted"], level="collaborate", who="org_admin")
    client = login("partner")
    assert set(_listed(client.get(INBOX))) == {mediating.pk, case_world["cases"]["submitted"].pk}
    assert _listed(client.get(INBOX, {"status": "submitted"})) == [
        case_world["cases"]["submitted"].pk
    ]
    assert _listed(client.get(INBOX, {"q": "调解中"})) == [mediating.pk]
    html = _html(client.get(INBOX, {"status": "draft"}))
    assert _listed(client.get(INBOX, {"status": "draft"})) == []
    assert "Nothing matches these filters." in html
    # The partner's own case is not "shared with us".
    assert case_world["cases"]["partner"].pk not in _listed(client.get(INBOX))
    # Zhangzhou users have nothing shared with them.
    assert "No case is shared with your organisation" in _html(login("mediator").get(INBOX))


def test_the_inbox_counts_its_cases_by_status(login, case_world, mediating):
    """The chips count the shared cases only (each of them coordinated by definition)."""
    _grant(case_world, mediating, level="view")
    _grant(case_world, case_world["cases"]["submitted"], level="collaborate", who="org_admin")
    html = _html(login("partner").get(INBOX))
    counts = dict(re.findall(r'data-status="(\w+)">[^<]*<span class="count">(\d+)</span>', html))
    assert counts == {"submitted": "1", "mediating": "1"}
    assert '<span class="badge text-bg-light align-middle list-count">2<' in html


def test_the_inbox_share_column_shows_our_active_shares_only(login, case_world, mediating, xiamen):
    """The Share column lists the shares made to the partner's organisation that are in
    force: not another member's share of the same case, not a revoked one."""
    old = _grant(case_world, mediating, level="view")
    services.share_revoke(actor=case_world["users"]["mediator"], share=old, reason="误发")
    _grant(case_world, mediating, level="collaborate")
    services.share_grant(
        actor=case_world["users"]["mediator"], case=mediating, organization=xiamen,
        level="view", reason="被申请人在厦门",
    )  # fmt: skip
    html = _html(login("partner").get(INBOX))
    cell = re.search(r'<td class="share-levels">(.*?)</td>', html, re.S).group(1)
    assert re.findall(r'data-level="(\w+)"', cell) == ["collaborate"]
    assert "沈阳市市场监督管理局" in cell and "厦门市市场监督管理局" not in cell


def test_the_navigation_links_the_inbox_for_members(login, case_world):
    assert INBOX in _html(login("partner").get(reverse("home")))
    assert INBOX in _html(login("mediator").get(reverse("cases:case-list")))


def test_the_inbox_renders_in_chinese(client, case_world, mediating):
    _grant(case_world, mediating, level="collaborate")
    client.force_login(case_world["users"]["partner"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    html = _html(client.get(INBOX))
    assert ZH in html
    assert "调解中案件" in html and "漳州市知识产权纠纷人民调解委员会" in html


def _inbox_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(INBOX)
    assert response.status_code == 200
    return len(queries)


def test_the_inbox_runs_the_same_number_of_queries_for_2_and_8_shared_cases(
    login, case_world, django_assert_max_num_queries
):
    users, orgs = case_world["users"], case_world["orgs"]

    def shared_case(i: int, level: str) -> None:
        case = advance(
            make_case(
                users["clerk"],
                orgs["committee"],
                title=f"共享案件{i}",
                parties=[
                    org_party("applicant", orgs["ent_a"]),
                    org_party("respondent", orgs["ent_b"]),
                ],
            ),
            users["clerk"],
            users["mediator"],
            "accepted",
        )
        services.share_grant(
            actor=users["org_admin"], case=case, organization=orgs["partner"], level=level,
            reason="协查",
        )  # fmt: skip

    for i in range(2):
        shared_case(i, "view")
    client = login("partner")
    _inbox_queries(client)  # the filter dropdowns' options are kept after the first page
    few = _inbox_queries(client)
    for i in range(2, 8):
        shared_case(i, "collaborate" if i % 2 else "view")
    with django_assert_max_num_queries(10):
        many = _inbox_queries(client)
    assert many == few
    assert len(_listed(client.get(INBOX))) == 8


def _detail_queries(client, case) -> int:
    """Statements of the case page and of its comments tab."""
    with CaptureQueriesContext(connection) as queries:
        case_page(client, case, "comments")
    return len(queries)


def test_the_detail_query_count_does_not_grow_with_shares_and_comments(
    login, case_world, mediating, xiamen
):
    _grant(case_world, mediating, level="collaborate")
    first = services.comment_add(actor=case_world["users"]["mediator"], case=mediating, body="一")
    few = {who: _detail_queries(login(who), mediating) for who in ("mediator", "partner")}
    services.share_grant(
        actor=case_world["users"]["mediator"],
        case=mediating,
        organization=xiamen,
        level="view",
        reason="被申请人住所地",
    )
    for i in range(5):
        services.comment_add(
            actor=case_world["users"]["partner"], case=mediating, body=f"回复{i}", reply_to=first
        )
    many = {who: _detail_queries(login(who), mediating) for who in ("mediator", "partner")}
    assert many == few


def test_the_partners_detail_reads_shares_rights_and_parties_once(login, case_world, mediating):
    """The rules asked on the page (summary only? may comment? may share?) answer from the
    prefetched shares, and the related disputes from the prefetched rights and parties."""
    _grant(case_world, mediating, level="collaborate")
    client = login("partner")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_detail(mediating))
    assert response.status_code == 200
    assert 'id="tab-timeline"' in _html(response)  # seen in full: through the share
    tables = [m[1] for q in queries.captured_queries if (m := re.search(r'FROM "(\w+)"', q["sql"]))]
    assert tables.count("cases_caseshare") == 1
    assert tables.count("cases_caseright") == 1
    assert tables.count("cases_party") == 1


def test_anonymous_visitors_are_sent_to_sign_in(client, case_world, mediating):
    for url in (INBOX, _share_url(mediating)):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]
