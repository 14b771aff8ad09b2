"""Evidence admin: every evidence model is registered read-only (even for a superuser), lists
are scoped by the selectors, and opening a record is logged in its chain of custody."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from evidence import ledger, retrieval, services
from evidence.models import (
    AccessEvent,
    EvidenceRecord,
    EvidenceWithdrawal,
    RetrievalRequest,
)


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:evidence_{model._meta.model_name}_{view}", args=args)


def _html(response) -> str:
    return response.content.decode()


def _registered_evidence_models() -> list:
    return sorted(
        (model for model in admin.site._registry if model._meta.app_label == "evidence"),
        key=lambda model: model._meta.label,
    )


@pytest.fixture
def english_client(client, settings):
    """The admin in English (requests default to Chinese)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def superuser_client(english_client, world):
    english_client.force_login(world["users"]["superuser"])
    return english_client


@pytest.fixture
def staff(english_client, world):
    """Log in a world user made staff (not a superuser); their memberships give the scope."""

    def login(name: str):
        user = world["users"][name]
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        english_client.force_login(user)
        return english_client

    return login


@pytest.fixture
def evidence_world(world, deposit):
    """One row of every evidence model: records (one withdrawn), blob, ledger nodes and head,
    a checkpoint, access events, a retrieval request with its timeline, a number counter."""
    users, orgs = world["users"], world["orgs"]
    kept = deposit(actor="servicepoint", depositor="ent_a", title="甲 商品页")
    other = deposit(actor="superuser", depositor="ent_b", title="乙 合同")
    withdrawn = deposit(actor="servicepoint", depositor="ent_a", title="甲 误传")
    services.withdraw(actor=users["enterprise"], record=withdrawn, reason="上传错了")
    ledger.sign_checkpoint()
    services.log_access(kept, action=AccessEvent.Action.VIEW, user=users["enterprise"])
    services.log_access(other, action=AccessEvent.Action.VERIFY, user=None)
    request = retrieval.request_retrieval(
        actor=users["enterprise"],
        enterprise=orgs["ent_a"],
        service_point=None,
        kind=RetrievalRequest.Kind.TEST_PURCHASE,
        subject="公证购买仿冒蜜柚",
    )
    return {"kept": kept, "other": other, "withdrawn": withdrawn, "request": request}


def test_every_evidence_model_is_registered():
    from django.apps import apps

    models = set(apps.get_app_config("evidence").get_models())
    assert models <= set(_registered_evidence_models())


@pytest.mark.parametrize(
    "model", _registered_evidence_models(), ids=lambda model: model._meta.label
)
def test_superuser_changelist_and_change_page_render_read_only(
    superuser_client, evidence_world, model
):
    response = superuser_client.get(_url(model, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1
    obj = model.objects.order_by("pk").first()
    assert _url(model, "change", obj.pk) in _html(response)
    assert _url(model, "add") not in _html(response)
    response = superuser_client.get(_url(model, "change", obj.pk))
    assert response.status_code == 200
    assert response.context["original"] == obj
    assert not response.context["has_change_permission"]
    assert not response.context["has_delete_permission"]
    assert _url(model, "delete", obj.pk) not in _html(response)
    assert superuser_client.get(_url(model, "add")).status_code == 403
    assert superuser_client.get(_url(model, "delete", obj.pk)).status_code == 403
    assert superuser_client.post(_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


def test_no_bulk_delete_action(superuser_client, evidence_world):
    response = superuser_client.get(_url(EvidenceRecord, "changelist"))
    assert "delete_selected" not in _html(response)
    records = list(EvidenceRecord.objects.values_list("pk", flat=True))
    superuser_client.post(
        _url(EvidenceRecord, "changelist"),
        {"action": "delete_selected", "_selected_action": records, "post": "yes"},
    )
    assert EvidenceRecord.objects.count() == len(records)


def test_post_to_a_record_change_page_changes_nothing(superuser_client, evidence_world):
    record = evidence_world["kept"]
    response = superuser_client.post(
        _url(EvidenceRecord, "change", record.pk),
        {"title": "改过的标题", "description": "x", "category": "other"},
    )
    assert response.status_code == 403
    record.refresh_from_db()
    assert record.title == "甲 商品页"


def test_record_page_shows_hash_and_is_logged(superuser_client, evidence_world, world):
    record = evidence_world["kept"]
    response = superuser_client.get(_url(EvidenceRecord, "change", record.pk))
    assert record.sha256 in _html(response)
    assert record.number in _html(response)
    event = AccessEvent.objects.filter(record=record, user=world["users"]["superuser"]).get()
    assert event.action == AccessEvent.Action.VIEW
    assert event.reason == "admin"


def test_record_changelist_columns_filters_and_search(superuser_client, evidence_world):
    withdrawn = evidence_world["withdrawn"]
    response = superuser_client.get(_url(EvidenceRecord, "changelist"), {"withdrawn": "yes"})
    assert [r.pk for r in response.context["cl"].result_list] == [withdrawn.pk]
    response = superuser_client.get(
        _url(EvidenceRecord, "changelist"), {"q": evidence_world["other"].sha256[:16]}
    )
    assert [r.pk for r in response.context["cl"].result_list] == [evidence_world["other"].pk]
    response = superuser_client.get(_url(EvidenceRecord, "changelist"), {"q": "误传"})
    assert [r.pk for r in response.context["cl"].result_list] == [withdrawn.pk]


def test_checkpoint_page_shows_the_signed_note(superuser_client, evidence_world):
    checkpoint = ledger.latest_checkpoint()
    response = superuser_client.get(
        reverse("admin:evidence_checkpoint_change", args=[checkpoint.pk])
    )
    first_line = checkpoint.note.splitlines()[0]
    assert first_line in _html(response)
    assert checkpoint.root_hex in _html(response)


def test_access_events_filter_by_action_and_search_by_number(superuser_client, evidence_world):
    url = _url(AccessEvent, "changelist")
    response = superuser_client.get(url, {"action__exact": "verify"})
    assert {e.record_id for e in response.context["cl"].result_list} == {evidence_world["other"].pk}
    response = superuser_client.get(url, {"q": evidence_world["kept"].number})
    assert {e.record_id for e in response.context["cl"].result_list} == {evidence_world["kept"].pk}


def test_retrieval_request_shows_its_timeline_read_only(superuser_client, evidence_world):
    request = evidence_world["request"]
    response = superuser_client.get(_url(RetrievalRequest, "change", request.pk))
    assert response.status_code == 200
    assert "retrieval.requested" in _html(response)
    (formset,) = response.context["inline_admin_formsets"]
    assert not formset.has_add_permission
    assert not formset.has_change_permission
    assert not formset.has_delete_permission


def test_staff_see_only_their_scope(staff, evidence_world):
    client = staff("enterprise")
    response = client.get(_url(EvidenceRecord, "changelist"))
    assert response.status_code == 200
    assert {r.pk for r in response.context["cl"].result_list} == {
        evidence_world["kept"].pk,
        evidence_world["withdrawn"].pk,
    }
    # A record of another enterprise is "missing" (back to the admin index).
    response = client.get(_url(EvidenceRecord, "change", evidence_world["other"].pk), follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:index")
    response = client.get(_url(AccessEvent, "changelist"))
    assert {e.record_id for e in response.context["cl"].result_list} == {evidence_world["kept"].pk}
    response = client.get(_url(RetrievalRequest, "changelist"))
    assert {r.pk for r in response.context["cl"].result_list} == {evidence_world["request"].pk}
    # Ledger rows are for platform administrators only.
    assert client.get(_url(EvidenceWithdrawal, "changelist")).status_code == 403
