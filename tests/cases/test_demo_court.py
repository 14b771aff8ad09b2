"""Demo confirmations and court referrals (``cases.demo_court``, run by ``load_demo``): 45
confirmations filed in 2024 (26 on administrative mediation), some remote, referrals both
ways, current deadlines near and past, idempotent, visible to the demo court liaison."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from cases import routing, selectors
from cases.choices import MediationKind, Status
from cases.models import (
    CaseEvent,
    ConfirmationMaterial,
    CourtReferral,
    JudicialConfirmation,
    MediationCase,
)
from cases.reminders import send_reminders
from cases.validators import validate_court_case_number

CS = JudicialConfirmation.Status


def _load() -> str:
    out = io.StringIO()
    call_command("load_demo", force=True, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """``load_demo`` once for the module, rolled back afterwards; uploads go to a temporary
    directory; later years get a weekends-only holiday calendar as in tests/cases/conftest."""
    settings = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        MEDIA_ROOT=str(tmp_path_factory.getbasetemp() / "media"),  # as tests/conftest.py
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
    return JudicialConfirmation.objects.filter(filed_on__year=2024).select_related("case", "court")


def test_45_confirmations_filed_in_2024_of_which_26_on_administrative_mediation(loaded):
    confirmations = _of_2024()
    assert confirmations.count() == 45
    administrative = confirmations.filter(case__mediation_kind=MediationKind.ADMINISTRATIVE)
    assert administrative.count() == 26
    assert set(administrative.values_list("basis", flat=True)) == {"administrative"}
    assert set(administrative.values_list("case__handling_organization__name", flat=True)) == {
        "漳州市市场监督管理局"
    }
    statuses = Counter(confirmations.values_list("status", flat=True))
    assert statuses[CS.CONFIRMED] > 30
    assert statuses[CS.REJECTED] and statuses[CS.NOT_ACCEPTED] and statuses[CS.WITHDRAWN]
    assert sum(statuses.values()) == 45


def test_the_2024_cases_were_received_and_numbered_in_2024(loaded):
    for confirmation in _of_2024():
        case = confirmation.case
        assert case.number_year == 2024 and "2024" in case.number
        assert case.received_on.year == 2024
        assert case.agreement.effective_on <= confirmation.filed_on
        assert confirmation.filed_on <= confirmation.window_closes_on
        assert case.status == Status.CLOSED
        created = case.events.get(verb="confirmation.filed").created_at
        assert timezone.localtime(created).date() == confirmation.filed_on


def test_court_numbers_and_rulings_are_consistent(loaded):
    for confirmation in _of_2024().exclude(court_case_number=""):
        number = validate_court_case_number(
            confirmation.court_case_number, court=confirmation.court, type_code="民特"
        )
        assert number.canonical == confirmation.court_case_number
        assert confirmation.accepted_on >= confirmation.filed_on
        if confirmation.status in (CS.CONFIRMED, CS.REJECTED):
            assert confirmation.ruling_on >= confirmation.accepted_on
    rejected = _of_2024().filter(status__in=[CS.REJECTED, CS.NOT_ACCEPTED, CS.WITHDRAWN])
    assert all(c.outcome_reason for c in rejected)


def test_some_are_remote_and_each_court_was_competent(loaded):
    remote = _of_2024().filter(is_remote=True)
    assert remote.count() >= 3
    assert {c.court.court_code for c in remote} == {"闽02"}  # 厦门中院, technical disputes
    courts = set(_of_2024().values_list("court__court_code", flat=True))
    assert {"闽06", "闽02", "闽0602", "闽0603"} <= courts
    assert len(courts) >= 5  # also basic courts of other districts and counties
    for confirmation in _of_2024():
        competent = {p.court.pk for p in routing.competent_courts(confirmation.case)}
        assert confirmation.court_id in competent, confirmation.case.number


def test_every_filed_confirmation_has_its_required_materials_as_pdfs(loaded):
    filed = JudicialConfirmation.objects.exclude(filed_on=None)
    assert filed.count() >= 45
    for confirmation in filed.prefetch_related("materials"):
        kinds = {m.kind for m in confirmation.materials.all()}
        assert set(ConfirmationMaterial.REQUIRED) <= kinds
    material = ConfirmationMaterial.objects.first()
    with material.file.open("rb") as handle:
        data = handle.read()
    assert data.startswith(b"%PDF-1.4") and data.rstrip().endswith(b"%%EOF")


def test_referrals_in_both_directions(loaded):
    inbound = CourtReferral.objects.filter(direction=CourtReferral.Direction.INBOUND)
    outbound = CourtReferral.objects.filter(direction=CourtReferral.Direction.OUTBOUND)
    delegations = inbound.filter(kind=CourtReferral.Kind.DELEGATION)
    assert {r.court.court_code for r in delegations} == {"闽0602", "闽0603"}
    for referral in delegations:
        assert "民诉前调" in referral.court_reference
        assert referral.case.source == "court_delegation"
    assert inbound.filter(kind=CourtReferral.Kind.ENTRUSTMENT).exists()
    assert inbound.filter(extension_days__gt=0).count() >= 2
    assert inbound.filter(outcome=CourtReferral.Outcome.AGREEMENT).count() >= 6
    assert inbound.filter(outcome=CourtReferral.Outcome.RETURNED).exists()
    assert outbound.filter(status="closed").count() >= 3
    assert outbound.filter(status="open").exists()
    assert all(r.case.status in (Status.FAILED, Status.CLOSED) for r in outbound)
    # A delegated case is confirmed by the delegating court (CPL art. 205(1)).
    for confirmation in JudicialConfirmation.objects.filter(
        case__referrals__direction="inbound"
    ).select_related("court"):
        referral = confirmation.case.referrals.get(direction="inbound")
        assert confirmation.court_id == referral.court_id


def test_current_deadlines_are_near_and_past(loaded):
    today = timezone.localdate()
    open_terms = CourtReferral.objects.filter(status="open", direction="inbound")
    assert open_terms.filter(term_ends_on__lt=today).exists()
    assert open_terms.filter(
        term_ends_on__gte=today, term_ends_on__lte=today + dt.timedelta(days=3)
    ).exists()
    assert JudicialConfirmation.objects.filter(status=CS.FILED, acceptance_due__lt=today).exists()
    assert JudicialConfirmation.objects.filter(status=CS.FILED, acceptance_due__gte=today).exists()
    assert JudicialConfirmation.objects.filter(status=CS.ACCEPTED, decision_due__lt=today).exists()
    assert JudicialConfirmation.objects.filter(status=CS.ACCEPTED, is_extended=True).exists()
    assert JudicialConfirmation.objects.filter(status=CS.PREPARED).exists()


def test_the_reminders_have_something_to_say(loaded):
    counts = send_reminders()
    for kind in (
        "window_closing",
        "acceptance_overdue",
        "decision_overdue",
        "term_ending",
        "term_ended",
        "performance_overdue",
    ):
        assert counts[kind] > 0, kind


def test_the_demo_court_liaison_sees_items_of_its_court_only(loaded):
    court = get_user_model().objects.get(username="court")
    confirmations = selectors.confirmation_visible_to(court)
    assert confirmations.exists()
    assert set(confirmations.values_list("court__court_code", flat=True)) == {"闽06"}
    assert confirmations.filter(status__in=[CS.FILED, CS.ACCEPTED]).count() >= 2
    assert confirmations.filter(filed_on__year=2024).exists()
    referrals = selectors.referral_visible_to(court)
    assert referrals.exists()
    assert set(referrals.values_list("court__court_code", flat=True)) == {"闽06"}
    assert selectors.case_visible_to(court).exists()


def test_no_account_is_added(loaded):
    assert (
        not get_user_model()
        .objects.filter(memberships__role="liaison")
        .exclude(username="court")
        .exists()
    )


def test_loading_again_changes_nothing(loaded):
    models = [MediationCase, JudicialConfirmation, ConfirmationMaterial, CourtReferral, CaseEvent]
    before = {model: model.objects.count() for model in models}
    history = JudicialConfirmation.history.count()

    output = _load()

    assert {model: model.objects.count() for model in models} == before
    assert JudicialConfirmation.history.count() == history
    assert "demo confirmations and referrals already loaded" in output


def test_load_demo_reports_the_confirmations(loaded):
    assert "demo confirmations: " in loaded
    assert "45 filed in 2024, 26 on administrative mediation" in loaded
    assert "confirmations_2024 45" in loaded and "administrative_2024 26" in loaded
