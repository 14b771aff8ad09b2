"""Intake pages: the new-case form with parties and rights in one transaction, errors that
keep everything typed and save nothing, submission numbers, the related-dispute check,
party/right management, and the autocompletes' scope."""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from alliance.models import Organization
from cases import services
from cases.choices import PartyRole, Status
from cases.models import CaseEvent, CaseRight, MediationCase, Party
from tests.cases.conftest import person_party
from tests.conftest import make_uscc

NEW_USCC = make_uscc(77, "350602")


@pytest.fixture
def login(client, case_world):
    def as_user(name):
        # Pages in English (the default is Chinese) so Django's own messages can be read.
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        client.force_login(case_world["users"][name])
        return client

    return as_user


def intake_data(world, org_key="committee", **overrides) -> dict[str, str]:
    orgs = world["orgs"]
    data = {
        "handling_organization": str(orgs[org_key].pk),
        "title": "蜜柚包装外观设计侵权纠纷",
        "facts": "被申请人销售的蜜柚礼盒与申请人专利外观近似。",
        "dispute_type": "design_infringement",
        "mediation_kind": "peoples",
        "source": "direct",
        "claim_amount": "80000.00",
        "is_online": "on",
        "parties-TOTAL_FORMS": "2",
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "0",
        "parties-MAX_NUM_FORMS": "1000",
        "parties-0-role": "applicant",
        "parties-0-kind": "organization",
        "parties-0-enterprise": orgs["ent_a"].uscc,
        "parties-0-agent_name": "王律师",
        "parties-1-role": "respondent",
        "parties-1-kind": "organization",
        "parties-1-name": "漳州丙贸易有限公司",
        "parties-1-uscc": NEW_USCC,
        "parties-1-region": "350602",
        "rights-TOTAL_FORMS": "1",
        "rights-INITIAL_FORMS": "0",
        "rights-MIN_NUM_FORMS": "0",
        "rights-MAX_NUM_FORMS": "1000",
        "rights-0-kind": "invention_patent",
        "rights-0-number": "ZL 2017 1060 1862.3",
    }
    data.update(overrides)
    return data


def _counts() -> tuple[int, int, int, int]:
    return (
        MediationCase.objects.count(),
        Party.objects.count(),
        CaseRight.objects.count(),
        Organization.objects.count(),
    )


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- the form ----------------------------------------------------------------------------


def test_intake_page_preselects_the_only_handling_organisation(login, case_world):
    html = login("mediator").get(reverse("cases:case-create")).content.decode()
    committee = case_world["orgs"]["committee"]
    assert f'<option value="{committee.pk}" selected>' in html
    assert case_world["orgs"]["zz_bureau"].name not in html
    assert 'name="parties-TOTAL_FORMS"' in html and 'name="rights-TOTAL_FORMS"' in html
    assert "Save draft" in html and "Save and submit" in html


def test_intake_offers_every_organisation_where_the_clerk_works(login, case_world):
    html = login("clerk").get(reverse("cases:case-create")).content.decode()
    for key in ("committee", "zz_bureau"):
        assert f'<option value="{case_world["orgs"][key].pk}">' in html
    assert case_world["orgs"]["partner"].name not in html


@pytest.mark.parametrize("user", ["enterprise", "court", "nobody"])
def test_intake_is_refused_to_users_who_may_not_open_cases(login, user):
    assert login(user).get(reverse("cases:case-create")).status_code == 403


def test_intake_in_chinese(login, case_world):
    client = login("mediator")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    html = client.get(reverse("cases:case-create")).content.decode()
    assert '<html lang="zh-Hans"' in html
    assert case_world["orgs"]["committee"].name in html
    assert "侵害" in html or "外观设计" in html or 'value="design_infringement"' in html


def test_intake_saves_a_draft_with_an_existing_and_a_new_enterprise_and_a_right(login, case_world):
    before = _counts()
    response = login("mediator").post(reverse("cases:case-create"), intake_data(case_world))
    assert response.status_code == 302
    case = MediationCase.objects.get(title="蜜柚包装外观设计侵权纠纷")
    assert response["Location"] == reverse("cases:case-detail", args=[case.pk])
    assert case.status == Status.DRAFT and case.number == ""
    assert str(case.claim_amount) == "80000.00" and case.is_online
    parties = {p.role: p for p in case.parties.select_related("organization")}
    assert parties[PartyRole.APPLICANT].organization == case_world["orgs"]["ent_a"]
    assert parties[PartyRole.APPLICANT].agent_name == "王律师"
    new = Organization.objects.get(uscc=NEW_USCC)
    assert new.kind == Organization.Kind.ENTERPRISE and new.region.code == "350602"
    assert parties[PartyRole.RESPONDENT].organization == new
    assert parties[PartyRole.RESPONDENT].name == "漳州丙贸易有限公司"
    right = case.rights.get()
    assert right.intellectual_property == case_world["ips"]["patent_a"]
    assert right.number == "201710601862.3"
    verbs = list(case.events.values_list("verb", flat=True))
    assert verbs == ["case.created", "party.added", "party.added", "right.added"]
    assert _counts() == (before[0] + 1, before[1] + 2, before[2] + 1, before[3] + 1)
    assert "Draft saved." in _messages(response)


def test_save_and_submit_allocates_the_number(login, case_world):
    data = intake_data(case_world, org_key="zz_bureau", submit="1")
    response = login("clerk").post(reverse("cases:case-create"), data)
    assert response.status_code == 302
    case = MediationCase.objects.get(title="蜜柚包装外观设计侵权纠纷")
    year = timezone.localdate().year
    assert case.status == Status.SUBMITTED
    assert case.number == f"漳知调〔{year}〕第0001号"
    assert CaseEvent.objects.filter(case=case, verb="case.submitted").exists()
    assert any(case.number in m for m in _messages(response))


def test_submit_refused_for_a_missing_respondent_keeps_the_draft(login, case_world):
    data = intake_data(case_world, submit="1")
    data["parties-TOTAL_FORMS"] = "1"
    response = login("mediator").post(reverse("cases:case-create"), data)
    assert response.status_code == 302
    case = MediationCase.objects.get(title="蜜柚包装外观设计侵权纠纷")
    assert case.status == Status.DRAFT and case.number == ""
    assert case.parties.count() == 1
    assert any("not submitted" in m and "respondent" in m for m in _messages(response))


def test_the_first_two_rows_start_as_applicant_and_respondent(login, case_world):
    page = login("mediator").get(reverse("cases:case-create")).content.decode()
    assert re.search(
        r'name="parties-0-role"[^>]*>.*?<option value="applicant" selected', page, re.S
    )
    assert re.search(
        r'name="parties-1-role"[^>]*>.*?<option value="respondent" selected', page, re.S
    )


def test_an_untouched_preset_row_counts_as_empty(login, case_world):
    """The respondent row was left as the page offered it: the draft keeps one party and the
    untouched row raises no "required" error."""
    data = intake_data(case_world)
    for key in [k for k in data if k.startswith("parties-1-")]:
        del data[key]
    data["parties-1-role"], data["parties-1-kind"] = "respondent", "organization"
    response = login("mediator").post(reverse("cases:case-create"), data)
    assert response.status_code == 302
    case = MediationCase.objects.get(title="蜜柚包装外观设计侵权纠纷")
    assert list(case.parties.values_list("role", flat=True)) == ["applicant"]


def test_a_person_party_with_a_valid_resident_id(login, case_world):
    data = intake_data(case_world)
    data.update(
        {
            "parties-1-kind": "person",
            "parties-1-name": "周九",
            "parties-1-uscc": "",
            "parties-1-id_number": "11010519491231002x",
        }
    )
    response = login("mediator").post(reverse("cases:case-create"), data)
    assert response.status_code == 302
    person = Party.objects.get(name="周九")
    assert person.id_number == "11010519491231002X" and person.organization is None


@pytest.mark.parametrize(
    ("overrides", "error", "typed"),
    [
        (
            {
                "parties-1-kind": "person",
                "parties-1-name": "李四",
                "parties-1-uscc": "",
                "parties-1-id_number": "110105194912310021",
            },
            "Resident ID number: The check character should be",
            "110105194912310021",
        ),
        (
            {"parties-1-uscc": NEW_USCC[:17] + ("0" if NEW_USCC[17] != "0" else "1")},
            "USCC: The check character should be",
            "漳州丙贸易有限公司",
        ),
        (
            {"rights-0-number": "201710601862.4"},
            "Number: The check character of 201710601862 should be",
            "201710601862.4",
        ),
        ({"claim_amount": "-5.00"}, "greater than or equal to 0", "-5.00"),
        ({"claim_amount": "5.001"}, "no more than 2 decimal places", "5.001"),
        (
            {"parties-0-enterprise": "不存在的公司"},
            "No registered enterprise matches",
            "不存在的公司",
        ),
    ],
    ids=["resident-id", "uscc", "patent", "negative-amount", "three-places", "unknown-ent"],
)
def test_invalid_input_rerenders_everything_typed_and_saves_nothing(
    login, case_world, overrides, error, typed
):
    before = _counts()
    data = intake_data(case_world, submit="1", **overrides)
    response = login("mediator").post(reverse("cases:case-create"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert error in html
    assert typed in html
    # Everything else typed is still there, formsets included.
    assert 'value="蜜柚包装外观设计侵权纠纷"' in html
    assert "被申请人销售的蜜柚礼盒与申请人专利外观近似。" in html
    assert 'value="王律师"' in html
    assert 'name="parties-TOTAL_FORMS" value="2"' in html
    assert _counts() == before


def test_a_service_refusal_inside_the_transaction_rolls_everything_back(login, case_world):
    """The second party repeats the new enterprise's USCC: the form cannot know until the
    first one is created, so the service refuses and nothing — not the case, not the first
    enterprise — is kept."""
    data = intake_data(case_world)
    data.update(
        {
            "parties-TOTAL_FORMS": "3",
            "parties-2-role": "third_party",
            "parties-2-kind": "organization",
            "parties-2-name": "漳州丁有限公司",
            "parties-2-uscc": NEW_USCC,
            "parties-2-region": "350602",
        }
    )
    before = _counts()
    response = login("mediator").post(reverse("cases:case-create"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "already registered" in html
    assert 'value="漳州丁有限公司"' in html
    assert _counts() == before
    assert not Organization.objects.filter(uscc=NEW_USCC).exists()


def test_a_known_uscc_typed_as_new_enterprise_points_to_the_field(login, case_world):
    data = intake_data(case_world, **{"parties-1-uscc": case_world["orgs"]["ent_b"].uscc})
    response = login("mediator").post(reverse("cases:case-create"), data)
    assert response.status_code == 400
    assert "is already registered (厦门乙科技有限公司)" in response.content.decode()


# --- related disputes --------------------------------------------------------------------


def _same_right_elsewhere(case_world):
    users, cases = case_world["users"], case_world["cases"]
    services.right_add(
        actor=users["clerk"], case=cases["submitted"], kind="invention_patent",
        number="201710601862.3",
    )  # fmt: skip
    services.right_add(
        actor=users["partner"], case=cases["partner"], kind="invention_patent",
        number="201710601862.3",
    )  # fmt: skip


def test_intake_reports_related_disputes_linked_or_counted(login, case_world):
    _same_right_elsewhere(case_world)
    data = intake_data(case_world)
    data["parties-0-enterprise"] = ""
    data["parties-0-kind"] = "person"
    data["parties-0-name"] = "赵六"
    data["parties-0-id_number"] = "11010519491231002X"
    response = login("mediator").post(reverse("cases:case-create"), data)
    assert response.status_code == 302
    text = " ".join(_messages(response))
    visible = case_world["cases"]["submitted"]
    assert f'<a href="{reverse("cases:case-detail", args=[visible.pk])}">' in text
    assert visible.number in text
    assert "1 related case in other cities." in text
    assert "沈阳案件" not in text and case_world["cases"]["partner"].number not in text


def test_parties_page_shows_related_disputes(login, case_world):
    _same_right_elsewhere(case_world)
    draft = case_world["cases"]["draft"]
    services.right_add(
        actor=case_world["users"]["clerk"], case=draft, kind="invention_patent",
        number="201710601862.3",
    )  # fmt: skip
    html = login("clerk").get(reverse("cases:case-parties", args=[draft.pk])).content.decode()
    assert "Related disputes" in html
    assert case_world["cases"]["submitted"].number in html
    assert "1 related case in other cities." in html


# --- parties page --------------------------------------------------------------------------


def test_partner_cannot_open_the_parties_pages_of_a_zhangzhou_case(login, case_world):
    client = login("partner")
    case = case_world["cases"]["mediating"]
    party = case.parties.first()
    right = services.right_add(
        actor=case_world["users"]["mediator"], case=case, kind="trademark", number="12345678"
    )
    for url in (
        reverse("cases:case-parties", args=[case.pk]),
        reverse("cases:party-edit", args=[case.pk, party.pk]),
        reverse("cases:party-delete", args=[case.pk, party.pk]),
        reverse("cases:right-delete", args=[case.pk, right.pk]),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, {"action": "add_party"}).status_code == 404
    assert Party.objects.filter(pk=party.pk).exists()


def test_party_of_another_case_is_not_found_under_this_case(login, case_world):
    cases = case_world["cases"]
    other = cases["submitted"].parties.first()
    url = reverse("cases:party-edit", args=[cases["draft"].pk, other.pk])
    assert login("clerk").get(url).status_code == 404


def test_resident_ids_are_masked_except_for_the_handling_organisations_mediators(login, case_world):
    case = case_world["cases"]["mediating"]
    url = reverse("cases:case-parties", args=[case.pk])
    masked = login("org_admin").get(url).content.decode()
    assert "110105********002X" in masked and "11010519491231002X" not in masked
    full = login("mediator").get(url).content.decode()
    assert "11010519491231002X" in full


def test_a_viewer_who_may_not_edit_gets_403(login, case_world):
    # The clerk edits only during intake; the mediating case is visible but not editable.
    url = reverse("cases:case-parties", args=[case_world["cases"]["mediating"].pk])
    assert login("clerk").get(url).status_code == 403


def test_add_party_and_right_on_the_parties_page(login, case_world):
    client = login("clerk")
    draft = case_world["cases"]["draft"]
    url = reverse("cases:case-parties", args=[draft.pk])
    response = client.post(
        url,
        {
            "action": "add_party",
            "party-role": "respondent",
            "party-kind": "organization",
            "party-enterprise": "厦门乙科技有限公司",
        },
    )
    assert response.status_code == 302
    assert draft.parties.filter(organization=case_world["orgs"]["ent_b"]).exists()
    response = client.post(
        url, {"action": "add_right", "right-kind": "trademark", "right-number": "第12345678号"}
    )
    assert response.status_code == 302
    right = draft.rights.get()
    assert right.intellectual_property == case_world["ips"]["mark_b"]
    html = client.get(url).content.decode()
    assert "厦门乙科技有限公司" in html and "12345678" in html


def test_add_party_with_a_bad_resident_id_shows_the_error(login, case_world):
    draft = case_world["cases"]["draft"]
    before = draft.parties.count()
    response = login("clerk").post(
        reverse("cases:case-parties", args=[draft.pk]),
        {
            "action": "add_party",
            "party-role": "third_party",
            "party-kind": "person",
            "party-name": "钱七",
            "party-id_number": "1234",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Resident ID number: A resident ID number has 18 characters" in html
    assert 'value="钱七"' in html
    assert draft.parties.count() == before


def test_edit_party_keeps_a_masked_id_number_when_left_empty(login, case_world):
    users = case_world["users"]
    draft = case_world["cases"]["draft"]
    person = services.party_add(
        actor=users["clerk"], case=draft, **person_party(PartyRole.RESPONDENT, name="孙八")
    )
    url = reverse("cases:party-edit", args=[draft.pk, person.pk])
    client = login("clerk")
    page = client.get(url).content.decode()
    assert "11010519491231002X" not in page and "110105********002X" in page
    response = client.post(
        url,
        {
            "party-role": "respondent",
            "party-kind": "person",
            "party-name": "孙八",
            "party-id_number": "",
            "party-phone": "0596-1234567",
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.phone == "0596-1234567" and person.id_number == "11010519491231002X"
    assert CaseEvent.objects.filter(case=draft, verb="party.updated").exists()


def test_delete_party_and_right_need_a_post(login, case_world):
    users = case_world["users"]
    draft = case_world["cases"]["draft"]
    party = draft.parties.get()
    right = services.right_add(
        actor=users["clerk"], case=draft, kind="trademark", number="12345678"
    )
    client = login("clerk")
    party_url = reverse("cases:party-delete", args=[draft.pk, party.pk])
    right_url = reverse("cases:right-delete", args=[draft.pk, right.pk])
    assert "will be removed" in client.get(party_url).content.decode()
    assert Party.objects.filter(pk=party.pk).exists()
    assert client.post(party_url).status_code == 302
    assert client.post(right_url).status_code == 302
    assert not Party.objects.filter(pk=party.pk).exists()
    assert not CaseRight.objects.filter(pk=right.pk).exists()
    verbs = set(draft.events.values_list("verb", flat=True))
    assert {"party.removed", "right.removed"} <= verbs


# --- autocompletes ---------------------------------------------------------------------------


def _results(response) -> list[dict]:
    return json.loads(response.content)["results"]


def test_enterprise_autocomplete_by_name_and_by_uscc(login, case_world):
    orgs = case_world["orgs"]
    client = login("mediator")
    url = reverse("cases:enterprise-autocomplete")
    by_name = _results(client.get(url, {"q": "甲食品"}))
    assert [r["uscc"] for r in by_name] == [orgs["ent_a"].uscc]
    by_uscc = _results(client.get(url, {"q": orgs["ent_b"].uscc[:12].lower()}))
    assert [r["name"] for r in by_uscc] == ["厦门乙科技有限公司"]
    # Only enterprises: the bureau's name matches 漳州 but is not offered.
    names = {r["name"] for r in _results(client.get(url, {"q": "漳州"}))}
    assert names == {"漳州甲食品有限公司"}


def test_enterprise_autocomplete_offers_only_visible_enterprises(login, case_world):
    client = login("enterprise")
    url = reverse("cases:enterprise-autocomplete")
    assert _results(client.get(url, {"q": "厦门乙"})) == []
    assert _results(client.get(url, {"q": case_world["orgs"]["ent_b"].uscc})) == []
    assert [r["name"] for r in _results(client.get(url, {"q": "有限公司"}))] == [
        "漳州甲食品有限公司"
    ]


def test_enterprise_autocomplete_htmx_fragment(login, case_world):
    response = login("mediator").get(
        reverse("cases:enterprise-autocomplete"), {"q": "厦门"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert f'<option value="{case_world["orgs"]["ent_b"].uscc}">厦门乙科技有限公司</option>' in html


def test_ip_autocomplete_offers_the_parties_registered_rights(login, case_world):
    orgs, ips = case_world["orgs"], case_world["ips"]
    client = login("mediator")
    url = reverse("cases:ip-autocomplete")
    results = _results(client.get(url, {"owner": orgs["ent_a"].uscc}))
    assert [(r["kind"], r["number"]) for r in results] == [
        ("invention_patent", ips["patent_a"].number)
    ]
    both = _results(client.get(url, {"owner": [orgs["ent_a"].uscc, orgs["ent_b"].pk]}))
    assert {r["number"] for r in both} == {ips["patent_a"].number, ips["mark_b"].number}
    assert [r["title"] for r in _results(client.get(url, {"q": "ZL20171060"}))] == [
        "一种蜜柚保鲜方法"
    ]
    hidden = _results(login("enterprise").get(url, {"owner": orgs["ent_b"].uscc}))
    assert hidden == []
