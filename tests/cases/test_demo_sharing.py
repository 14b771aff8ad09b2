"""Demo collaboration and sharing (``alliance.demo_collaboration`` and ``cases.demo_sharing``,
run by ``load_demo``): 159 collaboration requests sent in 2024 between the member bureaus and
89 coordinated cases received in 2024, current shares in the partner's inbox, idempotent.

"Coordinated case received in 2024": a case with ``received_on`` in 2024 that has at least one
``CaseShare`` — a direct share with another member or the share a case collaboration request
makes — counted once however many members took part. It is exactly what the case list's
``coordinated`` filter selects."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import F, Q
from django.test.utils import override_settings
from django.utils import timezone

from alliance import demo as alliance_demo
from alliance import selectors as alliance_selectors
from alliance.models import CollaborationReply, CollaborationRequest
from cases import selectors
from cases.filters import MediationCaseFilterSet
from cases.models import CaseComment, CaseShare, MediationCase

Status = CollaborationRequest.Status


def _load() -> str:
    out = io.StringIO()
    call_command("load_demo", force=True, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """``load_demo`` once for the module, rolled back afterwards (as in test_demo_court)."""
    settings = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        MEDIA_ROOT=str(tmp_path_factory.getbasetemp() / "media"),
    )
    with django_db_blocker.unblock(), settings, transaction.atomic():
        from alliance.deadlines import package_years
        from alliance.models import HolidayYear

        for year in range(package_years()[1] + 1, timezone.localdate().year + 2):
            HolidayYear.objects.get_or_create(year=year, defaults={"source": "tests"})
        output = _load()
        yield output
        transaction.set_rollback(True)


@pytest.fixture
def loaded(demo, db):
    return demo


def _of_2024():
    return CollaborationRequest.objects.filter(sent_on__year=2024).select_related(
        "from_organization", "to_organization"
    )


def _coordinated_2024():
    data = {"coordinated": "true", "received_after": "2024-01-01", "received_before": "2024-12-31"}
    return MediationCaseFilterSet(data, queryset=MediationCase.objects.all()).qs


# --- the figures ------------------------------------------------------------------------------


def test_exactly_159_requests_sent_in_2024_between_members(loaded):
    requests = _of_2024()
    assert requests.count() == 159
    members = set(alliance_selectors.member_organizations().values_list("pk", flat=True))
    assert len(members) == 34
    for request in requests:
        assert request.from_organization_id in members
        assert request.to_organization_id in members
        # a bureau that joined in 2024 takes part only after it joined
        assert request.from_organization.alliance_joined_on <= request.sent_on
        assert request.to_organization.alliance_joined_on <= request.sent_on
    pairs = {(r.from_organization_id, r.to_organization_id) for r in requests}
    assert len({org for pair in pairs for org in pair}) >= 20


def test_zhangzhou_takes_part_in_most_requests_and_most_are_completed_on_time(loaded):
    requests = _of_2024()
    zz = Q(from_organization__name=alliance_demo.ZHANGZHOU_BUREAU) | Q(
        to_organization__name=alliance_demo.ZHANGZHOU_BUREAU
    )
    assert requests.filter(zz).count() > 159 * 0.6
    statuses = Counter(requests.values_list("status", flat=True))
    assert statuses[Status.COMPLETED] > 159 / 2
    assert statuses[Status.DECLINED] and statuses[Status.CANCELLED]
    assert 0 < statuses[Status.ACCEPTED] + statuses[Status.OPEN] <= 10
    completed = requests.filter(status=Status.COMPLETED)
    on_time = completed.filter(closed_on__lte=F("due_on")).count()
    assert completed.count() * 0.75 < on_time < completed.count()  # mostly, not always
    assert set(requests.values_list("kind", flat=True)) == set(CollaborationRequest.Kind.values)
    assert not requests.filter(status__in=[Status.DECLINED, Status.CANCELLED], closing_note="")


def test_completed_requests_have_replies_from_the_receiving_side(loaded):
    completed = _of_2024().filter(status=Status.COMPLETED)
    replies = CollaborationReply.objects.filter(request__in=completed)
    answered = set(
        replies.filter(organization=F("request__to_organization")).values_list("request", flat=True)
    )
    assert answered == set(completed.values_list("pk", flat=True))
    assert replies.exclude(attachment="").exists()
    assert replies.filter(organization=F("request__from_organization")).exists()


def test_exactly_89_coordinated_cases_received_in_2024(loaded):
    coordinated = _coordinated_2024()
    assert coordinated.count() == 89
    by_definition = (
        MediationCase.objects.filter(received_on__year=2024, shares__isnull=False)
        .distinct()
        .count()
    )
    assert by_definition == 89
    # every share goes to another member than the handling side
    members = set(alliance_selectors.member_organizations().values_list("pk", flat=True))
    for share in CaseShare.objects.filter(case__in=coordinated).select_related("case"):
        assert share.organization_id in members
        assert share.organization_id != share.case.handling_organization_id
    # some through a collaboration request about the case, some shared directly
    linked = CaseShare.objects.filter(case__in=coordinated, request__isnull=False)
    assert linked.values("request").distinct().count() == 24
    assert CaseShare.objects.filter(case__in=coordinated, request__isnull=True).exists()
    handling = set(coordinated.values_list("handling_organization__name", flat=True))
    assert alliance_demo.ZHANGZHOU_BUREAU in handling and len(handling) > 10


def test_the_coordinated_2024_cases_were_numbered_in_2024(loaded):
    for case in _coordinated_2024():
        assert case.number_year == 2024 and "2024" in case.number, case.title


def test_shares_of_2024_were_made_while_the_case_was_handled(loaded):
    for share in CaseShare.objects.filter(case__received_on__year=2024).select_related("case"):
        granted = timezone.localtime(share.granted_at).date()
        assert share.case.received_on <= granted, share
        assert share.case.events.filter(verb__in=["case.shared", "collaboration.requested"])


# --- the partner's inbox and current items ----------------------------------------------------


def test_the_partner_inbox_holds_shared_cases_with_a_collaborate_share_and_comments(loaded):
    partner = get_user_model().objects.get(username="partner")
    inbox = selectors.shared_with(partner)
    assert inbox.exists()
    shenyang = partner.memberships.get().organization
    year = timezone.localdate().year
    current = CaseShare.objects.filter(organization=shenyang, granted_at__year=year, case__in=inbox)
    assert current.filter(level=CaseShare.Level.COLLABORATE).exists()
    commented = CaseComment.objects.filter(case__in=current.values("case"))
    assert {c.organization_id for c in commented} >= {shenyang.pk}
    assert commented.filter(reply_to__isnull=False).exists()
    # a case collaboration request still open in the partner's queue
    assert current.filter(request__status=Status.OPEN).exists()
    assert CollaborationRequest.objects.filter(
        to_organization=shenyang, status=Status.OPEN
    ).exists()


def test_one_revoked_share_is_gone_from_the_partner(loaded):
    revoked = CaseShare.objects.filter(revoked_at__isnull=False)
    assert revoked.count() == 1
    share = revoked.get()
    assert share.revoke_reason
    partner = get_user_model().objects.get(username="partner")
    assert share.case not in selectors.case_visible_to(partner)


def test_the_zhangzhou_side_sees_a_case_shared_by_shenyang(loaded):
    clerk = get_user_model().objects.get(username="clerk")
    inbox = selectors.shared_with(clerk)
    assert inbox.filter(handling_organization__name=alliance_demo.PARTNER_BUREAU).exists()


def test_some_current_requests_are_overdue(loaded):
    today = timezone.localdate()
    current = CollaborationRequest.objects.filter(sent_on__year=today.year)
    overdue = current.filter(status__in=CollaborationRequest.ACTIVE_STATUSES, due_on__lt=today)
    assert overdue.exists()
    assert current.filter(status__in=CollaborationRequest.ACTIVE_STATUSES, due_on__gte=today)


# --- idempotent -------------------------------------------------------------------------------


def _snapshot() -> dict[str, list]:
    return {
        "requests": list(CollaborationRequest.objects.order_by("pk").values_list()),
        "replies": list(CollaborationReply.objects.order_by("pk").values_list()),
        "shares": list(CaseShare.objects.order_by("pk").values_list()),
        "comments": list(CaseComment.objects.order_by("pk").values_list()),
        "cases": list(MediationCase.objects.order_by("pk").values_list("pk", "version")),
    }


def test_loading_again_changes_nothing(loaded):
    before = _snapshot()

    output = _load()

    assert _snapshot() == before
    assert "demo collaboration requests already loaded" in output
    assert "demo shares already loaded" in output
    assert "coordinated_cases_2024 89" in output and "collaboration_requests_2024 159" in output


def test_load_demo_reports_the_figures(loaded):
    assert "135 sent in 2024" in loaded
    assert "89 coordinated cases received in 2024" in loaded
