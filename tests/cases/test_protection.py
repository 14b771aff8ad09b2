"""Protection actions (issue 7 part 1): constraints, services (permissions per role, messages
per field, evidence and case scoping, versions, timeline), one policy in the selector and the
rules, pages (scoping, filters, totals, exports = list rows, 404/403), API (JSON naming the
field) and the demo's 2024 figures (61 actions, 27 enterprises, the sums)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from alliance.models import Membership, Organization
from alliance.selectors import clear_membership_cache
from cases import protection, services
from cases.models import CaseEvent, ProtectionAction
from evidence import services as evidence_services
from evidence.models import Category, EvidenceRecord

Kind, Outcome = ProtectionAction.Kind, ProtectionAction.Outcome
D = dt.date(2024, 3, 1)
API = "/api/v1/protection-actions/"
LIST = reverse("cases:protection-list")
EXPORT = reverse("cases:protection-export")


def deposit(world, text: str, depositor: str = "ent_a", **extra) -> EvidenceRecord:
    return evidence_services.deposit(
        actor=extra.pop("actor", world["users"]["servicepoint"]),
        depositor=world["orgs"][depositor],
        kind="text",
        title=f"网店页面 {text}",
        category=Category.LISTING,
        text=text,
        **extra,
    )


def fields(**overrides):
    values = {
        "kind": Kind.PLATFORM_TAKEDOWN,
        "title": "投诉售假链接下架",
        "started_on": D,
        "concluded_on": D + dt.timedelta(days=10),
        "outcome": Outcome.SUCCEEDED,
        "amount_recovered": Decimal("12000.00"),
        "evidence_cost_saved": Decimal("3000.00"),
        "cost_saved_basis": "公证费用估算",
    }
    values.update(overrides)
    return values


@pytest.fixture
def pw(case_world):
    """``case_world`` plus cited records and four actions on four sides of the policy."""
    users, orgs, cases = case_world["users"], case_world["orgs"], case_world["cases"]
    rec_a = deposit(case_world, "甲公司证据一")
    rec_b = deposit(case_world, "乙公司证据一", depositor="ent_b")
    actions = {
        # the enterprise's own, no helper, no case
        "own": services.action_record(
            actor=users["enterprise"], enterprise=orgs["ent_a"], evidence=[rec_a],
            **fields(title="甲公司自行维权"),
        ),
        # a service point's, for another enterprise (helper defaulted to the point)
        "sp": services.action_record(
            actor=users["servicepoint"], enterprise=orgs["ent_b"], evidence=[rec_b],
            **fields(title="网点协助乙公司", kind=Kind.REGULATOR_COMPLAINT),
        ),
        # the committee's, linked to its case in which ent_a is a party
        "case": services.action_record(
            actor=users["mediator"], enterprise=orgs["ent_a"], case=cases["mediating"],
            **fields(title="调解维权", kind=Kind.MEDIATION, outcome=Outcome.ONGOING,
                     concluded_on=None, amount_recovered=0),
        ),
        # the partner bureau's
        "partner": services.action_record(
            actor=users["partner"], enterprise=orgs["ent_b"],
            **fields(title="沈阳协助乙公司", kind=Kind.NEGOTIATION),
        ),
    }  # fmt: skip
    return {**case_world, "actions": actions, "records": {"a": rec_a, "b": rec_b}}


EXPECTED_VIEW = {
    "superuser": {"own", "sp", "case", "partner"},
    "org_admin": {"sp", "case"},  # administrator of the point's and the committee's bureau
    "mediator": {"case"},
    "mediator2": {"case"},
    "clerk": {"case"},
    "partner": {"partner"},
    "court": set(),
    "servicepoint": {"sp"},
    "enterprise": {"own", "case"},
    "nobody": set(),
}
EXPECTED_CHANGE = EXPECTED_VIEW  # in this world everyone who sees an action acts for a side


def _code(exc: ValidationError, field: str) -> str:
    return exc.error_dict[field][0].code


def _names(pw, queryset) -> set[str]:
    by_pk = {a.pk: name for name, a in pw["actions"].items()}
    return {by_pk[pk] for pk in queryset.values_list("pk", flat=True)}


# --- model constraints ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        {"amount_recovered": Decimal("-1")},
        {"evidence_cost_saved": Decimal("-1"), "cost_saved_basis": "x"},
        {"alliance_cost_saved": Decimal("-1"), "cost_saved_basis": "x"},
        {"concluded_on": D - dt.timedelta(days=1)},
        {"outcome": Outcome.ONGOING},  # concluded but ongoing
        {"concluded_on": None},  # succeeded but not concluded
        {"evidence_cost_saved": Decimal("5"), "cost_saved_basis": ""},
    ],
)
def test_database_constraints(case_world, bad):
    values = {
        "enterprise": case_world["orgs"]["ent_a"],
        "recorded_by": case_world["users"]["superuser"],
        "kind": Kind.LITIGATION,
        "title": "t",
        "started_on": D,
        "concluded_on": D,
        "outcome": Outcome.SUCCEEDED,
        **bad,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        ProtectionAction.objects.create(**values)


def test_a_valid_row_passes_the_constraints(case_world):
    ProtectionAction.objects.create(
        enterprise=case_world["orgs"]["ent_a"],
        recorded_by=case_world["users"]["superuser"],
        kind=Kind.LITIGATION,
        title="t",
        started_on=D,
    )
    assert ProtectionAction.objects.get().outcome == Outcome.ONGOING


# --- services --------------------------------------------------------------------------------


def test_recording_sets_the_recorder_and_evidence_and_defaults_the_helper(pw):
    sp = pw["actions"]["sp"]
    assert sp.recorded_by == pw["users"]["servicepoint"]
    assert sp.handled_by == pw["orgs"]["service_point"]
    assert list(sp.evidence.all()) == [pw["records"]["b"]]
    assert sp.version == 1
    assert pw["actions"]["own"].handled_by is None


@pytest.mark.parametrize("who", ["court", "nobody"])
def test_who_may_not_record(pw, who):
    with pytest.raises(ValidationError) as caught:
        services.action_record(actor=pw["users"][who], enterprise=pw["orgs"]["ent_a"], **fields())
    assert caught.value.code == "forbidden"
    assert caught.value.http_status == 403


def test_an_enterprise_records_for_itself_only(pw):
    with pytest.raises(ValidationError) as caught:
        services.action_record(
            actor=pw["users"]["enterprise"], enterprise=pw["orgs"]["ent_b"], **fields()
        )
    assert caught.value.code == "forbidden"
    assert "厦门乙科技有限公司" in caught.value.messages[0]


def test_staff_record_on_behalf_of_their_own_organisation(pw):
    users, orgs = pw["users"], pw["orgs"]
    with pytest.raises(ValidationError) as caught:
        services.action_record(
            actor=users["servicepoint"], enterprise=orgs["ent_b"], handled_by=orgs["partner"],
            **fields(),
        )  # fmt: skip
    assert set(caught.value.message_dict) == {"handled_by"}
    # With two organisations and none named, the service cannot guess.
    Membership.objects.create(
        user=users["servicepoint"], organization=orgs["committee"], role=Membership.Role.CLERK
    )
    clear_membership_cache(users["servicepoint"])
    with pytest.raises(ValidationError) as caught:
        services.action_record(actor=users["servicepoint"], enterprise=orgs["ent_b"], **fields())
    assert "handled_by" in caught.value.message_dict


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"concluded_on": D - dt.timedelta(days=1)}, "concluded_on", "before it started"),
        ({"concluded_on": None}, "concluded_on", "date on which the action concluded"),
        ({"outcome": Outcome.ONGOING}, "outcome", "needs its outcome"),
        ({"cost_saved_basis": "  "}, "cost_saved_basis", "how the cost saved was estimated"),
        ({"amount_recovered": Decimal("-5")}, "amount_recovered", "cannot be negative"),
        ({"started_on": dt.date(2999, 1, 1), "concluded_on": None, "outcome": "ongoing"},
         "started_on", "cannot be in the future"),
        ({"title": ""}, "title", "This field cannot be blank"),
    ],
)  # fmt: skip
def test_validation_messages_name_the_field(pw, overrides, field, words):
    with pytest.raises(ValidationError) as caught:
        services.action_record(
            actor=pw["users"]["enterprise"], enterprise=pw["orgs"]["ent_a"], **fields(**overrides)
        )
    assert field in caught.value.message_dict
    assert words in " ".join(caught.value.message_dict[field])
    assert ProtectionAction.objects.count() == 4


def test_only_enterprises_and_helper_kinds(pw):
    orgs, admin = pw["orgs"], pw["users"]["superuser"]
    with pytest.raises(ValidationError) as caught:
        services.action_record(actor=admin, enterprise=orgs["zz_bureau"], **fields())
    assert "enterprises only" in caught.value.message_dict["enterprise"][0]
    with pytest.raises(ValidationError) as caught:
        services.action_record(
            actor=admin, enterprise=orgs["ent_a"], handled_by=orgs["court"], **fields()
        )
    assert "handled_by" in caught.value.message_dict


def test_evidence_must_be_the_enterprises_visible_and_not_withdrawn(pw):
    users, orgs, records = pw["users"], pw["orgs"], pw["records"]
    enterprise = users["enterprise"]
    with pytest.raises(ValidationError) as caught:  # another enterprise's record
        services.action_record(
            actor=users["superuser"], enterprise=orgs["ent_a"], evidence=[records["b"]], **fields()
        )
    assert _code(caught.value, "evidence") == "evidence_other_enterprise"
    assert records["b"].number in caught.value.message_dict["evidence"][0]
    with pytest.raises(ValidationError) as caught:  # a record the actor may not see
        services.action_record(
            actor=users["partner"], enterprise=orgs["ent_a"], evidence=[records["a"]], **fields()
        )
    assert _code(caught.value, "evidence") == "evidence_forbidden"
    gone = deposit(pw, "撤回")
    evidence_services.withdraw(actor=users["superuser"], record=gone, reason="上传错误")
    with pytest.raises(ValidationError) as caught:
        services.action_record(
            actor=enterprise, enterprise=orgs["ent_a"], evidence=[gone], **fields()
        )
    assert _code(caught.value, "evidence") == "evidence_withdrawn"


def test_the_case_must_be_visible_and_have_the_enterprise_as_party(pw):
    users, orgs, cases = pw["users"], pw["orgs"], pw["cases"]
    with pytest.raises(ValidationError) as caught:  # the enterprise does not see it
        services.action_record(
            actor=users["enterprise"], enterprise=orgs["ent_a"], case=cases["partner"], **fields()
        )
    assert _code(caught.value, "case") == "case_forbidden"
    with pytest.raises(ValidationError) as caught:  # ent_a is no party to the Shenyang case
        services.action_record(
            actor=users["superuser"], enterprise=orgs["ent_a"], case=cases["partner"], **fields()
        )
    assert _code(caught.value, "case") == "case_not_party"
    assert "case" in caught.value.message_dict


def test_the_linked_case_gets_timeline_events(pw):
    action = pw["actions"]["case"]
    mediating = pw["cases"]["mediating"]
    event = CaseEvent.objects.get(case=mediating, verb="protection.recorded")
    assert event.data["action"] == action.pk
    assert event.actor == pw["users"]["mediator"]
    services.action_update(
        actor=pw["users"]["enterprise"],
        action=action,
        expected_version=1,
        outcome=Outcome.SUCCEEDED,
        concluded_on=D + dt.timedelta(days=5),
    )
    assert CaseEvent.objects.filter(case=mediating, verb="protection.updated").count() == 1
    services.action_update(actor=pw["users"]["superuser"], action=action, case=None)
    assert CaseEvent.objects.filter(case=mediating, verb="protection.unlinked").exists()


def test_versions_refuse_a_stale_update(pw):
    action = pw["actions"]["own"]
    updated = services.action_update(
        actor=pw["users"]["enterprise"], action=action, expected_version=1, title="新标题"
    )
    assert updated.version == 2
    with pytest.raises(ValidationError) as caught:
        services.action_update(
            actor=pw["users"]["enterprise"], action=action, expected_version=1, title="旧页面"
        )
    assert caught.value.code == "conflict"
    assert caught.value.http_status == 409
    assert ProtectionAction.objects.get(pk=action.pk).title == "新标题"


def test_who_may_update(pw):
    with pytest.raises(ValidationError) as caught:
        services.action_update(actor=pw["users"]["partner"], action=pw["actions"]["own"], title="x")
    assert caught.value.code == "forbidden"
    with pytest.raises(ValidationError) as caught:  # would lose its own right to change it
        services.action_update(
            actor=pw["users"]["servicepoint"],
            action=pw["actions"]["sp"],
            handled_by=pw["orgs"]["partner"],
        )
    assert "handled_by" in caught.value.message_dict


def test_an_update_keeps_records_the_editor_cannot_see(pw):
    users, orgs = pw["users"], pw["orgs"]
    other_point = Organization.objects.create(
        kind=Organization.Kind.SERVICE_POINT, name="另一网点", region=orgs["zz_bureau"].region
    )
    hidden = deposit(pw, "另一网点的证据", actor=users["superuser"], service_point=other_point)
    seen = pw["records"]["a"]
    action = services.action_record(
        actor=users["enterprise"], enterprise=orgs["ent_a"], evidence=[seen, hidden],
        handled_by=orgs["service_point"], **fields(),
    )  # fmt: skip
    assert not users["servicepoint"].has_perm("evidence.view_evidencerecord", hidden)
    services.action_update(actor=users["servicepoint"], action=action, evidence=[])
    assert set(action.evidence.all()) == {hidden}


# --- one policy: selector ⇔ rules -------------------------------------------------------------


def test_visibility_matches_the_policy(pw):
    for name, user in pw["users"].items():
        seen = _names(pw, protection.protection_action_visible_to(user))
        assert seen == EXPECTED_VIEW[name], name
        editable = _names(pw, protection.protection_action_editable_by(user))
        assert editable == EXPECTED_CHANGE[name], name


def test_selectors_and_rules_agree_for_every_user_and_action(pw):
    orgs, users = pw["orgs"], pw["users"]
    # A share makes the linked case's action visible to the partner, who may not change it.
    services.share_grant(
        actor=users["mediator"], case=pw["cases"]["mediating"], organization=orgs["partner"],
        level="view", reason="协助",
    )  # fmt: skip
    for user in users.values():
        user.__dict__.pop("_alliance_memberships", None)
        visible = set(protection.protection_action_visible_to(user).values_list("pk", flat=True))
        editable = set(protection.protection_action_editable_by(user).values_list("pk", flat=True))
        for action in ProtectionAction.objects.all():
            assert (action.pk in visible) == user.has_perm("cases.view_protectionaction", action), (
                user,
                action,
            )
            assert (action.pk in editable) == user.has_perm(
                "cases.change_protectionaction", action
            ), (user, action)
    partner = users["partner"]
    assert partner.has_perm("cases.view_protectionaction", pw["actions"]["case"])
    assert not partner.has_perm("cases.change_protectionaction", pw["actions"]["case"])


def test_who_may_add(pw):
    may = {name for name, u in pw["users"].items() if u.has_perm("cases.add_protectionaction")}
    assert may == {
        "superuser", "org_admin", "mediator", "mediator2", "clerk", "partner", "servicepoint",
        "enterprise",
    }  # fmt: skip


# --- pages ----------------------------------------------------------------------------------


@pytest.fixture
def login(client, pw):
    def as_user(name):
        client.force_login(pw["users"][name])
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return as_user


def _rows(response) -> set[int]:
    assert response.status_code == 200
    return {a.pk for a in response.context["object_list"]}


def test_the_list_shows_visible_actions_with_totals(login, pw):
    response = login("enterprise").get(LIST)
    assert _rows(response) == {pw["actions"]["own"].pk, pw["actions"]["case"].pk}
    totals = response.context["totals"]
    assert totals["count"] == 2
    assert totals["amount_recovered"] == Decimal("12000.00")
    assert totals["evidence_cost_saved"] == Decimal("6000.00")
    assert "甲公司自行维权" in response.content.decode()


def test_list_filters(login, pw):
    client = login("superuser")
    actions = pw["actions"]
    assert _rows(client.get(LIST, {"has_case": "true"})) == {actions["case"].pk}
    assert _rows(client.get(LIST, {"kind": "negotiation"})) == {actions["partner"].pk}
    assert _rows(client.get(LIST, {"concluded": "false"})) == {actions["case"].pk}
    assert _rows(client.get(LIST, {"year": "2024"})) == {a.pk for a in actions.values()}
    assert _rows(client.get(LIST, {"year": "2023"})) == set()
    assert _rows(client.get(LIST, {"q": "沈阳"})) == {actions["partner"].pk}
    ent_b = pw["orgs"]["ent_b"].pk
    assert _rows(client.get(LIST, {"enterprise": ent_b})) == {
        actions["sp"].pk,
        actions["partner"].pk,
    }


def test_bad_filters_show_a_message_not_an_error(login, pw):
    client = login("superuser")
    response = client.get(LIST, {"started_after": "2024-12-01", "started_before": "2024-01-01"})
    assert response.status_code == 200
    assert "The start of the period is after its end." in response.content.decode()
    assert _rows(response) == set()
    response = client.get(EXPORT, {"format": "csv", "started_after": "2024-12-01",
                                   "started_before": "2024-01-01"})  # fmt: skip
    assert response.status_code == 400
    assert client.get(EXPORT, {"format": "pdf"}).status_code == 400
    assert client.get(LIST, {"enterprise": "999999"}).status_code == 200


def test_exports_are_exactly_the_list_rows(login, pw):
    client = login("org_admin")
    query = {"kind": ["regulator_complaint", "mediation"], "sort": "title"}
    listed = [a.title for a in client.get(LIST, query).context["object_list"]]
    response = client.get(EXPORT, {**query, "format": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][0] == "Title"
    assert [r[0] for r in rows[1:]] == listed
    assert set(listed) == {"网点协助乙公司", "调解维权"}
    response = client.get(EXPORT, {**query, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [r[0] for r in list(sheet.iter_rows(values_only=True))[1:]] == listed
    # Cited records are listed by number for those who may see them.
    response = login("servicepoint").get(EXPORT, {"format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [(r[0], r[14]) for r in rows[1:]] == [("网点协助乙公司", pw["records"]["b"].number)]


def test_detail_404_out_of_scope_and_edit_403_without_the_right(login, pw):
    users, orgs, actions = pw["users"], pw["orgs"], pw["actions"]
    url = reverse("cases:protection-detail", args=[actions["case"].pk])
    assert login("court").get(url).status_code == 404
    services.share_grant(
        actor=users["mediator"], case=pw["cases"]["mediating"], organization=orgs["partner"],
        level="view", reason="协助",
    )  # fmt: skip
    client = login("partner")
    response = client.get(url)
    assert response.status_code == 200
    assert "调解维权" in response.content.decode()
    edit = reverse("cases:protection-edit", args=[actions["case"].pk])
    assert client.get(edit).status_code == 403
    assert login("court").get(reverse("cases:protection-create")).status_code == 403


def test_detail_shows_only_visible_records(login, pw):
    users, orgs = pw["users"], pw["orgs"]
    action = pw["actions"]["sp"]
    url = reverse("cases:protection-detail", args=[action.pk])
    response = login("servicepoint").get(url)
    assert list(response.context["records"]) == [pw["records"]["b"]]
    # The partner bureau's mediator sees its own action's page, not ent_b's records.
    partner_action = pw["actions"]["partner"]
    services.action_update(
        actor=users["superuser"], action=partner_action, evidence=[pw["records"]["b"]]
    )
    response = login("partner").get(reverse("cases:protection-detail", args=[partner_action.pk]))
    assert list(response.context["records"]) == []
    assert response.context["hidden_records"] == 1
    assert orgs["ent_b"].name in response.content.decode()


def test_create_and_edit_through_the_pages(login, pw):
    client = login("enterprise")
    create = reverse("cases:protection-create")
    page = client.get(create)
    assert page.status_code == 200
    assert list(page.context["form"].fields["evidence"].queryset) == [pw["records"]["a"]]
    data = {
        "enterprise": pw["orgs"]["ent_a"].pk, "kind": "negotiation", "title": "页面录入",
        "started_on": "2024-05-01", "concluded_on": "2024-04-01", "outcome": "succeeded",
        "amount_recovered": "100", "evidence_cost_saved": "0", "alliance_cost_saved": "0",
        "evidence": [pw["records"]["a"].pk],
    }  # fmt: skip
    response = client.post(create, data)
    assert response.status_code == 200
    assert "cannot conclude before it started" in response.content.decode()
    data["concluded_on"] = "2024-06-01"
    response = client.post(create, data)
    action = ProtectionAction.objects.get(title="页面录入")
    assert response.status_code == 302
    assert response["Location"] == action.get_absolute_url()
    assert list(action.evidence.all()) == [pw["records"]["a"]]
    edit = reverse("cases:protection-edit", args=[action.pk])
    page = client.get(edit)
    assert page.status_code == 200
    assert page.context["form"]["version"].value() == 1
    data.update(title="改过的", version=1)
    assert client.post(edit, data).status_code == 302
    data.update(title="过期页面")
    response = client.post(edit, data)  # version 1 is stale now
    assert response.status_code == 409
    assert ProtectionAction.objects.get(pk=action.pk).title == "改过的"


# --- API -------------------------------------------------------------------------------------


@pytest.fixture
def api(pw):
    def as_user(name: str) -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_authenticate(pw["users"][name])
        return client

    return as_user


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_api_list_and_retrieve_follow_the_selector(api, pw):
    actions = pw["actions"]
    assert _ids(api("servicepoint").get(API)) == {actions["sp"].pk}
    assert _ids(api("superuser").get(API, {"has_case": "true"})) == {actions["case"].pk}
    assert api("servicepoint").get(f"{API}{actions['own'].pk}/").status_code == 404
    row = api("enterprise").get(f"{API}{actions['case'].pk}/").json()
    assert row["case"]["id"] == pw["cases"]["mediating"].pk
    assert row["kind"] == "mediation"
    assert api("superuser").get(API, {"colour": "red"}).status_code == 400


def test_api_create_and_refusals_name_the_field(api, pw):
    client, orgs = api("enterprise"), pw["orgs"]
    body = {
        "enterprise": orgs["ent_a"].pk, "kind": "litigation", "title": "接口录入",
        "started_on": "2024-02-01", "concluded_on": "2024-03-01", "outcome": "succeeded",
        "amount_recovered": "5000.00", "evidence": [pw["records"]["a"].pk],
    }  # fmt: skip
    created = client.post(API, body, format="json")
    assert created.status_code == 201, created.content
    assert [r["number"] for r in created.json()["evidence"]] == [pw["records"]["a"].number]
    assert created.json()["recorded_by"]["username"] == "enterprise"
    refused = client.post(API, {**body, "enterprise": orgs["ent_b"].pk}, format="json")
    assert refused.status_code == 400 and "enterprise" in refused.json()
    refused = client.post(API, {**body, "concluded_on": "2024-01-01"}, format="json")
    assert refused.status_code == 400 and "concluded_on" in refused.json()
    refused = client.post(API, {**body, "amount_recovered": "-1"}, format="json")
    assert refused.status_code == 400 and "amount_recovered" in refused.json()
    refused = client.post(API, {**body, "evidence_cost_saved": "10"}, format="json")
    assert refused.status_code == 400 and "cost_saved_basis" in refused.json()
    refused = api("superuser").post(
        API, {**body, "evidence": [pw["records"]["b"].pk]}, format="json"
    )
    assert refused.status_code == 400 and "evidence" in refused.json()
    assert api("court").post(API, body, format="json").status_code == 403


def test_api_patch_versions_and_permissions(api, pw):
    action, users, orgs = pw["actions"]["case"], pw["users"], pw["orgs"]
    url = f"{API}{action.pk}/"
    client = api("mediator")
    response = client.patch(url, {"title": "更新", "version": 1}, format="json")
    assert response.status_code == 200 and response.json()["version"] == 2
    stale = client.patch(url, {"title": "过期", "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    services.share_grant(
        actor=users["mediator"], case=pw["cases"]["mediating"], organization=orgs["partner"],
        level="view", reason="协助",
    )  # fmt: skip
    assert api("partner").patch(url, {"title": "x"}, format="json").status_code == 403
    assert api("court").patch(url, {"title": "x"}, format="json").status_code == 404
    assert client.delete(url).status_code == 405
    assert client.put(url, {"title": "x"}, format="json").status_code == 405


# --- demo (loaded once for the rest of the module) --------------------------------------------


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        MEDIA_ROOT=str(tmp_path_factory.getbasetemp() / "media"),
    )
    with django_db_blocker.unblock(), fast, transaction.atomic():
        from alliance.deadlines import package_years
        from alliance.models import HolidayYear

        for year in range(package_years()[1] + 1, timezone.localdate().year + 2):
            HolidayYear.objects.get_or_create(year=year, defaults={"source": "tests"})
        out = io.StringIO()
        call_command("load_demo", force=True, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def loaded(demo, db):
    return demo


def test_demo_reproduces_the_2024_figures(loaded):
    from cases.demo_protection import figures

    result = figures(2024)
    assert result["actions"] == 61
    assert result["enterprises"] == 27
    assert result["recovered"] > Decimal("20000000")
    assert result["recovered"] == Decimal("20386500.00")
    assert result["evidence_saved"] == Decimal("2703600.00")
    assert result["alliance_saved"] == Decimal("2012000.00")
    assert ProtectionAction.objects.exclude(enterprise__is_key_enterprise=True).count() == 0
    assert "demo protection actions: 61 in 2024 for 27 enterprises" in loaded


def test_demo_actions_cite_their_enterprises_2024_records(loaded):
    for action in ProtectionAction.objects.prefetch_related("evidence"):
        records = list(action.evidence.all())
        assert 1 <= len(records) <= 5, action
        assert {r.depositor_id for r in records} == {action.enterprise_id}
        assert {r.deposited_at.year for r in records} == {2024}
        if action.evidence_cost_saved or action.alliance_cost_saved:
            assert action.cost_saved_basis


def test_demo_links_some_actions_to_cases_and_the_enterprise_sees_its_own(loaded):
    from django.contrib.auth import get_user_model

    linked = ProtectionAction.objects.filter(case__isnull=False)
    assert linked.exists()
    for action in linked:
        assert action.case.parties.filter(organization=action.enterprise).exists()
        assert CaseEvent.objects.filter(case=action.case, verb="protection.recorded").exists()
    enterprise = get_user_model().objects.get(username="enterprise")
    own = protection.protection_action_visible_to(enterprise)
    assert own.exists()
    assert set(own.values_list("enterprise__name", flat=True)) == {"漳州市闽南蜜柚食品有限公司"}


def test_demo_load_is_idempotent(loaded):
    before = ProtectionAction.objects.count()
    out = io.StringIO()
    call_command("load_demo", force=True, stdout=out)
    assert ProtectionAction.objects.count() == before
    assert "demo protection actions already loaded" in out.getvalue()
