"""Cases cite 益企证 records (DESIGN §4: ``MediationCase.evidence``).

Who may see a cited record follows the evidence rules: ``evidence`` owns the policy and this
module adds one source to it — the records cited in cases the user sees in full (handling
organisation, partners of a shared case) or as the court handling its confirmation or
referral. A party's enterprise, which sees only a case summary, gains nothing here.
Registered in ``CasesConfig.ready()``.
"""

from __future__ import annotations

from django.db.models import QuerySet

from cases.models import MediationCase
from cases.selectors import _any, _court_q, _share_q, _staff_q


def cases_citing_for(user, few: bool = False) -> QuerySet[MediationCase]:
    """Cases through which the user may see the evidence they cite."""
    cases = MediationCase.objects.all()
    if not user.is_authenticated:
        return cases.none()
    if user.is_superuser:
        return cases
    query = _any(_staff_q(user), _share_q(user, few), _court_q(user, few))
    return cases.none() if query is None else cases.filter(query)


def cited_evidence_ids(user, few: bool = False) -> QuerySet:
    """The evidence-visibility provider: ids of records cited in those cases (read from the
    citation table alone, without joining the million-row record table)."""
    citations = MediationCase.evidence.through.objects.filter(
        mediationcase__in=cases_citing_for(user, few).values("pk")
    )
    return citations.values_list("evidencerecord", flat=True)


def cited_records(user, case: MediationCase) -> QuerySet:
    """The case's cited records that the user may see (the evidence rules decide)."""
    from evidence.selectors import evidence_visible_to

    return (
        evidence_visible_to(user, few=True)
        .filter(cited_in_cases=case)
        .select_related("depositor", "withdrawal")
        .order_by("ledger_index")
    )
