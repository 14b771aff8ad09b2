"""Case admin: scoped querysets, read-only workflow fields, edits and actions through the
services, an immutable timeline (STYLE rule 12)."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.forms import CheckboxInput
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.choices import PartyRole, Status
from cases.models import CaseEvent, MediationCase, Party
from cases.selectors import case_visible_to
from tests.cases.conftest import make_case, org_party

pytestmark = pytest.mark.django_db


def _url(model, view, *args):
    return reverse(f"admin:cases_{model._meta.model_name}_{view}", args=args)


def _html(response) -> str:
    return response.content.decode()


def _changelist_pks(response) -> set[int]:
    return {obj.pk for obj in response.context["cl"].result_list}


def _messages(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def english_client(client, settings):
    """The admin in English (requests default to Chinese), so messages can be read here."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def superuser_client(english_client, case_world):
    english_client.force_login(case_world["users"]["superuser"])
    return english_client


@pytest.fixture
def staff(english_client, case_world):
    """Log in a world user made staff (not a superuser); their memberships give the scope."""

    def login(name):
        user = case_world["users"][name]
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        english_client.force_login(user)
        return english_client

    return login


def _form_data(response) -> dict:
    """The POST data of a rendered admin change form, inline management forms included."""
    data: dict = {}
    form = response.context["adminform"].form
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field.widget, CheckboxInput):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for inline_form in formset.forms:
            for name in inline_form.fields:
                value = inline_form[name].value()
                if value is not None:
                    data[inline_form.add_prefix(name)] = value
    return data


# ---------------------------------------------------------------------------------------------
# Changelists are the visibility scope
# ---------------------------------------------------------------------------------------------


def test_superuser_changelist_shows_every_case(superuser_client, case_world):
    response = superuser_client.get(_url(MediationCase, "changelist"))
    assert response.status_code == 200
    assert _changelist_pks(response) == set(MediationCase.objects.values_list("pk", flat=True))
    assert "沈阳案件" in _html(response)


def test_staff_mediator_changelist_shows_only_visible_cases(staff, case_world):
    response = staff("mediator").get(_url(MediationCase, "changelist"))
    assert response.status_code == 200
    cases = case_world["cases"]
    visible = set(case_visible_to(case_world["users"]["mediator"]).values_list("pk", flat=True))
    assert _changelist_pks(response) == visible
    assert {cases["draft"].pk, cases["submitted"].pk, cases["mediating"].pk} <= visible
    assert cases["partner"].pk not in visible
    assert "沈阳案件" not in _html(response)


def test_staff_partner_changelist_shows_only_the_partner_bureau_case(staff, case_world):
    response = staff("partner").get(_url(MediationCase, "changelist"))
    assert _changelist_pks(response) == {case_world["cases"]["partner"].pk}


def test_staff_cannot_open_a_case_of_another_organisation(staff, case_world):
    partner_case = case_world["cases"]["partner"]
    response = staff("mediator").get(_url(MediationCase, "change", partner_case.pk), follow=True)
    # The admin treats an object outside get_queryset() as missing: back to the index.
    assert response.redirect_chain == [(reverse("admin:index"), 302)]
    assert "沈阳案件" not in _html(response)


def test_staff_cannot_open_the_history_of_a_case_of_another_organisation(staff, case_world):
    partner_case = case_world["cases"]["partner"]
    response = staff("mediator").get(_url(MediationCase, "history", partner_case.pk))
    assert response.status_code == 404


def test_staff_party_changelist_hides_parties_of_invisible_cases(staff, case_world):
    response = staff("mediator").get(_url(Party, "changelist"))
    names = {party.name for party in response.context["cl"].result_list}
    assert "李四" not in names  # the partner case's respondent
    assert "漳州甲食品有限公司" in names


def test_search_finds_a_case_by_party_name(superuser_client, case_world):
    response = superuser_client.get(_url(MediationCase, "changelist") + "?q=李四")
    assert _changelist_pks(response) == {case_world["cases"]["partner"].pk}


def test_changelist_query_count_does_not_grow_with_the_number_of_cases(
    superuser_client, case_world
):
    url = _url(MediationCase, "changelist")
    with CaptureQueriesContext(connection) as few:
        superuser_client.get(url)
    users, orgs = case_world["users"], case_world["orgs"]
    for index in range(8):
        make_case(users["clerk"], orgs["committee"], title=f"新增案件{index}")
    with CaptureQueriesContext(connection) as many:
        response = superuser_client.get(url)
    assert response.context["cl"].result_count == MediationCase.objects.count()
    assert len(many) == len(few)


# ---------------------------------------------------------------------------------------------
# The change form: workflow fields read-only, edits through the services
# ---------------------------------------------------------------------------------------------


def test_workflow_fields_are_read_only_in_the_change_form(superuser_client, case_world):
    case = case_world["cases"]["submitted"]
    response = superuser_client.get(_url(MediationCase, "change", case.pk))
    assert response.status_code == 200
    html = _html(response)
    form = response.context["adminform"].form
    assert "title" in form.fields
    for name in ("status", "number", "number_seq", "received_on", "created_by", "version"):
        assert name not in form.fields
        assert f'name="{name}"' not in html
    assert case.number in html  # shown, not editable
    assert 'name="handling_organization"' not in html


def test_editing_the_title_in_the_admin_writes_a_case_updated_event(superuser_client, case_world):
    case = case_world["cases"]["submitted"]
    url = _url(MediationCase, "change", case.pk)
    data = _form_data(superuser_client.get(url))
    data["title"] = "甲公司与乙公司外观设计专利侵权纠纷"

    response = superuser_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    case.refresh_from_db()
    assert case.title == "甲公司与乙公司外观设计专利侵权纠纷"
    assert case.status == Status.SUBMITTED
    event = case.events.order_by("-pk").first()
    assert event.verb == "case.updated"
    assert event.data == {"fields": ["title"]}
    assert event.actor == case_world["users"]["superuser"]


def test_a_stale_change_form_is_refused_as_a_conflict(superuser_client, case_world):
    case = case_world["cases"]["submitted"]
    url = _url(MediationCase, "change", case.pk)
    data = _form_data(superuser_client.get(url))
    services.case_update(actor=case_world["users"]["clerk"], case=case, facts="别人先改了")
    data["title"] = "覆盖别人的修改"

    response = superuser_client.post(url, data)

    assert response.status_code == 200
    assert "changed by someone else" in _html(response)
    case.refresh_from_db()
    assert case.title == "已提交案件"
    assert case.facts == "别人先改了"


def test_changing_a_workflow_field_by_post_is_ignored(superuser_client, case_world):
    case = case_world["cases"]["submitted"]
    url = _url(MediationCase, "change", case.pk)
    data = _form_data(superuser_client.get(url))
    data.update(status="closed", number="伪造编号", title="新标题")

    superuser_client.post(url, data)

    case.refresh_from_db()
    assert case.title == "新标题"
    assert case.status == Status.SUBMITTED
    assert case.number != "伪造编号"


def test_adding_a_case_in_the_admin_creates_a_draft_through_the_service(staff, case_world):
    client = staff("mediator")
    committee = case_world["orgs"]["committee"]
    response = client.post(
        _url(MediationCase, "add"),
        {
            "handling_organization": committee.pk,
            "title": "管理后台新建案件",
            "dispute_type": "trademark_infringement",
            "mediation_kind": "peoples",
            "source": "direct",
            "claim_amount": "8000.00",
            "is_online": "on",
        },
    )
    assert response.status_code == 302
    case = MediationCase.objects.get(title="管理后台新建案件")
    assert case.status == Status.DRAFT
    assert case.number == ""
    assert case.created_by == case_world["users"]["mediator"]
    assert list(case.events.values_list("verb", flat=True)) == ["case.created"]


def test_add_form_offers_only_the_users_own_handling_organisations(staff, case_world):
    response = staff("mediator").get(_url(MediationCase, "add"))
    field = response.context["adminform"].form.fields["handling_organization"]
    assert set(field.queryset) == {case_world["orgs"]["committee"]}


def test_change_page_shows_the_timeline_and_masks_resident_id_numbers(superuser_client, case_world):
    case = case_world["cases"]["mediating"]
    html = _html(superuser_client.get(_url(MediationCase, "change", case.pk)))
    assert "case.mediating" in html
    assert "session.scheduled" in html
    assert "张三" in html
    assert "11010519491231002X" not in html
    assert "110105********002X" in html


def test_history_cannot_be_reverted(superuser_client, case_world):
    case = case_world["cases"]["submitted"]
    services.case_update(actor=case_world["users"]["clerk"], case=case, title="改过的标题")
    first = case.history.order_by("history_id").first()
    response = superuser_client.post(
        reverse("admin:cases_mediationcase_simple_history", args=[case.pk, first.history_id]),
        {"title": "已提交案件"},
    )
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.title == "改过的标题"


# ---------------------------------------------------------------------------------------------
# Actions call the services
# ---------------------------------------------------------------------------------------------


def _run_action(client, action: str, cases: list[MediationCase]):
    return client.post(
        _url(MediationCase, "changelist"),
        {"action": action, "_selected_action": [case.pk for case in cases]},
        follow=True,
    )


def test_submit_action_submits_a_draft_and_reports_one_lacking_a_respondent(staff, case_world):
    users, orgs = case_world["users"], case_world["orgs"]
    complete = make_case(
        users["clerk"],
        orgs["committee"],
        title="完整草稿",
        parties=[
            org_party(PartyRole.APPLICANT, orgs["ent_a"]),
            org_party(PartyRole.RESPONDENT, orgs["ent_b"]),
        ],
    )
    lacking = case_world["cases"]["draft"]  # an applicant only

    response = _run_action(staff("mediator"), "submit_selected", [complete, lacking])

    complete.refresh_from_db()
    assert complete.status == Status.SUBMITTED
    year = timezone.localdate().year
    assert complete.number == f"漳知调〔{year}〕第0003号"  # after the world's two submissions
    assert complete.events.filter(verb="case.submitted").exists()
    lacking.refresh_from_db()
    assert lacking.status == Status.DRAFT
    assert lacking.number == ""
    messages = _messages(response)
    errors = [text for level, text in messages if level == "error"]
    assert len(errors) == 1
    assert "草稿案件" in errors[0]
    assert "respondent" in errors[0]
    assert ("success", "1 case moved by “submit”.") in messages


def test_accept_action_needs_an_assigned_mediator(staff, case_world):
    users = case_world["users"]
    waiting = case_world["cases"]["submitted"]
    ready = advance_submitted(case_world)
    services.case_assign(actor=users["mediator"], case=ready, mediator=users["mediator"])

    response = _run_action(staff("mediator"), "accept_selected", [waiting, ready])

    ready.refresh_from_db()
    waiting.refresh_from_db()
    assert ready.status == Status.ACCEPTED
    assert ready.accepted_on == timezone.localdate()
    assert waiting.status == Status.SUBMITTED
    errors = [text for level, text in _messages(response) if level == "error"]
    assert errors == [f"{waiting}: Assign at least one mediator before accepting the case."]


def advance_submitted(case_world) -> MediationCase:
    users, orgs = case_world["users"], case_world["orgs"]
    case = make_case(
        users["clerk"],
        orgs["committee"],
        title="待受理案件",
        parties=[
            org_party(PartyRole.APPLICANT, orgs["ent_a"]),
            org_party(PartyRole.RESPONDENT, orgs["ent_b"]),
        ],
    )
    return services.case_submit(actor=users["clerk"], case=case)


def test_an_action_on_a_case_the_user_may_not_move_is_reported_not_performed(staff, case_world):
    # The enterprise user sees the submitted case as a party but may not accept it.
    client = staff("enterprise")
    case = case_world["cases"]["submitted"]
    response = _run_action(client, "accept_selected", [case])
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED
    assert not any(level == "success" for level, _text in _messages(response))


def test_bulk_delete_is_not_offered(superuser_client):
    response = superuser_client.get(_url(MediationCase, "changelist"))
    actions = dict(response.context["action_form"].fields["action"].choices)
    assert "delete_selected" not in actions
    assert "submit_selected" in actions
    assert "accept_selected" in actions


def test_deleting_a_draft_goes_through_the_service(superuser_client, case_world):
    draft = case_world["cases"]["draft"]
    response = superuser_client.post(_url(MediationCase, "delete", draft.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not MediationCase.objects.filter(pk=draft.pk).exists()


def test_a_submitted_case_cannot_be_deleted_by_staff(staff, case_world):
    case = case_world["cases"]["submitted"]
    response = staff("mediator").post(_url(MediationCase, "delete", case.pk), {"post": "yes"})
    assert response.status_code == 403
    assert MediationCase.objects.filter(pk=case.pk).exists()


# ---------------------------------------------------------------------------------------------
# The timeline is immutable, for everyone
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def event(case_world) -> CaseEvent:
    return case_world["cases"]["submitted"].events.get(verb="case.submitted")


def test_superuser_may_view_a_timeline_event_read_only(superuser_client, event):
    response = superuser_client.get(_url(CaseEvent, "change", event.pk))
    assert response.status_code == 200
    html = _html(response)
    assert "case.submitted" in html
    assert 'name="_save"' not in html


def test_superuser_cannot_change_a_timeline_event(superuser_client, event):
    response = superuser_client.post(_url(CaseEvent, "change", event.pk), {"verb": "case.closed"})
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.verb == "case.submitted"


def test_superuser_cannot_delete_a_timeline_event(superuser_client, event):
    assert superuser_client.get(_url(CaseEvent, "delete", event.pk)).status_code == 403
    response = superuser_client.post(_url(CaseEvent, "delete", event.pk), {"post": "yes"})
    assert response.status_code == 403
    assert CaseEvent.objects.filter(pk=event.pk).exists()


def test_superuser_cannot_add_a_timeline_event(superuser_client):
    assert superuser_client.get(_url(CaseEvent, "add")).status_code == 403


def test_timeline_changelist_offers_no_bulk_delete(superuser_client, event):
    response = superuser_client.get(_url(CaseEvent, "changelist"))
    assert response.status_code == 200
    assert event.pk in _changelist_pks(response)
    assert "delete_selected" not in _html(response)


def test_staff_timeline_changelist_is_scoped(staff, case_world):
    response = staff("mediator").get(_url(CaseEvent, "changelist"))
    case_ids = {event.case_id for event in response.context["cl"].result_list}
    assert case_world["cases"]["submitted"].pk in case_ids
    assert case_world["cases"]["partner"].pk not in case_ids


def test_number_counters_are_read_only_even_for_the_superuser(superuser_client):
    response = superuser_client.get(reverse("admin:cases_casenumbercounter_changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1
    assert superuser_client.get(reverse("admin:cases_casenumbercounter_add")).status_code == 403


# ---------------------------------------------------------------------------------------------
# Every registered case model renders for the platform admin
# ---------------------------------------------------------------------------------------------


def _registered_case_models():
    from django.contrib import admin

    return sorted(
        (model for model in admin.site._registry if model._meta.app_label == "cases"),
        key=lambda model: model._meta.label,
    )


@pytest.mark.parametrize("model", _registered_case_models(), ids=lambda model: model._meta.label)
def test_superuser_changelist_and_change_page_render(superuser_client, case_world, model):
    response = superuser_client.get(_url(model, "changelist"))
    assert response.status_code == 200
    obj = model.objects.order_by("pk").first()
    if obj is None:  # numbering rows exist only when configured
        return
    assert _url(model, "change", obj.pk) in _html(response)
    response = superuser_client.get(_url(model, "change", obj.pk))
    assert response.status_code == 200
    assert str(obj) in _html(response) or response.context["original"] == obj


def test_every_case_model_is_registered():
    labels = {model._meta.label for model in _registered_case_models()}
    assert {
        "cases.MediationCase",
        "cases.Party",
        "cases.CaseRight",
        "cases.MediationSession",
        "cases.Agreement",
        "cases.CaseEvent",
        "cases.CaseNumbering",
        "cases.CaseNumberCounter",
    } <= labels
