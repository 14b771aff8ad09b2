"""Demo cases (``cases.demo``, run by ``load_demo``): every status, cross-region cases, real
numbers and timelines written by the services, valid personal data, idempotent."""

from __future__ import annotations

import io
from collections import defaultdict

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from alliance import demo as alliance_demo
from alliance.models import Membership, Organization
from alliance.validators import validate_resident_id, validate_uscc
from cases.choices import OPEN_STATUSES, PartyKind, Status
from cases.models import (
    Agreement,
    CaseAssignment,
    CaseEvent,
    CaseNumberCounter,
    CaseRight,
    MediationCase,
    MediationSession,
    Party,
)
from cases.selectors import case_list, case_visible_to


def _load() -> str:
    out = io.StringIO()
    call_command("load_demo", force=True, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """``load_demo`` once for the module, rolled back afterwards (it takes a few seconds)."""
    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        MEDIA_ROOT=str(tmp_path_factory.getbasetemp() / "media"),  # as tests/conftest.py
    )
    with django_db_blocker.unblock(), fast, transaction.atomic():
        output = _load()
        yield output
        transaction.set_rollback(True)


@pytest.fixture
def loaded(demo, db):
    return demo


def _snapshot() -> dict[str, int]:
    User = get_user_model()
    models = [
        MediationCase,
        Party,
        CaseRight,
        CaseAssignment,
        MediationSession,
        Agreement,
        CaseEvent,
        CaseNumberCounter,
        User,
        Membership,
    ]
    counts = {model._meta.label: model.objects.count() for model in models}
    counts["case_history"] = MediationCase.history.count()
    counts["party_history"] = Party.history.count()
    counts["max_version"] = max(MediationCase.objects.values_list("version", flat=True))
    return counts


def test_every_status_is_present(loaded):
    statuses = set(MediationCase.objects.values_list("status", flat=True))
    assert statuses == set(Status.values)


def test_between_60_and_250_cases_most_at_the_zhangzhou_committee_and_bureau(loaded):
    """About 100 current cases plus the 2024 cases behind the confirmation and coordination
    figures."""
    total = MediationCase.objects.count()
    assert 60 <= total <= 250
    zhangzhou = MediationCase.objects.filter(
        handling_organization__name__in=[
            alliance_demo.MEDIATION_COMMITTEE,
            alliance_demo.ZHANGZHOU_BUREAU,
        ]
    ).count()
    assert zhangzhou > total / 2


def test_every_member_bureau_handles_a_case(loaded):
    bureaus = Organization.objects.filter(alliance_joined_on__isnull=False)
    assert bureaus.count() == 34
    handling = set(MediationCase.objects.values_list("handling_organization", flat=True))
    assert set(bureaus.values_list("pk", flat=True)) <= handling


def test_cross_region_cases_exist_and_the_flag_follows_the_parties(loaded):
    cross = MediationCase.objects.filter(is_cross_region=True)
    assert cross.count() >= 10
    assert cross.exclude(handling_organization__region__code="350600").exists()
    assert cross.filter(handling_organization__region__code="350600").exists()
    # A party from another province makes the case cross-region.
    outside_fujian = MediationCase.objects.filter(
        parties__organization__region__code__startswith="44"
    ).distinct()
    assert outside_fujian.exists()
    assert not outside_fujian.filter(is_cross_region=False).exists()


def test_numbers_are_unique_and_gapless_per_organisation_and_year(loaded):
    sequences: dict[tuple[int, int], list[int]] = defaultdict(list)
    numbered = MediationCase.objects.exclude(status=Status.DRAFT)
    for org, year, seq, number in numbered.values_list(
        "handling_organization", "number_year", "number_seq", "number"
    ):
        assert number and str(year) in number
        sequences[(org, year)].append(seq)
    assert len(sequences) >= 30  # a few bureaus' only case is still a draft
    for (org, year), seqs in sequences.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), (org, year)
        counter = CaseNumberCounter.objects.get(organization_id=org, year=year)
        assert counter.last_value == len(seqs)
    assert not MediationCase.objects.filter(status=Status.DRAFT).exclude(number="").exists()


def test_numbers_follow_the_order_of_receipt(loaded):
    committee = Organization.objects.get(name=alliance_demo.MEDIATION_COMMITTEE)
    received = list(
        MediationCase.objects.filter(handling_organization=committee)
        .exclude(status=Status.DRAFT)
        .order_by("number_year", "number_seq")
        .values_list("received_on", flat=True)
    )
    assert received == sorted(received)
    assert len(set(received)) > 5  # spread over the past weeks, not all today


def test_the_committee_numbers_use_the_default_format(loaded):
    case = MediationCase.objects.get(
        handling_organization__name=alliance_demo.MEDIATION_COMMITTEE,
        number_year=timezone.localdate().year,
        number_seq=1,
    )
    assert case.number == f"漳知调〔{case.number_year}〕第0001号"


def test_every_resident_id_number_is_valid(loaded):
    people = Party.objects.filter(kind=PartyKind.PERSON)
    assert people.count() >= 20
    for party in people:
        assert party.id_number, party.name
        validate_resident_id(party.id_number)


def test_every_enterprise_party_has_a_valid_uscc(loaded):
    parties = Party.objects.filter(kind=PartyKind.ORGANIZATION).select_related("organization")
    for party in parties:
        validate_uscc(party.organization.uscc)
        assert party.name == party.organization.name


def test_every_case_has_a_case_created_event_first(loaded):
    for case in MediationCase.objects.prefetch_related("events"):
        events = list(case.events.all())
        assert events[0].verb == "case.created", case.title
        assert events[0].actor_id == case.created_by_id


def test_every_status_change_is_on_the_timeline(loaded):
    for case in MediationCase.objects.exclude(status=Status.DRAFT).prefetch_related("events"):
        changes = [e.to_status for e in case.events.all() if e.from_status]
        assert changes[0] == Status.SUBMITTED
        assert changes[-1] == case.status
        submitted = next(e for e in case.events.all() if e.verb == "case.submitted")
        assert timezone.localtime(submitted.created_at).date() == case.received_on
        assert submitted.data["number"] == case.number


def test_every_case_but_drafts_has_an_applicant_and_a_respondent(loaded):
    for case in MediationCase.objects.exclude(status=Status.DRAFT).prefetch_related("parties"):
        roles = {party.role for party in case.parties.all()}
        assert {"applicant", "respondent"} <= roles, case.title


def test_cases_cite_rights_and_settled_cases_have_signed_agreements(loaded):
    assert not MediationCase.objects.filter(rights__isnull=True).exists()
    settled = MediationCase.objects.filter(status=Status.SETTLED)
    assert settled.exists()
    for case in settled.select_related("agreement"):
        assert case.agreement.signed_on is not None
        assert case.settled_amount == case.agreement.amount
    assert Agreement.objects.filter(is_ownership_determination=True).exists()
    assert Agreement.objects.filter(is_ownership_determination=False).exists()


def test_the_demo_mediator_has_several_open_cases(loaded):
    mediator = get_user_model().objects.get(username="mediator")
    mine = case_list(mediator, mine=True)
    assert mine.filter(status__in=OPEN_STATUSES).count() >= 5
    assert mine.filter(status=Status.MEDIATING).exists()


def test_the_partner_account_sees_cases_of_its_bureau(loaded):
    """Its own bureau's cases, plus exactly those shared with it (issue 5)."""
    from cases.selectors import shared_with

    partner = get_user_model().objects.get(username="partner")
    visible = case_visible_to(partner)
    own = visible.filter(handling_organization__name=alliance_demo.PARTNER_BUREAU)
    assert own.exists()
    assert set(visible) == set(own) | set(shared_with(partner))
    assert shared_with(partner).exists()


def test_added_mediators_cannot_log_in(loaded):
    demo_usernames = {account["username"] for account in alliance_demo.DEMO_ACCOUNTS}
    added = get_user_model().objects.exclude(username__in=demo_usernames)
    assert added.exists()
    for user in added:
        assert not user.has_usable_password(), user.username
        assert user.memberships.filter(role=Membership.Role.MEDIATOR).exists()


def test_loading_again_changes_nothing(loaded):
    before = _snapshot()

    output = _load()

    assert _snapshot() == before
    assert "already loaded" in output


def test_load_demo_reports_the_cases(loaded):
    assert "demo cases: " in loaded
    assert "cases: cases " in loaded
