"""Case pages: list (scope, every filter, sorting, pagination, counts, query-count guard),
my cases, workload, detail (scope, tabs, ID masking, related disputes), transitions with
htmx and without, assignment, edit and delete — through the web, in English and Chinese."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alliance.models import IntellectualProperty
from cases import services
from cases.choices import DisputeType, PartyRole, Source, Status
from cases.models import CaseAssignment, CaseEvent, MediationCase
from tests.cases.conftest import advance, case_page, make_case, org_party, person_party

ZH = '<html lang="zh-Hans"'
FULL_ID = "11010519491231002X"
MASKED_ID = "110105********002X"
CONFLICT = "This case was changed by someone else. Reload the page and try again."
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def login(client, case_world):
    def as_user(name):
        client.force_login(case_world["users"][name])
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return as_user


def _html(response) -> str:
    return response.content.decode()


def _listed(response) -> list[int]:
    """Case ids of the list's rows, in the order shown."""
    return [int(pk) for pk in re.findall(r'<tr data-case="(\d+)"', _html(response))]


def _ids(case_world, *keys) -> set[int]:
    return {case_world["cases"][key].pk for key in keys}


def _list(client, **params):
    return client.get(reverse("cases:case-list"), params)


def _detail(case) -> str:
    return reverse("cases:case-detail", args=[case.pk])


def _transition(case, name) -> str:
    return reverse("cases:case-transition", args=[case.pk, name])


def _refresh(case) -> MediationCase:
    return MediationCase.objects.get(pk=case.pk)


# --- list: scope ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("mediator", ("draft", "submitted", "mediating")),
        ("org_admin", ("draft", "submitted", "mediating")),
        ("partner", ("partner",)),
        ("enterprise", ("submitted", "mediating")),
        ("superuser", ("draft", "submitted", "mediating", "partner")),
    ],
)
def test_list_shows_exactly_the_cases_the_user_may_see(login, case_world, user, expected):
    response = _list(login(user))
    assert response.status_code == 200
    assert set(_listed(response)) == _ids(case_world, *expected)
    html = _html(response)
    if "partner" not in expected:
        assert "沈阳案件" not in html


def test_list_rows_show_number_parties_status_organisation_and_mediators(login, case_world):
    html = _html(_list(login("mediator")))
    submitted = case_world["cases"]["submitted"]
    assert submitted.number in html
    assert ">draft<" in html  # the draft has no number yet
    assert "漳州甲食品有限公司" in html and "厦门乙科技有限公司" in html
    assert 'class="badge text-bg-warning">Mediating<' in html
    assert "漳州市知识产权纠纷人民调解委员会" in html
    row = re.search(
        rf'<tr data-case="{case_world["cases"]["mediating"].pk}">.*?</tr>', html, re.S
    ).group(0)
    assert "mediator" in row  # the assigned mediator's name (username when no name)


def test_list_for_a_user_without_cases_shows_the_empty_state(client, case_world):
    client.force_login(case_world["users"]["servicepoint"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = _list(client)
    assert _listed(response) == []
    assert "No cases to show." in _html(response)


def test_list_shows_counts_per_status(login, case_world):
    html = _html(_list(login("mediator")))
    counts = dict(re.findall(r'data-status="(\w+)">[^<]*<span class="count">(\d+)</span>', html))
    assert counts == {"draft": "1", "submitted": "1", "mediating": "1"}


def test_status_counts_follow_the_other_filters_but_not_the_chosen_status(login, case_world):
    """The chips count under every filter but the status, so the other statuses stay
    reachable; the rows shown obey the status too."""
    client = login("mediator")
    mediating = case_world["cases"]["mediating"]
    response = _list(client, status="mediating", q=mediating.title)
    counts = dict(
        re.findall(r'data-status="(\w+)">[^<]*<span class="count">(\d+)</span>', _html(response))
    )
    assert counts == {"mediating": "1"}  # the search leaves one case, whatever the status
    assert _listed(response) == [mediating.pk]
    counts = dict(
        re.findall(
            r'data-status="(\w+)">[^<]*<span class="count">(\d+)</span>',
            _html(_list(client, status="draft")),
        )
    )
    assert counts == {"draft": "1", "submitted": "1", "mediating": "1"}
    # the list's own count obeys the statuses chosen (taken from the same sample)
    html = _html(_list(client, status=["draft", "mediating"]))
    assert re.search(r'class="badge text-bg-light align-middle list-count">2<', html)
    assert len(_listed(_list(client, status=["draft", "mediating"]))) == 2


def test_export_buttons_carry_the_current_filters(login, case_world):
    html = _html(_list(login("mediator"), status="mediating", q="调解", page="1"))
    assert (
        f"{reverse('cases:case-export')}?status=mediating&amp;q=%E8%B0%83%E8%A7%A3&amp;format=csv"
        in html
    )
    assert "format=xlsx" in html
    assert "page=1&amp;format" not in html


# --- list: the FilterSet's filters one by one ---------------------------------------------


@pytest.fixture
def filter_world(case_world):
    """More cases for the filters: another dispute type and source, a received date in 2025,
    a right number, a second mediator on the submitted case."""
    users, orgs, cases = case_world["users"], case_world["orgs"], case_world["cases"]
    trademark = advance(
        make_case(
            users["clerk"],
            orgs["committee"],
            title="商标侵权纠纷",
            dispute_type=DisputeType.TRADEMARK_INFRINGEMENT,
            source=Source.COURT_DELEGATION,
            parties=[
                org_party(PartyRole.APPLICANT, orgs["ent_a"]),
                person_party(PartyRole.RESPONDENT, name="王五", id_number="350602199001011235"),
            ],
        ),
        users["clerk"],
        users["mediator"],
        "submitted",
    )
    MediationCase.objects.filter(pk=trademark.pk).update(received_on=dt.date(2025, 3, 10))
    services.right_add(
        actor=users["clerk"],
        case=cases["submitted"],
        intellectual_property=case_world["ips"]["patent_a"],
    )
    services.case_assign(
        actor=users["mediator"], case=cases["submitted"], mediator=users["mediator2"]
    )
    return {**case_world, "cases": {**cases, "trademark": trademark}}


FILTER_CASES = [
    ({"status": "submitted"}, ("submitted", "trademark")),
    ({"status": ["draft", "mediating"]}, ("draft", "mediating")),
    ({"dispute_type": "trademark_infringement"}, ("trademark",)),
    ({"source": "court_delegation"}, ("trademark",)),
    ({"is_cross_region": "true"}, ("submitted", "mediating")),
    ({"is_cross_region": "false"}, ("draft", "trademark")),
    ({"received_after": "2025-01-01", "received_before": "2025-12-31"}, ("trademark",)),
    ({"received_after": "2026-01-01"}, ("submitted", "mediating")),
    ({"q": "调解中"}, ("mediating",)),  # title
    ({"q": "张三"}, ("mediating",)),  # a person party's name
    ({"q": "王五"}, ("trademark",)),
    ({"q": "ZL 2017 1 0601862.3"}, ("submitted",)),  # right number, written as a patent number
]


@pytest.mark.parametrize(("params", "expected"), FILTER_CASES)
def test_each_filter_narrows_the_list(login, filter_world, params, expected):
    response = _list(login("mediator"), **params)
    assert response.status_code == 200
    assert set(_listed(response)) == _ids(filter_world, *expected)


def test_filter_by_case_number(login, filter_world):
    number = filter_world["cases"]["submitted"].number
    assert set(_listed(_list(login("mediator"), q=number))) == _ids(filter_world, "submitted")


def test_filter_by_uscc(login, filter_world):
    uscc = filter_world["orgs"]["ent_b"].uscc
    found = set(_listed(_list(login("mediator"), q=uscc)))
    assert found == _ids(filter_world, "submitted", "mediating")


def test_filter_by_mediator(login, filter_world):
    client = login("mediator")
    mediator, mediator2 = filter_world["users"]["mediator"], filter_world["users"]["mediator2"]
    assert set(_listed(_list(client, mediator=mediator.pk))) == _ids(filter_world, "mediating")
    assert set(_listed(_list(client, mediator=mediator2.pk))) == _ids(filter_world, "submitted")


def test_filter_by_handling_organization(login, filter_world):
    client = login("superuser")
    partner = filter_world["orgs"]["partner"]
    assert set(_listed(_list(client, handling_organization=partner.pk))) == _ids(
        filter_world, "partner"
    )
    committee = filter_world["orgs"]["committee"]
    assert _ids(filter_world, "partner").isdisjoint(
        _listed(_list(client, handling_organization=committee.pk))
    )


def test_handling_organization_outside_the_users_scope_is_an_invalid_filter(login, filter_world):
    partner = filter_world["orgs"]["partner"]
    response = _list(login("mediator"), handling_organization=partner.pk)
    assert response.status_code == 200
    assert _listed(response) == []
    assert "Some filters are not valid" in _html(response)


def test_bad_filter_input_shows_no_rows_instead_of_failing(login, case_world):
    response = _list(login("mediator"), received_after="not-a-date", status="bogus")
    assert response.status_code == 200
    assert _listed(response) == []
    assert "Some filters are not valid" in _html(response)


# --- list: sorting, pagination, my cases ----------------------------------------------------


@pytest.mark.parametrize("sort", ["title", "-title"])
def test_sorting_by_title(login, case_world, sort):
    shown = _listed(_list(login("mediator"), sort=sort))
    titles = {c.pk: c.title for c in MediationCase.objects.filter(pk__in=shown)}
    assert [titles[pk] for pk in shown] == sorted(titles.values(), reverse=sort.startswith("-"))


def test_sorting_by_claim_amount_and_unknown_sort_falls_back(login, case_world):
    client = login("mediator")
    shown = _listed(_list(client, sort="-claim", status="submitted"))
    assert shown == [case_world["cases"]["submitted"].pk]
    for sort in ("claim", "-claim"):
        amounts = [
            MediationCase.objects.get(pk=pk).claim_amount
            for pk in _listed(_list(client, sort=sort))
        ]
        # Cases without an amount come last either way, on SQLite and PostgreSQL alike.
        assert amounts == [Decimal("120000.00"), None, None]
    assert set(_listed(_list(client, sort="evil; drop table"))) == _ids(
        case_world, "draft", "submitted", "mediating"
    )


def _bulk_cases(case_world, count: int) -> list[MediationCase]:
    """Submitted committee cases with two parties and an assigned mediator each."""
    users, orgs = case_world["users"], case_world["orgs"]
    made = []
    for i in range(count):
        case = make_case(
            users["clerk"],
            orgs["committee"],
            title=f"批量案件{i:03d}",
            parties=[
                org_party(PartyRole.APPLICANT, orgs["ent_a"]),
                org_party(PartyRole.RESPONDENT, orgs["ent_b"]),
            ],
        )
        case = services.case_submit(actor=users["clerk"], case=case)
        services.case_assign(actor=users["mediator"], case=case, mediator=users["mediator2"])
        made.append(case)
    return made


def test_pagination(login, case_world):
    _bulk_cases(case_world, 25)  # 28 visible to the mediator
    client = login("mediator")
    first = _listed(_list(client, sort="title"))
    second = _listed(_list(client, sort="title", page=2))
    assert len(first) == 25 and len(second) == 3
    assert not set(first) & set(second)
    assert "Page 1 of 2" in _html(_list(client, sort="title"))
    assert len(_listed(_list(client, page_size=50))) == 28


def test_list_query_count_does_not_grow_with_page_size(
    login, case_world, django_assert_max_num_queries
):
    client = login("mediator")
    _list(client)  # the filter dropdowns' options are kept after the first page
    _bulk_cases(case_world, 2)  # 5 visible
    with CaptureQueriesContext(connection) as small:
        assert len(_listed(_list(client))) == 5
    _bulk_cases(case_world, 20)  # 25 visible
    with CaptureQueriesContext(connection) as large:
        assert len(_listed(_list(client))) == 25
    assert len(large.captured_queries) == len(small.captured_queries)
    with django_assert_max_num_queries(10):
        _list(client)


def test_region_options_are_kept_once_for_everyone_and_the_rest_per_user(login, case_world):
    """The region dropdown lists the same reference data for all: the second user's first
    page reads no region; the organisations stay each user's own scope."""

    def first_page(username):
        with CaptureQueriesContext(connection) as queries:
            html = _html(_list(login(username)))
        region_reads = [q for q in queries.captured_queries if 'FROM "alliance_region"' in q["sql"]]
        return html, region_reads

    def options(html, name):
        select = html[html.index(f'<select name="{name}"') :]
        return select[: select.index("</select>")]

    mediator_html, mediator_reads = first_page("mediator")
    partner_html, partner_reads = first_page("partner")
    assert mediator_reads and not partner_reads
    assert options(mediator_html, "region") == options(partner_html, "region")
    assert "<option" in options(partner_html, "region")
    assert options(mediator_html, "handling_organization") != options(
        partner_html, "handling_organization"
    )


def test_my_cases_lists_only_cases_assigned_to_me(login, case_world):
    response = login("mediator").get(reverse("cases:my-cases"))
    assert set(_listed(response)) == _ids(case_world, "mediating")
    assert 'aria-current="page" href="/cases/mine/"' in _html(response)
    empty = login("mediator2").get(reverse("cases:my-cases"))
    assert _listed(empty) == []
    assert "No cases are assigned to you." in _html(empty)


def test_my_cases_export_link_exports_the_list_itself(login, case_world):
    html = _html(login("mediator").get(reverse("cases:my-cases"), {"status": "mediating"}))
    assert 'href="?status=mediating&amp;format=csv"' in html
    assert reverse("cases:case-export") not in html


# --- navigation ------------------------------------------------------------------------


def test_navigation_has_a_cases_menu_with_new_case_for_staff(login, case_world):
    html = _html(login("clerk").get(reverse("home")))
    assert reverse("cases:case-list") in html and reverse("cases:workload") in html
    assert reverse("cases:case-create") in html
    enterprise = _html(login("enterprise").get(reverse("cases:case-list")))
    assert reverse("cases:my-cases") in enterprise
    assert reverse("cases:case-create") not in enterprise


def test_users_without_organisation_get_no_cases_menu(client, case_world):
    client.force_login(case_world["users"]["nobody"])
    assert reverse("cases:case-list") not in _html(client.get(reverse("home")))


# --- detail ------------------------------------------------------------------------------


def test_detail_of_a_case_the_user_may_not_see_is_404(login, case_world):
    partner_case = case_world["cases"]["partner"]
    assert login("mediator").get(_detail(partner_case)).status_code == 404
    assert login("enterprise").get(_detail(case_world["cases"]["draft"])).status_code == 404
    assert login("partner").get(_detail(partner_case)).status_code == 200


def test_detail_shows_tabs_with_parties_rights_sessions_agreement_and_timeline(login, case_world):
    case = case_world["cases"]["mediating"]
    html = case_page(login("mediator"), case, "sessions", "timeline")
    for pane in ("summary", "parties", "rights", "sessions", "agreement", "timeline"):
        assert f'id="pane-{pane}"' in html
    assert case.number in html and "调解中案件" in html
    assert "第一调解室" in html  # the session
    assert reverse("cases:session-ics", args=[case.pk, case.sessions.get().pk]) in html
    assert reverse("cases:session-record", args=[case.pk, case.sessions.get().pk]) in html
    assert reverse("cases:session-create", args=[case.pk]) in html
    assert reverse("cases:agreement-edit", args=[case.pk]) in html  # "record the agreement"
    assert "No agreement recorded yet." in html
    timeline = re.findall(r'data-verb="([\w.]+)"', html)
    assert timeline[0] == "case.mediating" and timeline[-1] == "case.created"  # newest first
    assert "Mediation started" in html and "Mediator assigned" in html


def test_detail_masks_resident_ids_except_for_the_handling_mediators(login, case_world):
    case = case_world["cases"]["mediating"]
    for user in ("org_admin", "clerk", "enterprise"):
        html = _html(login(user).get(_detail(case)))
        assert "张三" in html
        assert MASKED_ID in html and FULL_ID not in html, user
    html = _html(login("mediator").get(_detail(case)))
    assert FULL_ID in html and MASKED_ID not in html
    partner_html = _html(login("partner").get(_detail(case_world["cases"]["partner"])))
    assert "李四" in partner_html and FULL_ID in partner_html


def test_detail_links_to_party_page_only_for_editors(login, case_world):
    case = case_world["cases"]["submitted"]
    parties_url = reverse("cases:case-parties", args=[case.pk])
    assert parties_url in _html(login("clerk").get(_detail(case)))
    assert parties_url not in _html(login("enterprise").get(_detail(case)))


def test_detail_shows_agreement_with_ownership_warning_and_links(login, case_world):
    users, orgs = case_world["users"], case_world["orgs"]
    case = advance(
        make_case(
            users["clerk"],
            orgs["committee"],
            title="专利权属纠纷",
            dispute_type=DisputeType.PATENT_OWNERSHIP,
            parties=[
                org_party(PartyRole.APPLICANT, orgs["ent_a"]),
                org_party(PartyRole.RESPONDENT, orgs["ent_b"]),
            ],
        ),
        users["clerk"],
        users["mediator"],
        "settled",
    )
    html = _html(login("mediator").get(_detail(case)))
    assert "ownership-warning" in html
    assert "被申请人停止销售侵权产品" in html
    assert reverse("cases:agreement-pdf", args=[case.pk]) in html
    assert reverse("cases:agreement-document", args=[case.pk]) not in html  # no scan uploaded


def test_detail_related_disputes_linked_when_visible_and_counted_when_not(login, case_world):
    users, cases = case_world["users"], case_world["cases"]
    patent = case_world["ips"]["patent_a"]
    services.right_add(actor=users["clerk"], case=cases["submitted"], intellectual_property=patent)
    services.right_add(
        actor=users["mediator"], case=cases["mediating"], intellectual_property=patent
    )
    services.right_add(
        actor=users["partner"],
        case=cases["partner"],
        kind=IntellectualProperty.Kind.INVENTION_PATENT,
        number="201710601862.3",
    )
    html = _html(login("mediator").get(_detail(cases["submitted"])))
    assert f'href="{_detail(cases["mediating"])}"' in html
    assert "1 related case in other cities" in html
    assert _detail(cases["partner"]) not in html and "沈阳案件" not in html


def test_detail_in_chinese(client, case_world):
    client.force_login(case_world["users"]["mediator"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    html = _html(client.get(_detail(case_world["cases"]["mediating"])))
    assert ZH in html
    assert "调解中案件" in html and "漳州市知识产权纠纷人民调解委员会" in html


def test_list_in_chinese(client, case_world):
    client.force_login(case_world["users"]["mediator"])
    html = _html(client.get(reverse("cases:case-list")))  # Chinese is the default
    assert ZH in html
    assert "已提交案件" in html and "漳州甲食品有限公司" in html


# --- transitions ------------------------------------------------------------------------


def test_detail_offers_the_transitions_the_user_may_start(login, case_world):
    html = _html(login("mediator").get(_detail(case_world["cases"]["submitted"])))
    offered = set(re.findall(r'data-transition="(\w+)"', html))
    assert offered == {"accept", "decline"}
    assert f'hx-get="{_transition(case_world["cases"]["submitted"], "accept")}"' in html
    assert not re.findall(
        r'data-transition="(\w+)"',
        _html(login("enterprise").get(_detail(case_world["cases"]["submitted"]))),
    )


def test_submitting_a_draft_allocates_a_number(login, case_world):
    users, draft = case_world["users"], case_world["cases"]["draft"]
    services.party_add(
        actor=users["clerk"],
        case=draft,
        **org_party(PartyRole.RESPONDENT, case_world["orgs"]["ent_b"]),
    )
    draft = _refresh(draft)
    client = login("clerk")
    response = client.post(_transition(draft, "submit"), {"version": draft.version})
    assert response.status_code == 302 and response.url == _detail(draft)
    draft = _refresh(draft)
    assert draft.status == Status.SUBMITTED and draft.number
    page = _html(client.get(_detail(draft)))
    assert draft.number in page and "Submit: done." in page


def test_refused_transition_explains_the_rule_and_changes_nothing(login, case_world):
    draft = case_world["cases"]["draft"]  # an applicant but no respondent
    events = CaseEvent.objects.filter(case=draft).count()
    response = login("clerk").post(_transition(draft, "submit"), {"version": draft.version})
    assert response.status_code == 200
    assert "A case can only be submitted with a respondent." in _html(response)
    after = _refresh(draft)
    assert (after.status, after.number, after.version) == (Status.DRAFT, "", draft.version)
    assert CaseEvent.objects.filter(case=draft).count() == events


def test_transition_not_allowed_in_this_state_explains_why(login, case_world):
    case = case_world["cases"]["mediating"]
    response = login("mediator").post(_transition(case, "accept"), {"version": case.version})
    assert "cannot be moved by &quot;accept&quot;" in _html(response)
    assert _refresh(case).status == Status.MEDIATING


def test_transition_with_a_stale_version_shows_the_conflict_and_changes_nothing(login, case_world):
    case = case_world["cases"]["submitted"]
    services.case_assign(
        actor=case_world["users"]["mediator"], case=case, mediator=case_world["users"]["mediator"]
    )  # someone else changed the case: version + 1
    response = login("mediator").post(
        _transition(case, "accept"), {"version": case.version}, **HTMX
    )
    assert response.status_code == 409
    assert CONFLICT in _html(response)
    assert "<html" not in _html(response)
    assert _refresh(case).status == Status.SUBMITTED
    page = login("mediator").post(_transition(case, "accept"), {"version": case.version})
    assert page.status_code == 409 and CONFLICT in _html(page) and "<html" in _html(page)


def test_htmx_get_returns_the_form_fragment_only(login, case_world):
    case = case_world["cases"]["submitted"]
    client = login("mediator")
    fragment = _html(client.get(_transition(case, "decline"), **HTMX))
    assert "<html" not in fragment and "<form" in fragment
    assert f'hx-post="{_transition(case, "decline")}"' in fragment
    assert f'name="version" value="{case.version}"' in fragment
    assert 'name="reason"' in fragment
    page = _html(client.get(_transition(case, "decline")))
    assert "<html" in page and 'name="reason"' in page and 'method="post"' in page
    assert 'name="reason"' not in _html(client.get(_transition(case, "accept"), **HTMX))


def test_htmx_post_success_redirects_with_hx_redirect(login, case_world):
    case = case_world["cases"]["submitted"]
    response = login("mediator").post(
        _transition(case, "decline"),
        {"version": case.version, "reason": "不属于知识产权纠纷"},
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == _detail(case)
    case = _refresh(case)
    assert case.status == Status.DECLINED and case.outcome_reason == "不属于知识产权纠纷"


def test_reason_is_required_for_reason_transitions(login, case_world):
    case = case_world["cases"]["submitted"]
    response = login("mediator").post(_transition(case, "decline"), {"version": case.version})
    assert "This field is required." in _html(response)
    assert _refresh(case).status == Status.SUBMITTED


def test_unknown_transition_is_404_and_invisible_case_is_404(login, case_world):
    case = case_world["cases"]["submitted"]
    client = login("mediator")
    assert client.get(_transition(case, "teleport")).status_code == 404
    assert client.post(_transition(case, "teleport"), {"version": 1}).status_code == 404
    partner = case_world["cases"]["partner"]
    assert client.post(_transition(partner, "accept"), {"version": 1}).status_code == 404


def test_user_without_the_transition_permission_is_refused_with_a_message(login, case_world):
    case = case_world["cases"]["submitted"]
    response = login("enterprise").post(_transition(case, "accept"), {"version": case.version})
    assert response.status_code == 403
    assert "You are not allowed to do this on this case." in _html(response)
    assert _refresh(case).status == Status.SUBMITTED


# --- assignment and workload ---------------------------------------------------------------


def test_assign_and_unassign_a_mediator(login, case_world):
    case, mediator2 = case_world["cases"]["submitted"], case_world["users"]["mediator2"]
    client = login("mediator")
    response = client.post(reverse("cases:case-assign", args=[case.pk]), {"mediator": mediator2.pk})
    assert response.status_code == 302
    assert CaseAssignment.objects.filter(case=case, user=mediator2, unassigned_at=None).exists()
    assert CaseEvent.objects.filter(case=case, verb="case.assigned").exists()
    html = _html(client.get(_detail(case)))
    assert f'data-mediator="{mediator2.pk}"' in html and "mediator2 was assigned" in html
    unassign = reverse("cases:case-unassign", args=[case.pk, mediator2.pk])
    assert client.get(unassign).status_code == 405
    assert client.post(unassign).status_code == 302
    assert not CaseAssignment.objects.filter(case=case, user=mediator2, unassigned_at=None).exists()
    assert CaseEvent.objects.filter(case=case, verb="case.unassigned").exists()
    assert client.post(unassign).status_code == 404  # no longer assigned


def test_assign_form_lists_eligible_mediators_with_workload_and_related_check(login, case_world):
    case = case_world["cases"]["submitted"]
    fragment = _html(login("mediator").get(reverse("cases:case-assign", args=[case.pk]), **HTMX))
    assert "<html" not in fragment
    assert "mediator — 1 open cases" in fragment  # assigned to the mediating case
    assert "mediator2 — 0 open cases" in fragment
    assert ">partner" not in fragment  # not a mediator of the handling organisation
    assert "related-disputes" in fragment


def test_assigning_someone_outside_the_organisation_is_refused(login, case_world):
    case = case_world["cases"]["submitted"]
    response = login("mediator").post(
        reverse("cases:case-assign", args=[case.pk]),
        {"mediator": case_world["users"]["partner"].pk},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in _html(response)
    assert not CaseAssignment.objects.filter(case=case).exists()


def test_assignment_needs_the_permission(login, case_world):
    case = case_world["cases"]["submitted"]
    url = reverse("cases:case-assign", args=[case.pk])
    mediator2 = case_world["users"]["mediator2"]
    assert login("clerk").post(url, {"mediator": mediator2.pk}).status_code == 403
    assert login("partner").post(url, {"mediator": mediator2.pk}).status_code == 404
    assert not CaseAssignment.objects.filter(case=case).exists()


def test_workload_shows_open_cases_per_mediator(login, case_world):
    users = case_world["users"]
    services.case_assign(
        actor=users["mediator"], case=case_world["cases"]["submitted"], mediator=users["mediator2"]
    )
    html = _html(login("mediator").get(reverse("cases:workload")))
    rows = dict(
        re.findall(
            r'<tr data-mediator="(\d+)">.*?class="num open-cases"><a [^>]*>(\d+)</a>', html, re.S
        )
    )
    assert rows == {str(users["mediator"].pk): "1", str(users["mediator2"].pk): "1"}
    assert f"?mediator={users['mediator'].pk}&amp;handling_organization=" in html
    assert "status=mediating" in html
    bureau_admin = _html(login("org_admin").get(reverse("cases:workload")))
    assert "漳州市知识产权纠纷人民调解委员会" in bureau_admin  # the committee below the bureau
    assert "You are not a mediator" in _html(login("enterprise").get(reverse("cases:workload")))


@pytest.mark.parametrize("user", ["mediator", "org_admin"])
def test_workload_link_opens_the_filtered_list(login, case_world, user):
    client = login(user)
    html = _html(client.get(reverse("cases:workload")))
    link = re.search(
        rf'href="(/cases/\?mediator={case_world["users"]["mediator"].pk}[^"]*)"', html
    ).group(1)
    response = client.get(link.replace("&amp;", "&"))
    assert "Some filters are not valid" not in _html(response)
    assert set(_listed(response)) == _ids(case_world, "mediating")


# --- edit and delete ---------------------------------------------------------------------


def test_edit_keeps_input_on_error_and_changes_nothing(login, case_world):
    case = case_world["cases"]["submitted"]
    data = {
        "title": "改过的标题",
        "facts": "新的事实",
        "dispute_type": DisputeType.DESIGN_INFRINGEMENT,
        "mediation_kind": "peoples",
        "source": Source.DIRECT,
        "claim_amount": "-5.00",
        "settled_amount": "1.005",
        "is_online": "on",
        "version": case.version,
    }
    response = login("clerk").post(reverse("cases:case-edit", args=[case.pk]), data)
    html = _html(response)
    assert response.status_code == 200
    assert 'value="改过的标题"' in html and 'value="-5.00"' in html
    assert "is-invalid" in html
    assert "Ensure that there are no more than 2 decimal places." in html
    assert _refresh(case).title == "已提交案件"


def test_edit_saves_through_the_service(login, case_world):
    case = case_world["cases"]["submitted"]
    client = login("clerk")
    form = _html(client.get(reverse("cases:case-edit", args=[case.pk])))
    assert f'name="version" value="{case.version}"' in form and 'value="已提交案件"' in form
    data = {
        "title": "已提交案件（更正）",
        "facts": "",
        "dispute_type": DisputeType.DESIGN_INFRINGEMENT,
        "mediation_kind": "peoples",
        "source": Source.DIRECT,
        "claim_amount": "130000.50",
        "settled_amount": "",
        "is_online": "on",
        "version": case.version,
    }
    response = client.post(reverse("cases:case-edit", args=[case.pk]), data)
    assert response.status_code == 302
    after = _refresh(case)
    assert after.title == "已提交案件（更正）" and after.claim_amount == Decimal("130000.50")
    assert after.version == case.version + 1
    event = CaseEvent.objects.filter(case=case, verb="case.updated").get()
    assert set(event.data["fields"]) == {"title", "claim_amount"}
    # the same form posted again with the old version is a conflict
    stale = client.post(reverse("cases:case-edit", args=[case.pk]), {**data, "title": "再改"})
    assert stale.status_code == 409 and CONFLICT in _html(stale)
    assert _refresh(case).title == "已提交案件（更正）"


def test_edit_needs_the_permission(login, case_world):
    case = case_world["cases"]["submitted"]
    assert login("enterprise").get(reverse("cases:case-edit", args=[case.pk])).status_code == 403
    assert login("partner").get(reverse("cases:case-edit", args=[case.pk])).status_code == 404


def test_delete_a_draft_only(login, case_world):
    draft, submitted = case_world["cases"]["draft"], case_world["cases"]["submitted"]
    client = login("clerk")
    confirm = client.get(reverse("cases:case-delete", args=[draft.pk]))
    assert "Delete this draft?" in _html(confirm) and "草稿案件" in _html(confirm)
    response = client.post(reverse("cases:case-delete", args=[draft.pk]))
    assert response.status_code == 302 and response.url == reverse("cases:case-list")
    assert not MediationCase.objects.filter(pk=draft.pk).exists()
    refused = client.post(reverse("cases:case-delete", args=[submitted.pk]))
    assert refused.status_code == 302 and refused.url == _detail(submitted)
    assert MediationCase.objects.filter(pk=submitted.pk).exists()
    assert "Only drafts can be deleted." in _html(client.get(_detail(submitted)))


def test_delete_needs_the_permission(login, case_world):
    draft = case_world["cases"]["draft"]
    assert login("mediator2").post(reverse("cases:case-delete", args=[draft.pk])).status_code == 403
    assert login("partner").post(reverse("cases:case-delete", args=[draft.pk])).status_code == 404
    assert MediationCase.objects.filter(pk=draft.pk).exists()


def test_a_list_longer_than_the_count_limit_says_so_and_stops_counting(login, case_world, settings):
    _bulk_cases(case_world, 3)
    client = login("mediator")
    visible = len(_listed(_list(client, page_size=100)))
    assert visible == 6
    settings.LIST_COUNT_LIMIT = 4
    response = _list(client, page_size=25)
    html = _html(response)
    assert '<span class="badge text-bg-light align-middle list-count">4+</span>' in html
    assert "of more than 4" in html
    # the status chips name the statuses without numbers, and still link to them
    assert 'data-status="mediating"' in html
    assert '<span class="count">' not in html
    assert len(_listed(response)) == 4  # the pages stop at the limit
    # under the limit the numbers are back and add up to the rows
    settings.LIST_COUNT_LIMIT = 100
    html = _html(_list(client))
    counts = [int(n) for n in re.findall(r'<span class="count">(\d+)</span>', html)]
    assert sum(counts) == visible
    assert f'list-count">{visible}</span>' in html
