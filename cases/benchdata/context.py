"""The state of the cases phase of the benchmark data (``cases.benchdata``): the row writers of
its tables and the context shared by the case, court, sharing and protection writers."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field

from alliance import demo_collaboration as collab_demo
from alliance.models import CollaborationRequest, Organization
from cases.benchdata.common import _Rows
from cases.benchdata.evidence import _Evidence
from cases.benchdata.world import _Enterprise, _World
from cases.models import (
    Agreement,
    CaseAssignment,
    CaseEvent,
    CaseRight,
    CaseShare,
    JudicialConfirmation,
    MediationCase,
    MediationSession,
    Party,
    ProtectionAction,
)

# ---------------------------------------------------------------------------------------------
# Cases: the tables written and the state carried from case to case
# ---------------------------------------------------------------------------------------------


class _CaseWriter:
    """The tables of the cases phase, flushed together in dependency order."""

    def __init__(self, batch: int) -> None:
        stamps = ["created_at", "updated_at"]
        self.cases = _Rows(
            MediationCase,
            ["id", *stamps, "handling_organization_id", "number", "number_year", "number_seq",
             "title", "facts", "dispute_type", "mediation_kind", "source", "claim_amount",
             "settled_amount", "is_online", "is_cross_region", "status", "received_on",
             "accepted_on", "closed_on", "mediation_deadline", "outcome_reason",
             "created_by_id", "version"],
            batch,
        )  # fmt: skip
        self.agreements = _Rows(
            Agreement,
            ["id", *stamps, "case_id", "terms", "amount", "performance_deadline", "signatories",
             "signed_on", "effective_on", "is_ownership_determination", "document"],
            batch,
        )  # fmt: skip
        self.requests = _Rows(
            CollaborationRequest,
            ["id", *stamps, "from_organization_id", "to_organization_id", "kind", "subject",
             "body", "sent_on", "due_on", "status", "accepted_on", "closed_on", "closing_note",
             "created_by_id", "version"],
            batch,
        )  # fmt: skip
        self.actions = _Rows(
            ProtectionAction,
            ["id", *stamps, "enterprise_id", "kind", "title", "description", "counterparty",
             "started_on", "concluded_on", "outcome", "amount_recovered", "evidence_cost_saved",
             "alliance_cost_saved", "cost_saved_basis", "case_id", "handled_by_id",
             "recorded_by_id", "version"],
            batch,
        )  # fmt: skip
        self.parties = _Rows(
            Party,
            [*stamps, "case_id", "role", "kind", "organization_id", "name", "id_number",
             "region_id", "address", "phone", "agent_name", "agent_phone"],
            batch,
        )  # fmt: skip
        self.rights = _Rows(
            CaseRight, ["case_id", "intellectual_property_id", "kind", "number", "description"],
            batch,
        )  # fmt: skip
        self.assignments = _Rows(
            CaseAssignment, ["case_id", "user_id", "assigned_by_id", "assigned_at"], batch
        )
        self.sessions = _Rows(
            MediationSession,
            [*stamps, "case_id", "starts_at", "ends_at", "location", "online_link", "attendees",
             "minutes", "outcome", "recorded_at"],
            batch,
        )  # fmt: skip
        self.events = _Rows(
            CaseEvent,
            ["case_id", "actor_id", "verb", "from_status", "to_status", "data", "created_at"],
            batch,
        )
        self.shares = _Rows(
            CaseShare,
            ["case_id", "organization_id", "level", "reason", "request_id", "granted_by_id",
             "granted_at", "revoked_by_id", "revoked_at", "revoke_reason"],
            batch,
        )  # fmt: skip
        self.confirmations = _Rows(
            JudicialConfirmation,
            [*stamps, "case_id", "agreement_id", "court_id", "court_reason", "basis",
             "is_remote", "joint_application", "joint_application_note", "window_closes_on",
             "status", "filed_on", "acceptance_due", "court_case_number", "accepted_on",
             "decision_due", "is_extended", "ruling_on", "ruling_document", "outcome_reason",
             "created_by_id", "version"],
            batch,
        )  # fmt: skip
        case_evidence = MediationCase.evidence.through
        action_evidence = ProtectionAction.evidence.through
        self.case_evidence = _Rows(case_evidence, ["mediationcase_id", "evidencerecord_id"], batch)
        self.action_evidence = _Rows(
            action_evidence, ["protectionaction_id", "evidencerecord_id"], batch
        )

    def tables(self) -> list[_Rows]:
        return [
            self.cases, self.requests, self.agreements, self.actions, self.parties,
            self.rights, self.assignments, self.sessions, self.events, self.shares,
            self.confirmations, self.case_evidence, self.action_evidence,
        ]  # fmt: skip

    def flush(self) -> None:
        for table in self.tables():
            table.flush()


@dataclass
class _Context:
    world: _World
    rng: random.Random
    out: _CaseWriter
    evidence: _Evidence
    next_case: int
    next_agreement: int
    next_request: int
    numbers: dict[tuple[int, int], int]  # (organisation, year) → last sequence number
    court_numbers: dict[tuple[int, int], int]  # (court, year) → last 民特 number
    member_by_city: dict[int, list[Organization]]
    vocabulary: collab_demo.Words
    cases_of: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    local: dict[int, list[_Enterprise]] = field(default_factory=lambda: defaultdict(list))
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
