"""Directory admin: every page of every registered model renders for the platform admin, and
a staff member who is not a superuser sees and edits only what the policy allows
(STYLE rule 12)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

from alliance import collaboration, indicators
from alliance.models import (
    CollaborationReply,
    CollaborationRequest,
    CourtJurisdiction,
    HolidayDate,
    HolidayYear,
    Indicator,
    IndicatorValue,
    IntellectualProperty,
    Membership,
    Organization,
    Region,
)
from alliance.selectors import organization_visible_to


def _admin_models():
    User = get_user_model()
    return sorted(
        (
            model
            for model in admin.site._registry
            if model._meta.app_label == "alliance" or model is User
        ),
        key=lambda model: model._meta.label,
    )


ADMIN_MODELS = _admin_models()
ADMIN_IDS = [model._meta.label for model in ADMIN_MODELS]
# Written only by the collaboration services: read-only in the admin, no add form.
READ_ONLY = {CollaborationRequest, CollaborationReply}
ADDABLE = [model for model in ADMIN_MODELS if model not in READ_ONLY]


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _html(response) -> str:
    return response.content.decode()


@pytest.fixture
def holidays(db):
    year = HolidayYear.objects.create(year=2030, source="国办发明电〔2029〕7号")
    HolidayDate.objects.create(
        year=year, date=dt.date(2030, 10, 1), kind=HolidayDate.Kind.HOLIDAY, name="国庆节"
    )
    return year


@pytest.fixture
def instances(world, holidays):
    """One saved object per admin model, for the change form."""
    User = get_user_model()
    users, orgs = world["users"], world["orgs"]
    collaboration_request = collaboration.collaboration_send(
        actor=users["org_admin"],
        from_organization=orgs["zz_bureau"],
        to_organization=orgs["partner"],
        kind=CollaborationRequest.Kind.EVIDENCE,
        subject="协查销售证据",
    )
    collaboration.collaboration_reply(
        actor=users["partner"], request=collaboration_request, body="收到"
    )
    patents = Indicator.objects.get(code="patents_granted")
    value = indicators.indicator_value_create(
        actor=users["superuser"],
        indicator=patents,
        region=Region.objects.get(code="350600"),
        year=2024,
        value=Decimal("5448"),
        source="漳州市知识产权局",
    )
    return {
        Indicator: patents,
        IndicatorValue: value,
        Region: Region.objects.get(code="110000"),  # first page of the changelist
        Organization: world["orgs"]["ent_a"],
        Membership: Membership.objects.get(user=world["users"]["mediator"]),
        IntellectualProperty: world["ips"]["patent_a"],
        HolidayYear: holidays,
        HolidayDate: holidays.dates.get(),
        CourtJurisdiction: CourtJurisdiction.objects.get(region__code="350600", scope="design"),
        User: world["users"]["mediator"],
        CollaborationRequest: collaboration_request,
        CollaborationReply: collaboration_request.replies.get(),
    }


@pytest.fixture
def superuser_client(client, world):
    client.force_login(world["users"]["superuser"])
    return client


@pytest.fixture
def staff(client, world):
    """A staff member who is not a superuser, logged in."""

    def login(name):
        user = world["users"][name]
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        client.force_login(user)
        return client

    return login


def test_the_admin_registers_every_directory_model():
    labels = set(ADMIN_IDS)
    assert {
        "alliance.Region",
        "alliance.Organization",
        "alliance.Membership",
        "alliance.IntellectualProperty",
        "alliance.HolidayYear",
        "alliance.HolidayDate",
        "alliance.CourtJurisdiction",
        "auth.User",
    } <= labels


# ---------------------------------------------------------------------------------------------
# Superuser: every page renders
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=ADMIN_IDS)
def test_superuser_changelist_renders_with_rows(superuser_client, instances, model):
    response = superuser_client.get(_url(model, "changelist"))
    assert response.status_code == 200
    obj = instances[model]
    assert _url(model, "change", obj.pk) in _html(response)


@pytest.mark.parametrize("model", ADDABLE, ids=[m._meta.label for m in ADDABLE])
def test_superuser_add_form_renders(superuser_client, instances, model):
    response = superuser_client.get(_url(model, "add"))
    assert response.status_code == 200
    assert f'id="{model._meta.model_name}_form"' in _html(response)


@pytest.mark.parametrize("model", sorted(READ_ONLY, key=lambda m: m._meta.label))
def test_collaboration_is_read_only_in_the_admin(superuser_client, model):
    assert superuser_client.get(_url(model, "add")).status_code == 403


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=ADMIN_IDS)
def test_superuser_change_form_renders_the_object(superuser_client, instances, model):
    obj = instances[model]
    response = superuser_client.get(_url(model, "change", obj.pk))
    assert response.status_code == 200
    html = _html(response)
    assert f'id="{model._meta.model_name}_form"' in html
    assert str(obj) in html or str(obj).replace("'", "&#x27;") in html


def test_organisation_changelist_search_by_name(superuser_client, world):
    html = _html(superuser_client.get(_url(Organization, "changelist") + "?q=漳州甲"))
    assert _url(Organization, "change", world["orgs"]["ent_a"].pk) in html
    assert _url(Organization, "change", world["orgs"]["ent_b"].pk) not in html


def test_organisation_changelist_search_by_uscc(superuser_client, world):
    html = _html(
        superuser_client.get(_url(Organization, "changelist") + "?q=" + world["orgs"]["ent_b"].uscc)
    )
    assert _url(Organization, "change", world["orgs"]["ent_b"].pk) in html
    assert _url(Organization, "change", world["orgs"]["ent_a"].pk) not in html


def test_organisation_changelist_filter_by_kind(superuser_client, world):
    html = _html(superuser_client.get(_url(Organization, "changelist") + "?kind__exact=enterprise"))
    assert _url(Organization, "change", world["orgs"]["ent_b"].pk) in html
    assert _url(Organization, "change", world["orgs"]["zz_bureau"].pk) not in html


def test_user_change_page_has_the_memberships_inline(superuser_client, world):
    html = _html(
        superuser_client.get(_url(get_user_model(), "change", world["users"]["mediator"].pk))
    )
    assert 'name="memberships-TOTAL_FORMS"' in html
    assert "漳州市知识产权纠纷人民调解委员会" in html


def test_organisation_change_page_has_the_memberships_inline(superuser_client, world):
    html = _html(superuser_client.get(_url(Organization, "change", world["orgs"]["zz_bureau"].pk)))
    assert 'name="memberships-TOTAL_FORMS" value="2"' in html
    assert ">org_admin<" in html
    assert ">clerk<" in html


def test_organisation_change_page_lists_subordinate_organisations(superuser_client, world):
    html = _html(superuser_client.get(_url(Organization, "change", world["orgs"]["zz_bureau"].pk)))
    assert "芗城服务网点" in html
    assert "漳州市知识产权纠纷人民调解委员会" in html


def test_superuser_saves_an_organisation_and_history_records_it(superuser_client, world):
    bureau = world["orgs"]["partner"]
    response = superuser_client.post(
        _url(Organization, "change", bureau.pk),
        {
            "kind": "bureau",
            "name": bureau.name,
            "region": bureau.region_id,
            "is_active": "on",
            "alliance_joined_on": "2023-04-26",
            "phone": "024-88888888",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "1",
            "memberships-0-id": Membership.objects.get(organization=bureau).pk,
            "memberships-0-organization": bureau.pk,
            "memberships-0-user": world["users"]["partner"].pk,
            "memberships-0-role": "mediator",
            "memberships-0-is_active": "on",
            "children-TOTAL_FORMS": "0",
            "children-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    bureau.refresh_from_db()
    assert bureau.phone == "024-88888888"
    assert bureau.history.first().history_user == world["users"]["superuser"]


# ---------------------------------------------------------------------------------------------
# Staff who are not superusers: scoped changelists and object permissions
# ---------------------------------------------------------------------------------------------


def _changelist_pks(response) -> set[int]:
    return {obj.pk for obj in response.context["cl"].result_list}


def test_staff_org_admin_sees_the_directory_app_on_the_admin_index(staff):
    html = _html(staff("org_admin").get(reverse("admin:index")))
    assert _url(Organization, "changelist") in html


def test_staff_org_admin_organisation_changelist_is_its_view_scope(staff, world):
    response = staff("org_admin").get(_url(Organization, "changelist") + "?all=")
    assert response.status_code == 200
    expected = set(
        organization_visible_to(world["users"]["org_admin"]).values_list("pk", flat=True)
    )
    assert response.context["cl"].result_count == len(expected)
    assert _changelist_pks(response) <= expected


def test_staff_enterprise_user_does_not_see_another_enterprise_in_the_changelist(staff, world):
    response = staff("enterprise").get(_url(Organization, "changelist") + "?kind__exact=enterprise")
    assert response.status_code == 200
    assert _changelist_pks(response) == {world["orgs"]["ent_a"].pk}
    assert "厦门乙科技有限公司" not in _html(response)


def test_staff_enterprise_user_cannot_open_another_enterprise(staff, world):
    response = staff("enterprise").get(
        _url(Organization, "change", world["orgs"]["ent_b"].pk), follow=True
    )
    # The admin treats an object outside get_queryset() as missing: back to the index.
    assert response.redirect_chain == [(reverse("admin:index"), 302)]
    assert "厦门乙科技有限公司" not in _html(response)


def test_staff_org_admin_membership_changelist_hides_other_trees(staff, world):
    response = staff("org_admin").get(_url(Membership, "changelist"))
    holders = {m.user.username for m in response.context["cl"].result_list}
    assert holders == {"org_admin", "mediator", "clerk", "servicepoint", "enterprise"}
    assert "partner" not in holders
    partner_membership = Membership.objects.get(user=world["users"]["partner"])
    assert _url(Membership, "change", partner_membership.pk) not in _html(response)


def test_staff_org_admin_cannot_open_a_membership_of_another_tree(staff, world):
    partner_membership = Membership.objects.get(user=world["users"]["partner"])
    response = staff("org_admin").get(_url(Membership, "change", partner_membership.pk))
    # The admin treats an object outside get_queryset() as missing: back to the index.
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_staff_org_admin_may_edit_a_descendant_organisation(staff, world):
    response = staff("org_admin").get(_url(Organization, "change", world["orgs"]["ent_a"].pk))
    assert response.status_code == 200
    html = _html(response)
    assert 'name="_save"' in html
    assert 'name="name"' in html


def test_staff_org_admin_sees_the_partner_bureau_read_only(staff, world):
    response = staff("org_admin").get(_url(Organization, "change", world["orgs"]["partner"].pk))
    # Alliance staff may view the whole directory, so the admin shows the page read-only.
    assert response.status_code == 200
    html = _html(response)
    assert "沈阳市市场监督管理局" in html
    assert 'name="_save"' not in html
    assert 'name="name"' not in html


def test_staff_org_admin_post_to_the_partner_bureau_is_403(staff, world):
    partner = world["orgs"]["partner"]
    response = staff("org_admin").post(
        _url(Organization, "change", partner.pk),
        {"kind": "bureau", "name": "改名", "region": partner.region_id},
    )
    assert response.status_code == 403
    partner.refresh_from_db()
    assert partner.name == "沈阳市市场监督管理局"


def test_staff_org_admin_cannot_delete_organisations(staff, world):
    response = staff("org_admin").get(_url(Organization, "delete", world["orgs"]["ent_a"].pk))
    assert response.status_code == 403


def test_staff_org_admin_cannot_change_regions(staff):
    region = Region.objects.get(code="350600")
    response = staff("org_admin").post(
        _url(Region, "change", region.pk),
        {"code": "350600", "name": "改名", "level": "city", "parent": region.parent_id},
    )
    assert response.status_code == 403
    assert Region.objects.get(pk=region.pk).name == "漳州市"


def test_staff_without_membership_is_refused_the_organisation_changelist(staff):
    response = staff("nobody").get(_url(Organization, "changelist"))
    assert response.status_code == 403


def test_staff_enterprise_user_ip_changelist_hides_other_enterprises_rights(staff, world):
    response = staff("enterprise").get(_url(IntellectualProperty, "changelist"))
    assert response.status_code == 200
    assert _changelist_pks(response) == {world["ips"]["patent_a"].pk}
    assert "第12345678号" not in _html(response)


def test_staff_org_admin_sees_the_memberships_inline_of_a_descendant(staff, world):
    html = _html(staff("org_admin").get(_url(Organization, "change", world["orgs"]["ent_a"].pk)))
    assert 'name="memberships-TOTAL_FORMS" value="1"' in html
    assert ">enterprise<" in html
