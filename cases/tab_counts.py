"""The numbers on a case page's tab badges: how many sessions, court items, cited records and
comments of the case the user may see.

The page's case is one the user sees (``case_visible_to``), so which of its children the
user sees follows from how they see it (DESIGN §6):

* comments: all of them when they see the case in full (handling side or partner), else none
  (``comment_visible_to``);
* confirmations and referrals: all when they see the case as handling side, partner or party,
  else those at their court (``confirmation_visible_to``, ``referral_visible_to``);
* cited records: all when they see the case as handling side, partner or court (the evidence
  provider ``cases.evidence.cited_evidence_ids``), else those their enterprise deposited or
  their service point took in (``evidence.selectors.own_records_q``).

So the case's row carries each child's total and the parts a party or a court sees (flat
``COUNT`` subqueries on the case's id), and ``tab_counts`` picks from them once it knows how
the user sees the case. The first version counted each child under its own visibility
queryset, which nested the case visibility inside every count: ~12 ms of Python a page to
build and compile (decision 0020 §23). ``tests/cases/test_tab_counts.py`` checks the numbers
against those querysets for every role.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Expression, Value

from cases import rules
from cases.choices import Status
from cases.models import (
    CaseComment,
    CourtReferral,
    JudicialConfirmation,
    MediationCase,
    MediationSession,
    Party,
)
from cases.selectors import court_ids_of, enterprise_ids_of
from evidence.selectors import own_records_q, point_ids_of
from zhangzhou_ip.core.lookups import count_of

Citation = MediationCase.evidence.through


@dataclass(frozen=True)
class TabCounts:
    sessions: int
    court_items: int
    cited: int
    comments: int


def tab_count_annotations(user) -> dict[str, Expression]:
    """``annotate(**…)`` for the case page's queryset; read back by ``tab_counts``."""
    courts = court_ids_of(user)
    enterprises = enterprise_ids_of(user)
    none = Value(0)
    return {
        "_sessions": count_of(MediationSession.objects.all(), "case"),
        "_comments": count_of(CaseComment.objects.all(), "case"),
        "_court_items": count_of(JudicialConfirmation.objects.all(), "case")
        + count_of(CourtReferral.objects.all(), "case"),
        "_cited": count_of(Citation.objects.all(), "mediationcase"),
        # the parts seen through the user's court, enterprise or service point
        "_court_items_at_court": count_of(
            JudicialConfirmation.objects.filter(court__in=courts), "case"
        )
        + count_of(CourtReferral.objects.filter(court__in=courts), "case")
        if courts
        else none,
        "_parties_of_user": count_of(Party.objects.filter(organization__in=enterprises), "case")
        if enterprises
        else none,
        "_cited_own": count_of(
            Citation.objects.filter(own_records_q(user, prefix="evidencerecord__")),
            "mediationcase",
        )
        if enterprises or point_ids_of(user)
        else none,
    }


def tab_counts(user, case: MediationCase) -> TabCounts:
    """The badges of ``case``, read with ``tab_count_annotations``; the case must be one the
    user sees. The handling side and partners are decided by the rules (from memberships
    and the prefetched shares); a party or a court by the counts on the row, which are the
    rules' ``_is_party`` and ``_at_users_court`` read with the case."""
    if user.is_superuser:
        full = side = sees_cited = True
    else:
        full = bool(rules.can_view_case_in_full(user, case))
        at_court = case._court_items_at_court > 0
        party = case.status != Status.DRAFT and case._parties_of_user > 0
        side = full or party
        sees_cited = full or at_court
    return TabCounts(
        sessions=case._sessions,
        court_items=case._court_items if side else case._court_items_at_court,
        cited=case._cited if sees_cited else case._cited_own,
        comments=case._comments if full else 0,
    )
