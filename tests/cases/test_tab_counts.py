"""The case page's tab badges (``cases.tab_counts``) against the visibility querysets they
stand in for: for every role and every case the role sees, each badge is the number of the
case's sessions, court items, cited records and comments that the role's querysets list."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import RequestFactory

from alliance.models import Organization
from cases import selectors, services
from cases.models import MediationCase, MediationSession
from cases.tab_counts import TabCounts, tab_counts
from cases.views.detail import CaseDetailView
from evidence import services as evidence_services
from evidence.selectors import evidence_visible_to
from tests.world import build_objects

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(case_world):
    """The authorization matrix's world, plus what makes a role's part differ from the
    whole: a record of another enterprise cited beside ent_a's, comments on the shared and
    the failed case, a citation on the shared case, and the failed case referred to a second
    court."""
    objects = build_objects(case_world)
    users, orgs = case_world["users"], case_world["orgs"]
    other = evidence_services.deposit(
        actor=users["servicepoint"],
        depositor=orgs["ent_b"],
        kind="text",
        title="对方店铺页面",
        category="listing",
        text="ent_b evidence",
    )
    for case in (objects["settled"], objects["shared"]):
        services.evidence_link(actor=users["superuser"], case=case, record=objects["record"])
    services.evidence_link(actor=users["superuser"], case=objects["settled"], record=other)
    services.comment_add(actor=users["org_admin"], case=objects["shared"], body="请协查")
    services.comment_add(actor=users["mediator"], case=objects["failed"], body="已移送")
    second_court = (
        Organization.objects.filter(kind=Organization.Kind.COURT)
        .exclude(pk=objects["referral"].court_id)
        .first()
    )
    services.referral_to_litigation(
        actor=users["mediator"], case=objects["failed"], court=second_court
    )
    return objects


def _page_counts(user, case: MediationCase) -> TabCounts:
    """The badges as the case page reads them: its own queryset, then ``tab_counts``."""
    view = CaseDetailView()
    view.request = RequestFactory().get("/")
    view.request.user = user
    return tab_counts(user, view.get_queryset().get(pk=case.pk))


def _expected(user, case: MediationCase) -> TabCounts:
    return TabCounts(
        sessions=MediationSession.objects.filter(case=case).count(),
        court_items=selectors.confirmation_visible_to(user).filter(case=case).count()
        + selectors.referral_visible_to(user).filter(case=case).count(),
        cited=evidence_visible_to(user).filter(cited_in_cases=case).count(),
        comments=selectors.comment_visible_to(user).filter(case=case).count(),
    )


def _totals(case: MediationCase) -> TabCounts:
    return TabCounts(
        sessions=case.sessions.count(),
        court_items=case.confirmations.count() + case.referrals.count(),
        cited=case.evidence.count(),
        comments=case.comments.count(),
    )


def test_every_badge_counts_what_the_role_may_see(objects):
    partial = set()  # (role, field) where the role sees part of a case's children
    checked = 0
    for role, user in objects["users"].items():
        for case in selectors.case_visible_to(user):
            expected = _expected(user, case)
            assert _page_counts(user, case) == expected, (role, case.number)
            checked += 1
            totals = _totals(case)
            partial |= {
                (role, field)
                for field in ("court_items", "cited", "comments")
                if 0 < getattr(totals, field) != getattr(expected, field)
            }
    assert checked >= 20
    # The world gives each rule something to hide (else the equality proves nothing):
    assert {
        ("enterprise", "cited"),  # a party sees its own records, not the other side's
        ("enterprise", "comments"),  # a party sees a summary
        ("court", "court_items"),  # a court sees the items at its court
        ("court", "comments"),
    } <= partial


def test_the_page_shows_the_counts(objects, client):
    """The failed case at the court: 1 of its 2 referrals; as the handling side: both."""
    failed = objects["failed"]
    for role, court_items in (("court", 1), ("mediator", 2)):
        client.force_login(objects["users"][role])
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        html = client.get(f"/cases/{failed.pk}/").content.decode()
        badge = f'aria-selected="false">Court <span class="badge text-bg-light">{court_items}<'
        assert badge in html, role
