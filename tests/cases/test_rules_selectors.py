"""One policy: for every user and case, the queryset selectors and the per-object rules agree,
and both match the visibility table of DESIGN §6."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.models import IntellectualProperty
from cases import selectors, services
from cases.choices import PartyRole, Status
from cases.models import CaseEvent, CaseRight, MediationCase, MediationSession, Party
from tests.cases.conftest import advance, make_case, org_party

pytestmark = pytest.mark.django_db

EXPECTED_VISIBLE = {
    # user → cases of case_world they see
    "superuser": {"draft", "submitted", "mediating", "partner"},
    "org_admin": {"draft", "submitted", "mediating"},  # admin of the committee's parent bureau
    "mediator": {"draft", "submitted", "mediating"},
    "mediator2": {"draft", "submitted", "mediating"},
    "clerk": {"draft", "submitted", "mediating"},
    "partner": {"partner"},
    "court": set(),  # court liaison visibility comes with judicial confirmation (issue 4)
    "servicepoint": set(),
    "enterprise": {"submitted", "mediating"},  # its enterprise is a party; never drafts
    "nobody": set(),
}


@pytest.fixture
def everyone(case_world):
    users = dict(case_world["users"])
    assert "nobody" in users  # a user without any membership (tests/conftest.py)
    return users


def test_visibility_matches_the_design_table(case_world, everyone):
    names = {case.pk: name for name, case in case_world["cases"].items()}
    for username, user in everyone.items():
        seen = {names[pk] for pk in selectors.case_visible_to(user).values_list("pk", flat=True)}
        assert seen == EXPECTED_VISIBLE[username], username


def test_anonymous_sees_nothing(case_world):
    assert not selectors.case_visible_to(AnonymousUser()).exists()
    assert not AnonymousUser().has_perm("cases.view_mediationcase", case_world["cases"]["draft"])


def _more_cases(case_world):
    """Cases in the remaining states so that every rule sees every state."""
    users, orgs = case_world["users"], case_world["orgs"]
    parties = [
        org_party(PartyRole.APPLICANT, orgs["ent_a"]),
        org_party(PartyRole.RESPONDENT, orgs["ent_b"]),
    ]
    settled = advance(
        make_case(users["clerk"], orgs["committee"], parties=parties),
        users["clerk"],
        users["mediator"],
        "settled",
    )
    closed = advance(
        make_case(users["clerk"], orgs["committee"], parties=parties),
        users["clerk"],
        users["mediator"],
        "closed",
    )
    declined = services.case_decline(
        actor=users["mediator"],
        case=advance(
            make_case(users["clerk"], orgs["committee"], parties=parties),
            users["clerk"],
            users["mediator"],
            "submitted",
        ),
        reason="不属于受理范围",
    )
    return [settled, closed, declined]


PERMS = [
    "cases.view_mediationcase",
    "cases.change_mediationcase",
    "cases.delete_mediationcase",
    "cases.assign_mediationcase",
    *(f"cases.{name}_mediationcase" for name in services.TRANSITION_SERVICES),
]


def test_selectors_and_rules_agree_for_every_user_case_and_child(case_world, everyone):
    cases = [*case_world["cases"].values(), *_more_cases(case_world)]
    assert {c.status for c in cases} >= {
        Status.DRAFT,
        Status.SUBMITTED,
        Status.MEDIATING,
        Status.SETTLED,
        Status.CLOSED,
        Status.DECLINED,
    }
    children = [
        ("cases.view_party", selectors.party_visible_to, Party),
        ("cases.view_caseright", selectors.case_right_visible_to, CaseRight),
        ("cases.view_mediationsession", selectors.session_visible_to, MediationSession),
        ("cases.view_caseevent", selectors.event_visible_to, CaseEvent),
    ]
    CaseRight.objects.create(
        case=cases[0], kind=IntellectualProperty.Kind.TRADEMARK, number="12345678"
    )
    for user in everyone.values():
        visible = set(selectors.case_visible_to(user).values_list("pk", flat=True))
        for case in cases:
            may_view = user.has_perm("cases.view_mediationcase", case)
            assert may_view == (case.pk in visible), (user.username, case.title, case.status)
            if not may_view:
                # Nothing else is allowed on a case one cannot see.
                assert not any(user.has_perm(p, case) for p in PERMS), user.username
        for perm, selector, model in children:
            allowed = set(selector(user).values_list("pk", flat=True))
            for obj in model.objects.select_related("case"):
                assert user.has_perm(perm, obj) == (obj.pk in allowed), (user.username, perm)


def test_finished_cases_allow_no_edit_or_assignment(case_world):
    closed = _more_cases(case_world)[1]
    for user in case_world["users"].values():
        if user.is_superuser:
            continue
        assert not user.has_perm("cases.change_mediationcase", closed)
        assert not user.has_perm("cases.assign_mediationcase", closed)


def test_only_the_handling_organisations_mediators_see_full_id_numbers(case_world):
    users = case_world["users"]
    case = case_world["cases"]["mediating"]
    assert selectors.may_see_full_id_numbers(users["mediator"], case)
    assert selectors.may_see_full_id_numbers(users["mediator2"], case)
    for name in ("clerk", "org_admin", "partner", "enterprise", "court"):
        assert not selectors.may_see_full_id_numbers(users[name], case), name


def test_my_cases_are_the_actively_assigned_ones(case_world):
    users = case_world["users"]
    mine = set(selectors.case_list(users["mediator"], mine=True).values_list("pk", flat=True))
    assert mine == {case_world["cases"]["mediating"].pk}
    services.case_unassign(
        actor=users["mediator"], case=case_world["cases"]["mediating"], mediator=users["mediator"]
    )
    assert not selectors.case_list(users["mediator"], mine=True).exists()


def test_workload_counts_open_assigned_cases_per_mediator(case_world):
    users, orgs = case_world["users"], case_world["orgs"]
    services.case_assign(
        actor=users["mediator"], case=case_world["cases"]["submitted"], mediator=users["mediator"]
    )
    rows = {u.username: (u.open_cases, u.mediating) for u in selectors.mediator_workload(
        orgs["committee"]
    )}  # fmt: skip
    assert rows == {"mediator": (2, 1), "mediator2": (0, 0)}


def test_related_disputes_link_visible_cases_and_count_hidden_ones(case_world):
    users = case_world["users"]
    number = "ZL202230123456.2"
    here = case_world["cases"]["submitted"]
    services.right_add(actor=users["clerk"], case=here, kind="design_patent", number=number)
    # The same right in a visible case and in the partner city's case.
    visible = case_world["cases"]["mediating"]
    services.right_add(actor=users["mediator"], case=visible, kind="design_patent", number=number)
    services.right_add(
        actor=users["partner"],
        case=case_world["cases"]["partner"],
        kind="design_patent",
        number=number,
    )
    result = selectors.related_disputes(here, users["clerk"])
    assert [c.pk for c in result.visible] == [visible.pk]
    assert (result.hidden_count, result.hidden_cities) == (1, 1)
    # From Shenyang, the Zhangzhou cases are only counted.
    result = selectors.related_disputes(case_world["cases"]["partner"], users["partner"])
    assert result.visible == []
    assert result.hidden_count == 2
    # Drafts are never counted.
    draft = case_world["cases"]["draft"]
    services.right_add(actor=users["clerk"], case=draft, kind="design_patent", number=number)
    assert selectors.related_disputes(here, users["clerk"]).total == 2


def _submit_reversed_pair(case_world) -> MediationCase:
    """A Shenyang case between the submitted case's enterprises, applicant and respondent
    swapped."""
    users, orgs = case_world["users"], case_world["orgs"]
    reversed_pair = make_case(
        users["partner"],
        orgs["partner"],
        parties=[
            org_party(PartyRole.APPLICANT, orgs["ent_b"]),
            org_party(PartyRole.RESPONDENT, orgs["ent_a"]),
        ],
    )
    services.case_submit(actor=users["partner"], case=reversed_pair)
    return reversed_pair


def test_related_disputes_by_the_same_pair_of_enterprises_in_either_direction(case_world):
    users = case_world["users"]
    _submit_reversed_pair(case_world)
    result = selectors.related_disputes(case_world["cases"]["submitted"], users["clerk"])
    assert result.hidden_count == 1
    assert {c.pk for c in result.visible} == {case_world["cases"]["mediating"].pk}


def test_related_disputes_by_right_and_by_pair_take_one_query(case_world):
    """Every way of being related is one id query (a UNION) inside the one query of the
    related cases, their cities and whether the user sees them: not a query per right or
    pair, and nothing more when the box is written."""
    users = case_world["users"]
    here = case_world["cases"]["submitted"]
    for number in ("ZL202230123456.2", "ZL202230654321.9"):
        services.right_add(actor=users["clerk"], case=here, kind="design_patent", number=number)
        services.right_add(
            actor=users["partner"],
            case=case_world["cases"]["partner"],
            kind="design_patent",
            number=number,
        )
    _submit_reversed_pair(case_world)
    rights = list(here.rights.all())
    parties = list(here.parties.select_related("organization"))
    with CaptureQueriesContext(connection) as queries:
        result = selectors.related_disputes(here, users["clerk"], rights=rights, parties=parties)
        shown = [
            (c.number, c.title, c.status, c.handling_organization.display_name)
            for c in result.visible
        ]
    assert {c.pk for c in result.visible} == {case_world["cases"]["mediating"].pk}
    assert shown[0][3] == case_world["cases"]["mediating"].handling_organization.display_name
    assert (result.hidden_count, result.hidden_cities) == (2, 1)  # both in Shenyang
    assert len(queries) == 1, [q["sql"] for q in queries.captured_queries]


def test_the_few_and_the_list_forms_of_visibility_agree(case_world, everyone):
    """``few=True`` (EXISTS per row, for detail pages and rules) and the list form (ids read
    once per request, on PostgreSQL as one array) give the same cases, confirmations,
    referrals, comments and cited evidence to every user."""
    from evidence.models import EvidenceRecord
    from evidence.selectors import evidence_visible_to
    from tests.world import build_objects

    build_objects(case_world)
    pairs = [
        (selectors.case_visible_to, MediationCase),
        (selectors.case_full_visible_to, MediationCase),
        (selectors.confirmation_visible_to, None),
        (selectors.referral_visible_to, None),
        (selectors.comment_visible_to, None),
        (evidence_visible_to, EvidenceRecord),
    ]
    for username, user in everyone.items():
        for selector, _model in pairs:
            listed = set(selector(user).values_list("pk", flat=True))
            tested = set(selector(user, few=True).values_list("pk", flat=True))
            assert listed == tested, (username, selector.__name__)
    # the world gives each of these something to see through a share, a court or a party
    for username in ("partner", "court", "enterprise"):
        assert selectors.case_visible_to(everyone[username], few=True).exists(), username
