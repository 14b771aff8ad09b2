"""Admin of judicial confirmations, materials and court referrals: scoped by the selectors (a
court liaison who is staff sees only their court's items), workflow fields read-only, the one
action (withdraw) through the service with a reason, history never reverted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from alliance.models import Membership, Organization
from cases import services
from cases.choices import DisputeType, PartyRole
from cases.models import ConfirmationMaterial, CourtReferral, JudicialConfirmation
from tests.cases.conftest import advance, make_case, org_party

pytestmark = pytest.mark.django_db

CS = JudicialConfirmation.Status


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def today(monkeypatch):
    current = {"date": timezone.localdate()}
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: current["date"])

    def set_today(value: dt.date) -> None:
        current["date"] = value

    return set_today


def court(code: str) -> Organization:
    return Organization.objects.get(court_code=code)


def _url(model, view, *args):
    return reverse(f"admin:cases_{model._meta.model_name}_{view}", args=args)


def _changelist_pks(response) -> set[int]:
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


def _messages(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def settled_case(case_world, title: str):
    users, orgs = case_world["users"], case_world["orgs"]
    case = make_case(
        users["clerk"],
        orgs["committee"],
        title=title,
        dispute_type=DisputeType.TRADEMARK_INFRINGEMENT,
        parties=[
            org_party(PartyRole.APPLICANT, orgs["ent_a"]),
            org_party(PartyRole.RESPONDENT, orgs["ent_b"]),
        ],
    )
    return advance(case, users["clerk"], users["mediator"], "settled")


@pytest.fixture
def items(case_world, today):
    """Applications at 芗城法院 (filed, with materials) and 龙文法院 (prepared); a delegation
    from each of 芗城法院 and 漳州中院."""
    today(dt.date(2025, 9, 26))
    users, orgs = case_world["users"], case_world["orgs"]
    mediator = users["mediator"]
    xiangcheng = services.confirmation_prepare(
        actor=mediator,
        case=settled_case(case_world, "芗城案件"),
        court=court("闽0602"),
        joint_application=True,
    )
    for kind in ConfirmationMaterial.REQUIRED:
        services.confirmation_material_add(
            actor=mediator,
            confirmation=xiangcheng,
            kind=kind,
            file=SimpleUploadedFile(f"{kind}.pdf", b"%PDF-1.4 x", "application/pdf"),
        )
    xiangcheng = services.confirmation_file(actor=mediator, confirmation=xiangcheng)
    longwen = services.confirmation_prepare(
        actor=mediator, case=settled_case(case_world, "龙文案件"), court=court("闽0603")
    )
    referrals = {
        code: services.referral_receive(
            actor=users["clerk"],
            handling_organization=orgs["committee"],
            court=court(code),
            kind=CourtReferral.Kind.ENTRUSTMENT,
            court_reference=f"（2025）{code}民初{n}号",
            referred_on=dt.date(2025, 9, 26),
            title=f"委托调解{n}",
            dispute_type=DisputeType.DESIGN_INFRINGEMENT,
        )
        for n, code in enumerate(["闽0602", "闽06"], start=1)
    }
    return {"xiangcheng": xiangcheng, "longwen": longwen, "referrals": referrals}


@pytest.fixture
def staff(client, settings, case_world):
    """Log in as a staff user (not a superuser) whose memberships give the scope."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def login(name: str):
        if name == "liaison":
            user, created = get_user_model().objects.get_or_create(username="xc_liaison")
            if created:
                Membership.objects.create(
                    user=user, organization=court("闽0602"), role=Membership.Role.LIAISON
                )
        else:
            user = case_world["users"][name]
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        client.force_login(user)
        return client

    return login


# --- scope ------------------------------------------------------------------------------------


def test_a_staff_liaison_lists_only_their_courts_applications(staff, items):
    response = staff("liaison").get(_url(JudicialConfirmation, "changelist"))
    assert _changelist_pks(response) == {items["xiangcheng"].pk}
    html = response.content.decode()
    assert "芗城案件" in html and "龙文案件" not in html


def test_a_staff_liaison_lists_only_their_courts_referrals_and_materials(staff, items):
    client = staff("liaison")
    response = client.get(_url(CourtReferral, "changelist"))
    assert _changelist_pks(response) == {items["referrals"]["闽0602"].pk}
    response = client.get(_url(ConfirmationMaterial, "changelist"))
    assert _changelist_pks(response) == set(
        items["xiangcheng"].materials.values_list("pk", flat=True)
    )
    assert len(_changelist_pks(response)) == len(ConfirmationMaterial.REQUIRED)


def test_the_court_filter_offers_only_courts_in_scope(staff, items):
    response = staff("liaison").get(_url(JudicialConfirmation, "changelist"))
    html = response.content.decode()
    assert court("闽0602").name in html
    assert court("闽0603").name not in html


def test_the_handling_mediator_lists_every_application_of_the_organisation(staff, items):
    response = staff("mediator").get(_url(JudicialConfirmation, "changelist"))
    assert _changelist_pks(response) == {items["xiangcheng"].pk, items["longwen"].pk}
    html = response.content.decode()
    assert 'value="withdraw_selected"' in html and 'name="reason"' in html
    response = staff("mediator").get(_url(CourtReferral, "changelist"))
    assert _changelist_pks(response) == {r.pk for r in items["referrals"].values()}


def test_another_courts_items_are_missing_for_a_liaison(staff, items):
    client = staff("liaison")
    response = client.get(_url(JudicialConfirmation, "change", items["longwen"].pk), follow=True)
    assert response.redirect_chain == [(reverse("admin:index"), 302)]
    assert "龙文案件" not in response.content.decode()
    referral = items["referrals"]["闽06"]
    response = client.get(_url(CourtReferral, "change", referral.pk), follow=True)
    assert response.redirect_chain == [(reverse("admin:index"), 302)]
    assert client.get(_url(JudicialConfirmation, "history", items["longwen"].pk)).status_code == (
        404
    )


def test_the_partner_sees_nothing(staff, items):
    client = staff("partner")
    assert _changelist_pks(client.get(_url(JudicialConfirmation, "changelist"))) == set()
    assert _changelist_pks(client.get(_url(CourtReferral, "changelist"))) == set()


# --- read-only ----------------------------------------------------------------------------------


def test_workflow_fields_are_read_only_and_nothing_is_saved(staff, items):
    confirmation = items["xiangcheng"]
    client = staff("mediator")
    url = _url(JudicialConfirmation, "change", confirmation.pk)
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert list(form.fields) == []  # every field is displayed read-only
    readonly = set(response.context["adminform"].readonly_fields)
    assert {"status", "filed_on", "court_case_number", "decision_due", "version"} <= readonly
    html = response.content.decode()
    assert "2025-09-26" in html or "Sept. 26, 2025" in html
    # The materials are linked through the API (access-checked), not as media URLs.
    material = confirmation.materials.first()
    download = reverse(
        "api:judicial-confirmation-material-download",
        kwargs={"pk": confirmation.pk, "material_pk": material.pk},
    )
    assert download in html
    assert "/media/" not in html
    response = client.post(url, {"status": "confirmed", "court_case_number": "x"})
    assert response.status_code == 403
    confirmation.refresh_from_db()
    assert (confirmation.status, confirmation.court_case_number) == (CS.FILED, "")


def test_nothing_can_be_added_or_deleted(staff, items):
    client = staff("mediator")
    assert client.get(_url(JudicialConfirmation, "add")).status_code == 403
    assert client.get(_url(CourtReferral, "add")).status_code == 403
    assert client.get(_url(ConfirmationMaterial, "add")).status_code == 403
    response = client.post(_url(JudicialConfirmation, "delete", items["longwen"].pk))
    assert response.status_code == 403
    assert JudicialConfirmation.objects.filter(pk=items["longwen"].pk).exists()


def test_a_referrals_fields_are_read_only(staff, items):
    referral = items["referrals"]["闽0602"]
    client = staff("liaison")
    response = client.get(_url(CourtReferral, "change", referral.pk))
    assert response.status_code == 200
    assert list(response.context["adminform"].form.fields) == []
    assert "（2025）闽0602民初1号" in response.content.decode()
    response = client.post(_url(CourtReferral, "change", referral.pk), {"status": "closed"})
    assert response.status_code == 403
    referral.refresh_from_db()
    assert referral.status == CourtReferral.Status.OPEN


def test_history_cannot_be_reverted(staff, items):
    confirmation = items["xiangcheng"]
    record = confirmation.history.earliest()
    url = reverse(
        "admin:cases_judicialconfirmation_simple_history",
        args=[confirmation.pk, record.history_id],
    )
    response = staff("mediator").post(url, {})
    assert response.status_code == 403
    confirmation.refresh_from_db()
    assert confirmation.status == CS.FILED


# --- the withdraw action --------------------------------------------------------------------------


def _withdraw(client, pks, reason):
    return client.post(
        _url(JudicialConfirmation, "changelist"),
        {"action": "withdraw_selected", "_selected_action": pks, "reason": reason},
        follow=True,
    )


def test_withdraw_needs_a_reason(staff, items):
    response = _withdraw(staff("mediator"), [items["longwen"].pk], " ")
    assert ("error", "Give the reason for the withdrawal.") in _messages(response)
    items["longwen"].refresh_from_db()
    assert items["longwen"].status == CS.PREPARED


def test_withdraw_runs_the_service_with_the_reason(staff, items):
    response = _withdraw(
        staff("mediator"), [items["longwen"].pk, items["xiangcheng"].pk], "当事人已自动履行"
    )
    assert ("success", "2 applications withdrawn.") in _messages(response)
    for name in ("longwen", "xiangcheng"):
        confirmation = JudicialConfirmation.objects.get(pk=items[name].pk)
        assert confirmation.status == CS.WITHDRAWN
        assert confirmation.outcome_reason == "当事人已自动履行"
        assert confirmation.case.events.filter(verb="confirmation.withdrawn").count() == 1


def test_a_liaison_is_not_offered_the_withdraw_action(staff, items):
    client = staff("liaison")
    response = client.get(_url(JudicialConfirmation, "changelist"))
    assert "withdraw_selected" not in response.content.decode()
    _withdraw(client, [items["xiangcheng"].pk], "x")
    items["xiangcheng"].refresh_from_db()
    assert items["xiangcheng"].status == CS.FILED
