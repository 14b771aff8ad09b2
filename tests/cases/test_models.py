"""What must always hold is enforced by the database, not only by forms and services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone

from cases.models import Agreement, CaseRight, MediationCase, MediationSession, Party

pytestmark = pytest.mark.django_db

REJECTED = (IntegrityError, DataError)


def _rejected(queryset, **values) -> bool:
    try:
        with transaction.atomic():
            queryset.update(**values)
    except REJECTED:
        return True
    return False


def test_case_constraints(case_world):
    draft = MediationCase.objects.filter(pk=case_world["cases"]["draft"].pk)
    submitted = MediationCase.objects.filter(pk=case_world["cases"]["submitted"].pk)
    mediating = MediationCase.objects.get(pk=case_world["cases"]["mediating"].pk)
    assert _rejected(draft, number="漳知调〔2026〕第9999号")  # drafts have no number
    assert _rejected(submitted, number="")  # submitted cases always do
    assert _rejected(submitted, number=mediating.number)  # unique per organisation
    assert _rejected(submitted, number_seq=mediating.number_seq)
    assert _rejected(submitted, claim_amount=Decimal("-0.01"))
    assert _rejected(submitted, settled_amount=Decimal("-5"))
    assert _rejected(submitted, status="accepted")  # no acceptance date
    assert _rejected(submitted, status="closed")  # no closing date
    assert _rejected(submitted, closed_on=mediating.received_on - dt.timedelta(days=1))
    # A legal change still goes through.
    assert not _rejected(submitted, claim_amount=Decimal("0.00"))


def test_child_constraints(case_world):
    case = case_world["cases"]["mediating"]
    person = Party.objects.filter(case=case, kind="person")
    organisation = Party.objects.filter(case=case, kind="organization")
    assert _rejected(organisation, organization=None)
    assert _rejected(organisation, id_number="11010519491231002X")
    assert _rejected(person, organization=case_world["orgs"]["ent_a"])
    with pytest.raises(REJECTED), transaction.atomic():
        CaseRight.objects.create(case=case, kind="trademark")  # identifies nothing
    sessions = MediationSession.objects.filter(case=case)
    assert _rejected(sessions, location="", online_link="")
    start = sessions.get().starts_at
    assert _rejected(sessions, ends_at=start - dt.timedelta(minutes=1))
    today = timezone.localdate()
    agreement = Agreement.objects.create(case=case, terms="x", signed_on=today, effective_on=today)
    agreements = Agreement.objects.filter(pk=agreement.pk)
    assert _rejected(agreements, effective_on=today - dt.timedelta(days=1))
    assert _rejected(agreements, signed_on=None)
    assert _rejected(agreements, amount=Decimal("-1"))


def test_agreement_document_name_is_derived_never_chosen(case_world):
    from cases.models import agreement_upload_to

    agreement = Agreement(case=case_world["cases"]["mediating"])
    case_id = case_world["cases"]["mediating"].pk
    assert agreement_upload_to(agreement, "../../etc/passwd") == f"cases/{case_id}/agreement"
    assert agreement_upload_to(agreement, "协议.PDF") == f"cases/{case_id}/agreement.pdf"
    assert agreement_upload_to(agreement, "x.pdf.exe") == f"cases/{case_id}/agreement"
