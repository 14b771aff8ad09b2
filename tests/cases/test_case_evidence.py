"""Cases cite 益企证 records: who may cite, and who may then see the record (issue 6, part 8)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from cases import services
from cases.models import CaseEvent
from evidence import services as evidence_services
from evidence.models import Category, EvidenceRecord
from evidence.selectors import evidence_visible_to
from tests.cases.conftest import case_page


def deposit(world, text: str, depositor: str = "ent_a") -> EvidenceRecord:
    return evidence_services.deposit(
        actor=world["users"]["servicepoint"],
        depositor=world["orgs"][depositor],
        kind="text",
        title=f"网店页面 {text}",
        category=Category.LISTING,
        text=text,
    )


@pytest.fixture
def record(case_world):
    return deposit(case_world, "侵权商品链接截图说明")


@pytest.fixture
def mediating(case_world):
    return case_world["cases"]["mediating"]


def test_citing_a_record_lets_the_handling_mediator_see_it(case_world, mediating, record):
    mediator = case_world["users"]["mediator"]
    assert not mediator.has_perm("evidence.view_evidencerecord", record)
    # The service point may cite records it deposited, as the mediator may not yet see it.
    services.evidence_link(actor=case_world["users"]["superuser"], case=mediating, record=record)
    assert record in evidence_visible_to(mediator)
    assert mediator.has_perm("evidence.view_evidencerecord", record)
    event = CaseEvent.objects.get(case=mediating, verb="evidence.linked")
    assert event.data["number"] == record.number
    other = deposit(case_world, "另一份证据")
    assert other not in evidence_visible_to(mediator)


def test_a_record_the_actor_cannot_see_cannot_be_cited(case_world, mediating, record):
    with pytest.raises(ValidationError) as caught:
        services.evidence_link(actor=case_world["users"]["mediator"], case=mediating, record=record)
    assert caught.value.code == "evidence_forbidden"
    assert not mediating.evidence.exists()


def test_withdrawn_and_duplicate_citations_are_refused(case_world, mediating, record):
    superuser = case_world["users"]["superuser"]
    services.evidence_link(actor=superuser, case=mediating, record=record)
    with pytest.raises(ValidationError) as caught:
        services.evidence_link(actor=superuser, case=mediating, record=record)
    assert caught.value.code == "evidence_duplicate"
    gone = deposit(case_world, "撤回的证据")
    evidence_services.withdraw(actor=superuser, record=gone, reason="上传错误")
    with pytest.raises(ValidationError) as caught:
        services.evidence_link(actor=superuser, case=mediating, record=gone)
    assert caught.value.code == "evidence_withdrawn"


def test_partners_of_a_shared_case_see_its_evidence_until_the_share_ends(
    case_world, mediating, record
):
    users = case_world["users"]
    services.evidence_link(actor=users["superuser"], case=mediating, record=record)
    partner = users["partner"]
    assert record not in evidence_visible_to(partner)
    share = services.share_grant(
        actor=users["mediator"],
        case=mediating,
        organization=case_world["orgs"]["partner"],
        level="view",
        reason="沈阳当事人住所地协查",
    )
    assert record in evidence_visible_to(partner)
    services.share_revoke(actor=users["mediator"], share=share, reason="协查结束")
    assert record not in evidence_visible_to(partner)


def test_a_party_enterprise_gains_nothing_from_a_citation(case_world, mediating):
    """ent_b is a party of the case (summary only); ent_a's record stays ent_a's."""
    from django.contrib.auth import get_user_model

    from alliance.models import Membership

    ent_b_user = get_user_model().objects.create_user("ent_b_user", password="pw-test-123")
    Membership.objects.create(
        user=ent_b_user, organization=case_world["orgs"]["ent_b"], role=Membership.Role.ADMIN
    )
    record = deposit(case_world, "甲公司的证据")
    services.evidence_link(actor=case_world["users"]["superuser"], case=mediating, record=record)
    assert record not in evidence_visible_to(ent_b_user)


def test_the_case_page_lists_and_cites_by_number(client, case_world, mediating, record):
    users = case_world["users"]
    services.evidence_link(actor=users["superuser"], case=mediating, record=record)
    client.force_login(users["mediator"])
    client.cookies["django_language"] = "en"
    assert record.number in case_page(client, mediating, "evidence")

    second = deposit(case_world, "第二份证据")
    services.evidence_link(
        actor=users["superuser"], case=case_world["cases"]["submitted"], record=second
    )
    # The mediator of the committee sees ``second`` through the other case and may cite it here.
    url = reverse("cases:case-evidence", args=[mediating.pk])
    response = client.post(url, {"record": second.number})
    assert response.status_code == 302
    assert set(mediating.evidence.values_list("number", flat=True)) == {
        record.number,
        second.number,
    }

    unknown = client.post(url, {"record": "益企证〔2024〕第999999号"})
    assert unknown.status_code == 400
    assert "No evidence record you may see" in unknown.content.decode()

    unlink = reverse("cases:case-evidence-unlink", args=[mediating.pk, record.pk])
    assert client.post(unlink).status_code == 302
    assert list(mediating.evidence.values_list("number", flat=True)) == [second.number]


def test_only_case_editors_may_cite(client, case_world, mediating, record):
    users = case_world["users"]
    services.share_grant(
        actor=users["mediator"],
        case=mediating,
        organization=case_world["orgs"]["partner"],
        level="view",
        reason="协查",
    )
    client.force_login(users["partner"])
    url = reverse("cases:case-evidence", args=[mediating.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"record": record.number}).status_code == 403
    assert not mediating.evidence.exists()
    client.force_login(users["nobody"])
    assert client.get(url).status_code == 404


def test_the_api_lists_cites_and_uncites(case_world, mediating, record):
    users = case_world["users"]
    api = APIClient()
    api.force_authenticate(users["superuser"])
    url = f"/api/v1/mediation-cases/{mediating.pk}/evidence/"
    created = api.post(url, {"record": record.pk}, format="json")
    assert created.status_code == 201
    assert [item["number"] for item in created.json()] == [record.number]
    assert created.json()[0]["sha256"] == record.sha256

    api.force_authenticate(users["mediator"])
    listed = api.get(url)
    assert [item["id"] for item in listed.json()] == [record.pk]
    hidden = deposit(case_world, "调解员看不到的证据")
    refused = api.post(url, {"record": hidden.pk}, format="json")
    assert refused.status_code == 400
    assert "record" in refused.json()

    removed = api.delete(f"{url}{record.pk}/")
    assert removed.status_code == 204
    assert not mediating.evidence.exists()
