"""Directory services: permission, validation, history, and nothing saved on refusal
(STYLE rule 4)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from alliance import selectors, services
from alliance.models import IntellectualProperty, Membership, Organization
from alliance.validators import patent_check_character
from tests.conftest import make_uscc
from zhangzhou_ip.core.errors import PermissionDenied

Kind = Organization.Kind
Role = Membership.Role


def _enterprise_fields(regions, seq: int = 100, **extra):
    return {
        "kind": Kind.ENTERPRISE,
        "name": f"漳州测试企业{seq}有限公司",
        "region": regions["xiangcheng"],
        "uscc": make_uscc(seq, "350602"),
        **extra,
    }


# ---------------------------------------------------------------------------------------------
# organization_create
# ---------------------------------------------------------------------------------------------


def test_mediator_registers_an_enterprise(world, regions):
    org = services.organization_create(
        actor=world["users"]["mediator"], **_enterprise_fields(regions)
    )
    assert Organization.objects.get(pk=org.pk).uscc == make_uscc(100, "350602")


def test_organization_create_normalises_the_uscc(world, regions):
    uscc = make_uscc(101, "350602")
    org = services.organization_create(
        actor=world["users"]["mediator"], **_enterprise_fields(regions, 101, uscc=uscc.lower())
    )
    org.refresh_from_db()
    assert org.uscc == uscc


def test_org_admin_creates_a_subordinate_committee(world, regions):
    org = services.organization_create(
        actor=world["users"]["org_admin"],
        kind=Kind.MEDIATION_COMMITTEE,
        name="龙文调解室",
        region=regions["zhangzhou"],
        parent=world["orgs"]["zz_bureau"],
    )
    assert org.pk is not None
    assert org.parent == world["orgs"]["zz_bureau"]


def test_mediator_may_not_create_a_subordinate_of_its_bureau(world, regions):
    before = Organization.objects.count()
    with pytest.raises(PermissionDenied) as excinfo:
        services.organization_create(
            actor=world["users"]["mediator"],
            kind=Kind.SERVICE_POINT,
            name="未授权网点",
            region=regions["zhangzhou"],
            parent=world["orgs"]["zz_bureau"],
        )
    assert excinfo.value.code == "forbidden"
    assert Organization.objects.count() == before


def test_enterprise_user_may_not_register_an_enterprise(world, regions):
    before = Organization.objects.count()
    with pytest.raises(PermissionDenied):
        services.organization_create(
            actor=world["users"]["enterprise"], **_enterprise_fields(regions, 102)
        )
    assert Organization.objects.count() == before


def test_org_admin_may_not_create_a_top_level_bureau(world, regions):
    with pytest.raises(PermissionDenied):
        services.organization_create(
            actor=world["users"]["org_admin"],
            kind=Kind.BUREAU,
            name="新局",
            region=regions["xiamen"],
        )
    assert not Organization.objects.filter(name="新局").exists()


def test_organization_create_with_invalid_uscc_saves_nothing(world, regions):
    good = make_uscc(103, "350602")
    bad = good[:17] + ("1" if good[17] != "1" else "2")
    before = Organization.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        services.organization_create(
            actor=world["users"]["mediator"], **_enterprise_fields(regions, 103, uscc=bad)
        )
    assert "uscc" in excinfo.value.error_dict
    assert not isinstance(excinfo.value, PermissionDenied)
    assert Organization.objects.count() == before


def test_organization_create_with_duplicate_uscc_saves_nothing(world, regions):
    before = Organization.objects.count()
    with pytest.raises(ValidationError):
        services.organization_create(
            actor=world["users"]["mediator"],
            **_enterprise_fields(regions, 104, uscc=world["orgs"]["ent_a"].uscc),
        )
    assert Organization.objects.count() == before


def test_organization_create_records_the_actor_in_history(world, regions):
    mediator = world["users"]["mediator"]
    org = services.organization_create(actor=mediator, **_enterprise_fields(regions, 105))
    entry = org.history.first()
    assert entry.history_type == "+"
    assert entry.history_user == mediator


# ---------------------------------------------------------------------------------------------
# organization_update
# ---------------------------------------------------------------------------------------------


def test_org_admin_updates_a_descendant_enterprise(world):
    services.organization_update(
        actor=world["users"]["org_admin"],
        organization=world["orgs"]["ent_a"],
        phone="0596-1234567",
    )
    assert Organization.objects.get(pk=world["orgs"]["ent_a"].pk).phone == "0596-1234567"


def test_organization_update_records_the_actor_in_history(world):
    admin = world["users"]["org_admin"]
    org = services.organization_update(
        actor=admin, organization=world["orgs"]["committee"], short_name="漳州调委会"
    )
    entry = org.history.first()
    assert entry.history_type == "~"
    assert entry.history_user == admin
    assert entry.short_name == "漳州调委会"


def test_mediator_may_not_update_its_bureau_and_nothing_changes(world):
    bureau = world["orgs"]["zz_bureau"]
    with pytest.raises(PermissionDenied):
        services.organization_update(
            actor=world["users"]["mediator"], organization=bureau, name="改名"
        )
    bureau.refresh_from_db()
    assert bureau.name == "漳州市市场监督管理局"
    assert bureau.history.count() == 1


def test_org_admin_may_not_update_the_partner_bureau(world):
    partner = world["orgs"]["partner"]
    with pytest.raises(PermissionDenied):
        services.organization_update(
            actor=world["users"]["org_admin"], organization=partner, phone="024-1"
        )
    partner.refresh_from_db()
    assert partner.phone == ""


def test_organization_update_with_invalid_uscc_saves_nothing(world):
    ent_a = world["orgs"]["ent_a"]
    original = ent_a.uscc
    with pytest.raises(ValidationError) as excinfo:
        services.organization_update(
            actor=world["users"]["org_admin"],
            organization=ent_a,
            uscc=original[:17] + ("1" if original[17] != "1" else "2"),
        )
    assert "uscc" in excinfo.value.error_dict
    ent_a.refresh_from_db()
    assert ent_a.uscc == original


# ---------------------------------------------------------------------------------------------
# membership_grant / membership_revoke
# ---------------------------------------------------------------------------------------------


def test_membership_grant_creates_an_active_membership(world):
    nobody = world["users"]["nobody"]
    membership = services.membership_grant(
        actor=world["users"]["org_admin"],
        user=nobody,
        organization=world["orgs"]["committee"],
        role=Role.CLERK,
    )
    assert membership.is_active
    assert membership.history.first().history_user == world["users"]["org_admin"]


def test_membership_grant_twice_keeps_one_row(world):
    args = {
        "actor": world["users"]["org_admin"],
        "user": world["users"]["nobody"],
        "organization": world["orgs"]["committee"],
        "role": Role.CLERK,
    }
    first = services.membership_grant(**args)
    second = services.membership_grant(**args)
    assert first.pk == second.pk
    assert Membership.objects.filter(user=world["users"]["nobody"]).count() == 1


def test_membership_grant_reactivates_a_revoked_membership(world):
    membership = Membership.objects.get(user=world["users"]["clerk"])
    admin = world["users"]["org_admin"]
    services.membership_revoke(actor=admin, membership=membership)
    granted = services.membership_grant(
        actor=admin,
        user=membership.user,
        organization=membership.organization,
        role=membership.role,
    )
    assert granted.pk == membership.pk
    assert Membership.objects.get(pk=membership.pk).is_active


def test_membership_grant_gives_immediate_visibility(world):
    nobody = world["users"]["nobody"]
    assert not selectors.organization_visible_to(nobody).exists()
    services.membership_grant(
        actor=world["users"]["org_admin"],
        user=nobody,
        organization=world["orgs"]["committee"],
        role=Role.VIEWER,
    )
    assert world["orgs"]["ent_b"] in selectors.organization_visible_to(nobody)


def test_mediator_may_not_grant_memberships(world):
    with pytest.raises(PermissionDenied):
        services.membership_grant(
            actor=world["users"]["mediator"],
            user=world["users"]["nobody"],
            organization=world["orgs"]["committee"],
            role=Role.ADMIN,
        )
    assert not Membership.objects.filter(user=world["users"]["nobody"]).exists()


def test_org_admin_may_not_grant_membership_in_the_partner_bureau(world):
    with pytest.raises(PermissionDenied):
        services.membership_grant(
            actor=world["users"]["org_admin"],
            user=world["users"]["nobody"],
            organization=world["orgs"]["partner"],
            role=Role.MEDIATOR,
        )
    assert not Membership.objects.filter(user=world["users"]["nobody"]).exists()


def test_membership_revoke_deactivates_and_keeps_the_row(world):
    membership = Membership.objects.get(user=world["users"]["mediator"])
    services.membership_revoke(actor=world["users"]["org_admin"], membership=membership)
    membership.refresh_from_db()
    assert membership.is_active is False
    assert membership.history.first().history_user == world["users"]["org_admin"]


def test_membership_revoke_twice_is_harmless(world):
    membership = Membership.objects.get(user=world["users"]["mediator"])
    admin = world["users"]["org_admin"]
    services.membership_revoke(actor=admin, membership=membership)
    services.membership_revoke(actor=admin, membership=membership)
    assert Membership.objects.filter(pk=membership.pk, is_active=False).count() == 1


def test_revoked_user_loses_visibility(world):
    mediator = world["users"]["mediator"]
    membership = Membership.objects.get(user=mediator)
    assert selectors.organization_visible_to(mediator).exists()
    services.membership_revoke(actor=world["users"]["org_admin"], membership=membership)
    mediator = type(mediator).objects.get(pk=mediator.pk)
    assert not selectors.organization_visible_to(mediator).exists()


def test_member_may_not_revoke_its_own_membership(world):
    membership = Membership.objects.get(user=world["users"]["mediator"])
    with pytest.raises(PermissionDenied):
        services.membership_revoke(actor=world["users"]["mediator"], membership=membership)
    assert Membership.objects.get(pk=membership.pk).is_active


# ---------------------------------------------------------------------------------------------
# intellectual_property_create / update
# ---------------------------------------------------------------------------------------------


def _patent(body: str) -> str:
    return f"{body}.{patent_check_character(body)}"


def test_ip_create_normalises_the_patent_number(world):
    number = _patent("201810123456")
    spaced = f"ZL {number[:4]} {number[4]} {number[5:]}"
    ip = services.intellectual_property_create(
        actor=world["users"]["mediator"],
        owner=world["orgs"]["ent_b"],
        kind=IntellectualProperty.Kind.INVENTION_PATENT,
        number=spaced,
        title="一种茶饮",
    )
    assert IntellectualProperty.objects.get(pk=ip.pk).number == number


def test_ip_create_normalises_the_trademark_number(world):
    ip = services.intellectual_property_create(
        actor=world["users"]["mediator"],
        owner=world["orgs"]["ent_b"],
        kind=IntellectualProperty.Kind.TRADEMARK,
        number="第87654321号",
        title="乙标",
    )
    assert IntellectualProperty.objects.get(pk=ip.pk).number == "87654321"


def test_ip_create_records_the_actor_in_history(world):
    mediator = world["users"]["mediator"]
    ip = services.intellectual_property_create(
        actor=mediator,
        owner=world["orgs"]["ent_a"],
        kind=IntellectualProperty.Kind.TRADEMARK,
        number="87654322",
        title="甲标",
    )
    assert ip.history.first().history_user == mediator


def test_ip_create_with_wrong_check_digit_saves_nothing(world):
    number = _patent("201810123457")
    wrong = number[:-1] + ("1" if number[-1] != "1" else "2")
    before = IntellectualProperty.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        services.intellectual_property_create(
            actor=world["users"]["mediator"],
            owner=world["orgs"]["ent_a"],
            kind=IntellectualProperty.Kind.INVENTION_PATENT,
            number=wrong,
            title="错号",
        )
    assert "number" in excinfo.value.error_dict
    assert IntellectualProperty.objects.count() == before


def test_enterprise_user_may_not_record_ip_for_its_enterprise_without_admin_role(world):
    Membership.objects.filter(user=world["users"]["enterprise"]).update(role=Role.VIEWER)
    with pytest.raises(PermissionDenied):
        services.intellectual_property_create(
            actor=world["users"]["enterprise"],
            owner=world["orgs"]["ent_a"],
            kind=IntellectualProperty.Kind.TRADEMARK,
            number="87654323",
            title="甲标",
        )
    assert not IntellectualProperty.objects.filter(number="87654323").exists()


def test_enterprise_admin_records_ip_for_its_own_enterprise(world):
    ip = services.intellectual_property_create(
        actor=world["users"]["enterprise"],
        owner=world["orgs"]["ent_a"],
        kind=IntellectualProperty.Kind.TRADEMARK,
        number="87654324",
        title="甲标",
    )
    assert ip.owner == world["orgs"]["ent_a"]


def test_enterprise_admin_may_not_record_ip_for_another_enterprise(world):
    with pytest.raises(PermissionDenied):
        services.intellectual_property_create(
            actor=world["users"]["enterprise"],
            owner=world["orgs"]["ent_b"],
            kind=IntellectualProperty.Kind.TRADEMARK,
            number="87654325",
            title="乙标",
        )
    assert not IntellectualProperty.objects.filter(number="87654325").exists()


def test_ip_update_changes_the_title_and_records_the_actor(world):
    mediator = world["users"]["mediator"]
    ip = services.intellectual_property_update(
        actor=mediator, ip=world["ips"]["mark_b"], title="乙（新）"
    )
    assert IntellectualProperty.objects.get(pk=ip.pk).title == "乙（新）"
    assert ip.history.first().history_user == mediator
