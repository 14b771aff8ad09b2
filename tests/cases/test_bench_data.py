"""Benchmark data (``cases.benchdata``, ``generate_bench_data``, issue 9 part 1) on the small
``world``: the counts asked for, every status with dates that agree with it, valid
identifiers, gapless numbers that later submissions continue, the same data for the same seed,
a ledger that audits clean, and statistics that count the generated rows."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
from collections import defaultdict
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Q
from django.test import RequestFactory
from django.utils import timezone

from alliance.models import CollaborationRequest, IntellectualProperty, Organization
from alliance.validators import (
    validate_identifier_for_ip_kind,
    validate_resident_id,
    validate_uscc,
)
from cases import services
from cases.benchdata import BenchConfig, digest, generate
from cases.choices import PartyKind, PartyRole, Status
from cases.filters import Outcome, outcome_q
from cases.models import (
    DEFAULT_NUMBER_TEMPLATE,
    Agreement,
    CaseAssignment,
    CaseEvent,
    CaseNumberCounter,
    CaseNumbering,
    CaseShare,
    JudicialConfirmation,
    MediationCase,
    MediationSession,
    Party,
    ProtectionAction,
)
from cases.services.workflow import format_case_number
from evidence.models import EvidenceRecord, EvidenceWithdrawal, LedgerHead
from tests.cases.conftest import make_case, org_party, person_party
from zhangzhou_ip.stats.figures import statistics
from zhangzhou_ip.stats.period import Scope

AS_OF = dt.date(2026, 6, 30)
CONFIG = BenchConfig(cases=300, evidence=500, seed=7, first_year=2025, as_of=AS_OF, batch_size=120)
STARTED = {  # the statuses whose case was accepted (withdrawn ones may have been)
    Status.ACCEPTED,
    Status.MEDIATING,
    Status.SETTLED,
    Status.FAILED,
    Status.CLOSED,
}


@pytest.fixture
def bench(world):
    report = generate(CONFIG)
    return {**world, "report": report}


def test_counts_match_the_request_and_the_report(bench):
    report = bench["report"]
    assert MediationCase.objects.count() == 300
    assert EvidenceRecord.objects.count() == 500
    withdrawals = EvidenceWithdrawal.objects.count()
    assert LedgerHead.objects.get().size == 500 + withdrawals
    expected = {
        "cases": MediationCase.objects.count(),
        "parties": Party.objects.count(),
        "agreements": Agreement.objects.count(),
        "assignments": CaseAssignment.objects.count(),
        "sessions": MediationSession.objects.count(),
        "case_events": CaseEvent.objects.count(),
        "case_shares": CaseShare.objects.count(),
        "collaboration_requests": CollaborationRequest.objects.count(),
        "confirmations": JudicialConfirmation.objects.count(),
        "protection_actions": ProtectionAction.objects.count(),
        "evidence_records": 500,
        "evidence_withdrawals": withdrawals,
        "enterprises": Organization.objects.filter(kind=Organization.Kind.ENTERPRISE).count() - 2,
    }
    assert {key: report.counts[key] for key in expected} == expected
    # The mix the brief asks for is there, at realistic proportions.
    assert report.counts["enterprises"] == 50  # at least 50, one per 25 cases beyond
    assert report.counts["protection_actions"] == 30
    assert Party.objects.count() >= 2 * 300 * 0.97  # an applicant and a respondent per case
    assert Party.objects.filter(kind=PartyKind.PERSON).exists()
    assert CaseShare.objects.filter(request__isnull=True).exists()
    assert CaseShare.objects.filter(request__isnull=False).exists()
    assert JudicialConfirmation.objects.exists()
    assert MediationCase.objects.filter(evidence__isnull=False).exists()
    assert report.seconds["total"] > 0


def test_every_status_with_dates_that_agree(bench):
    cases = list(MediationCase.objects.select_related("agreement"))
    statuses = {case.status for case in cases}
    assert statuses == set(Status.values)
    drafts = sum(case.status == Status.DRAFT for case in cases)
    closed = sum(case.status == Status.CLOSED for case in cases)
    assert 0 < drafts < closed  # old cases are finished, a few drafts linger
    sessions = set(MediationSession.objects.values_list("case_id", flat=True))
    assigned = set(CaseAssignment.objects.values_list("case_id", flat=True))
    for case in cases:
        label = (case.number, case.status)
        if case.status == Status.DRAFT:
            assert (case.number, case.received_on, case.accepted_on) == ("", None, None), label
            continue
        assert case.received_on is not None and case.received_on <= AS_OF, label
        assert case.received_on.year >= CONFIG.first_year, label
        if case.status in STARTED:
            assert case.received_on <= case.accepted_on <= AS_OF, label
            assert case.mediation_deadline > case.accepted_on, label
            assert case.pk in assigned, label
        elif case.status in (Status.SUBMITTED, Status.DECLINED):
            assert case.accepted_on is None, label
        finished = case.status in (Status.DECLINED, Status.WITHDRAWN, Status.CLOSED)
        assert (case.closed_on is not None) == finished, label
        if finished:
            assert max(case.received_on, case.accepted_on or case.received_on) <= case.closed_on
            assert case.closed_on <= AS_OF, label
        if case.status in (Status.MEDIATING, Status.SETTLED, Status.FAILED):
            assert case.pk in sessions, label
        agreement = getattr(case, "agreement", None)
        if case.status == Status.SETTLED or (agreement and case.status == Status.CLOSED):
            assert case.accepted_on <= agreement.signed_on <= AS_OF, label
            assert agreement.effective_on == agreement.signed_on
            assert case.settled_amount == agreement.amount, label
            if case.closed_on:
                assert agreement.signed_on <= case.closed_on, label
        else:
            assert agreement is None, label
        if case.status in (Status.DECLINED, Status.FAILED, Status.WITHDRAWN):
            assert case.outcome_reason, label


def test_the_timeline_follows_the_workflow(bench):
    events = defaultdict(list)
    for event in CaseEvent.objects.order_by("created_at", "pk"):
        assert timezone.localdate(event.created_at) <= AS_OF, event.verb  # nothing ahead
        events[event.case_id].append(event)
    for session in MediationSession.objects.select_related("case"):
        # Booked when the case was accepted; only an accepted case's next session lies ahead.
        assert session.case.accepted_on <= timezone.localdate(session.created_at) <= AS_OF
        if timezone.localdate(session.starts_at) > AS_OF:
            assert session.case.status == Status.ACCEPTED and not session.outcome
    for case in MediationCase.objects.all():
        timeline = events[case.pk]
        assert timeline[0].verb == "case.created", case.number
        transitions = [e for e in timeline if e.to_status and e.verb.startswith("case.")]
        assert transitions[-1].to_status == case.status, case.number
        for before, after in itertools.pairwise(transitions):
            assert after.from_status == before.to_status, case.number
        assert case.version == len([e for e in timeline if e.verb.startswith("case.")]) - sum(
            e.verb == "case.shared" for e in timeline
        )
        submitted = next((e for e in timeline if e.verb == "case.submitted"), None)
        if case.number:
            assert submitted.data == {"number": case.number}
            assert timezone.localdate(submitted.created_at) == case.received_on


def test_confirmations_shares_and_requests_are_consistent(bench):
    orgs = bench["orgs"]
    for confirmation in JudicialConfirmation.objects.select_related("agreement", "case", "court"):
        agreement, case = confirmation.agreement, confirmation.case
        assert case.status in (Status.SETTLED, Status.CLOSED)
        assert confirmation.court.kind == Organization.Kind.COURT
        if confirmation.filed_on:
            assert agreement.signed_on <= confirmation.filed_on <= confirmation.window_closes_on
        if confirmation.status in (JudicialConfirmation.Status.CONFIRMED, "rejected"):
            assert confirmation.filed_on <= confirmation.accepted_on <= confirmation.ruling_on
            assert confirmation.court_case_number.startswith(f"（{confirmation.accepted_on.year}）")
            assert "民特" in confirmation.court_case_number
        if case.status == Status.CLOSED:
            assert confirmation.status in JudicialConfirmation.FINISHED_STATUSES
    lineage = {orgs["committee"].pk: {orgs["committee"].pk, orgs["zz_bureau"].pk}}
    for share in CaseShare.objects.select_related("case", "organization", "request"):
        own = lineage.get(
            share.case.handling_organization_id, {share.case.handling_organization_id}
        )
        assert share.organization.alliance_joined_on is not None
        assert share.organization_id not in own
        if share.request_id:
            assert share.request.to_organization_id == share.organization_id
            assert share.level == CaseShare.Level.COLLABORATE
    for request in CollaborationRequest.objects.all():
        assert request.from_organization_id != request.to_organization_id
        assert request.sent_on <= request.due_on
        assert request.sent_on <= AS_OF
        if request.status in ("accepted", "completed"):
            assert request.sent_on <= request.accepted_on
        if request.closed_on:
            assert request.sent_on <= request.closed_on <= AS_OF


def test_identifiers_are_valid(bench):
    for org in Organization.objects.filter(kind=Organization.Kind.ENTERPRISE):
        validate_uscc(org.uscc)
    for ip in IntellectualProperty.objects.all():
        validate_identifier_for_ip_kind(ip.kind, ip.number)
    persons = Party.objects.filter(kind=PartyKind.PERSON)
    assert persons.exists()
    for party in persons:
        validate_resident_id(party.id_number)
    for record in EvidenceRecord.objects.filter(deposited_at__year=2026).order_by("number")[:3]:
        assert record.number.startswith("益企证〔2026〕第")


def test_numbers_are_gapless_and_the_next_submission_continues(bench):
    cases = MediationCase.objects.exclude(status=Status.DRAFT).select_related(
        "handling_organization__region__parent"
    )
    templates = dict(CaseNumbering.objects.values_list("organization_id", "template"))
    sequences = defaultdict(list)
    for case in cases:
        org = case.handling_organization
        assert case.number_year == case.received_on.year
        template = templates.get(org.pk, DEFAULT_NUMBER_TEMPLATE)
        assert case.number == format_case_number(
            template, org=org, year=case.number_year, seq=case.number_seq
        )
        sequences[(org.pk, case.number_year)].append(case.number_seq)
    counters = {(c.organization_id, c.year): c.last_value for c in CaseNumberCounter.objects.all()}
    assert counters.keys() == sequences.keys()
    for key, seqs in sequences.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), key  # unique and gapless
        assert counters[key] == len(seqs)
    # A case submitted afterwards (on the last day of the data) gets the next number.
    committee = bench["orgs"]["committee"]
    last = counters[(committee.pk, AS_OF.year)]
    case = make_case(
        bench["users"]["superuser"],
        committee,
        title="后续提交的案件",
        parties=[
            org_party(PartyRole.APPLICANT, bench["orgs"]["ent_a"]),
            person_party(PartyRole.RESPONDENT),
        ],
    )
    noon = timezone.make_aware(dt.datetime.combine(AS_OF, dt.time(12)))
    with mock.patch.object(timezone, "now", lambda: noon):
        case = services.case_submit(actor=bench["users"]["superuser"], case=case)
    assert case.number_seq == last + 1
    assert case.number == f"漳知调〔{AS_OF.year}〕第{last + 1:04d}号"
    assert CaseNumberCounter.objects.get(organization=committee, year=AS_OF.year).last_value == (
        last + 1
    )


def test_the_same_seed_gives_the_same_data(world):
    def run(config: BenchConfig) -> str:
        with transaction.atomic():
            generate(config)
            value = digest()
            transaction.set_rollback(True)
        return value

    first = run(CONFIG)
    assert MediationCase.objects.count() == 0  # rolled back
    assert run(CONFIG) == first
    other = BenchConfig(**{**CONFIG.__dict__, "seed": CONFIG.seed + 1})
    assert run(other) != first


def test_the_ledger_audits_clean(bench):
    out = io.StringIO()
    call_command("audit_ledger", "--skip-blobs", stdout=out)
    text = out.getvalue()
    assert "No findings: the ledger is intact." in text
    withdrawals = EvidenceWithdrawal.objects.count()
    assert f"records      {500:,}" in text
    assert f"leaves       {500 + withdrawals:,} of tree size {500 + withdrawals:,}" in text
    assert "checkpoints  1 checked" in text


def test_the_statistics_count_the_generated_rows(bench):
    request = RequestFactory().get("/stats/")
    request.user = bench["users"]["superuser"]
    scope = Scope(dt.date(CONFIG.first_year, 1, 1), AS_OF)
    values = statistics(request, scope).values()
    received = MediationCase.objects.exclude(status=Status.DRAFT)
    assert values["cases_received"] == received.count()
    assert values["cases_settled"] == received.filter(outcome_q(Outcome.SETTLED)).count() > 0
    assert values["cases_failed"] == received.filter(outcome_q(Outcome.FAILED)).count() > 0
    assert values["coordinated_cases"] == (
        received.filter(Q(shares__isnull=False)).distinct().count()
    )
    assert values["collaborations"] == CollaborationRequest.objects.count()
    assert values["evidence_records"] == 500
    assert values["enterprises_served"] == (
        EvidenceRecord.objects.values("depositor").distinct().count()
    )
    assert values["confirmations"] == JudicialConfirmation.objects.exclude(filed_on=None).count()
    assert values["protection_actions"] == ProtectionAction.objects.count() == 30


def test_the_command_prints_progress_and_a_summary(world):
    out = io.StringIO()
    call_command(
        "generate_bench_data",
        "--cases=40",
        "--evidence=30",
        "--years=2025",
        "--as-of=2025-12-31",
        "--batch-size=20",
        stdout=out,
    )
    text = out.getvalue()
    assert "evidence 20 of 30" in text and "evidence 30 of 30" in text
    assert "cases 20 of 40" in text and "cases 40 of 40" in text
    assert re.search(r"^cases\s+40$", text, re.MULTILINE)
    assert "Benchmark data added" in text
    assert MediationCase.objects.filter(received_on__year=2026).count() == 0
    assert MediationCase.objects.count() == 40
