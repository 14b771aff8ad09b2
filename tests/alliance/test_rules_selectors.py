"""One policy, two spellings: ``selectors.py`` (querysets) and ``rules.py`` (per object) must
agree for every user and every object (DESIGN §6, STYLE rule 9)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from alliance import selectors
from alliance.models import IntellectualProperty, Membership, Organization, Region
from tests.conftest import make_uscc

Kind = Organization.Kind
Role = Membership.Role

WORLD_USERS = [
    "superuser",
    "org_admin",
    "mediator",
    "clerk",
    "partner",
    "court",
    "servicepoint",
    "enterprise",
    "nobody",
]


@pytest.fixture
def rich_world(world, regions):
    """The shared world plus the edge cases of the policy: a chain four levels below the
    bureau (admins manage three), an inactive organisation and a membership in it, a revoked
    membership, and an IP right owned by a non-enterprise."""
    orgs, users = world["orgs"], world["users"]
    parent = orgs["committee"]
    for depth in range(1, 5):
        parent = Organization.objects.create(
            kind=Kind.OTHER, name=f"下级机构{depth}", region=regions["zhangzhou"], parent=parent
        )
        orgs[f"depth{depth}"] = parent
    orgs["deep_enterprise"] = Organization.objects.create(
        kind=Kind.ENTERPRISE,
        name="深层企业",
        region=regions["zhangzhou"],
        uscc=make_uscc(50),
        parent=orgs["depth2"],
    )
    orgs["closed"] = Organization.objects.create(
        kind=Kind.SERVICE_POINT, name="已撤销网点", region=regions["xiamen"], is_active=False
    )
    Membership.objects.create(user=users["nobody"], organization=orgs["closed"], role=Role.ADMIN)
    Membership.objects.create(
        user=users["enterprise"], organization=orgs["ent_b"], role=Role.VIEWER, is_active=False
    )
    Membership.objects.create(user=users["mediator"], organization=orgs["depth3"], role=Role.ADMIN)
    IntellectualProperty.objects.create(
        owner=orgs["zz_bureau"],
        kind=IntellectualProperty.Kind.COPYRIGHT,
        number="闽作登字-2023-A-00012345",
        title="联盟标识",
    )
    IntellectualProperty.objects.create(
        owner=orgs["deep_enterprise"],
        kind=IntellectualProperty.Kind.TRADEMARK,
        number="55555555",
        title="深",
        nice_class=30,
    )
    return world


def _users(world):
    return [world["users"][name] for name in WORLD_USERS] + [AnonymousUser()]


def _disagreements(users, objects, selector, perm):
    wrong = []
    for user in users:
        visible = set(selector(user).values_list("pk", flat=True))
        for obj in objects:
            if (obj.pk in visible) != user.has_perm(perm, obj):
                wrong.append((str(user), str(obj), obj.pk in visible))
    return wrong


# ---------------------------------------------------------------------------------------------
# Selector ⇔ rule, for every user × object
# ---------------------------------------------------------------------------------------------


def test_organization_selector_agrees_with_view_rule_for_every_user_and_organization(rich_world):
    wrong = _disagreements(
        _users(rich_world),
        Organization.objects.all(),
        selectors.organization_visible_to,
        "alliance.view_organization",
    )
    assert wrong == []


def test_membership_selector_agrees_with_view_rule_for_every_user_and_membership(rich_world):
    wrong = _disagreements(
        _users(rich_world),
        Membership.objects.all(),
        selectors.membership_visible_to,
        "alliance.view_membership",
    )
    assert wrong == []


def test_ip_selector_agrees_with_view_rule_for_every_user_and_ip_right(rich_world):
    wrong = _disagreements(
        _users(rich_world),
        IntellectualProperty.objects.all(),
        selectors.intellectual_property_visible_to,
        "alliance.view_intellectualproperty",
    )
    assert wrong == []


def test_manageable_selector_agrees_with_change_rule_for_every_user_and_organization(rich_world):
    wrong = _disagreements(
        _users(rich_world),
        Organization.objects.all(),
        selectors.organization_manageable_by,
        "alliance.change_organization",
    )
    assert wrong == []


def test_region_selector_agrees_with_view_rule_for_every_user(world):
    regions = list(Region.objects.filter(code__startswith="3506"))
    wrong = _disagreements(
        _users(world), regions, selectors.region_visible_to, "alliance.view_region"
    )
    assert wrong == []


# ---------------------------------------------------------------------------------------------
# Explicit behaviour
# ---------------------------------------------------------------------------------------------


def _names(queryset) -> set[str]:
    return set(queryset.values_list("name", flat=True))


def test_user_without_membership_sees_no_organisation_membership_or_ip(world):
    nobody = world["users"]["nobody"]
    assert not selectors.organization_visible_to(nobody).exists()
    assert not selectors.membership_visible_to(nobody).exists()
    assert not selectors.intellectual_property_visible_to(nobody).exists()
    assert not nobody.has_perm("alliance.view_organization", world["orgs"]["zz_bureau"])


def test_anonymous_user_sees_nothing_not_even_regions(world):
    anonymous = AnonymousUser()
    assert not selectors.organization_visible_to(anonymous).exists()
    assert not selectors.region_visible_to(anonymous).exists()


def test_member_of_an_inactive_organisation_sees_nothing(rich_world):
    nobody = rich_world["users"]["nobody"]
    assert not selectors.has_membership(nobody)
    assert not selectors.organization_visible_to(nobody).exists()


def test_enterprise_user_sees_bureaus_courts_and_own_enterprise(world):
    orgs, user = world["orgs"], world["users"]["enterprise"]
    visible = selectors.organization_visible_to(user)
    for name in ("zz_bureau", "partner", "court", "committee", "service_point", "ent_a"):
        assert orgs[name] in visible, name
        assert user.has_perm("alliance.view_organization", orgs[name]), name


def test_enterprise_user_does_not_see_another_enterprise(world):
    orgs, user = world["orgs"], world["users"]["enterprise"]
    assert orgs["ent_b"] not in selectors.organization_visible_to(user)
    assert not user.has_perm("alliance.view_organization", orgs["ent_b"])
    assert set(selectors.enterprise_list(user)) == {orgs["ent_a"]}


def test_enterprise_user_sees_only_own_enterprise_ip(world):
    user = world["users"]["enterprise"]
    assert set(selectors.intellectual_property_visible_to(user)) == {world["ips"]["patent_a"]}


def test_revoked_membership_gives_no_visibility(rich_world):
    user = rich_world["users"]["enterprise"]
    assert rich_world["orgs"]["ent_b"] not in selectors.organization_visible_to(user)


@pytest.mark.parametrize(
    "username", ["partner", "mediator", "clerk", "court", "servicepoint", "org_admin"]
)
def test_alliance_staff_see_both_enterprises_and_their_ip(world, username):
    orgs, user = world["orgs"], world["users"][username]
    assert {orgs["ent_a"], orgs["ent_b"]} <= set(selectors.enterprise_list(user))
    assert set(selectors.intellectual_property_visible_to(user)) == set(world["ips"].values())


def test_superuser_sees_every_organisation(world):
    user = world["users"]["superuser"]
    assert selectors.organization_visible_to(user).count() == Organization.objects.count()


@pytest.mark.parametrize("name", ["zz_bureau", "committee", "service_point", "ent_a"])
def test_org_admin_may_change_own_bureau_and_descendants(world, name):
    assert world["users"]["org_admin"].has_perm("alliance.change_organization", world["orgs"][name])


@pytest.mark.parametrize("name", ["partner", "court", "ent_b"])
def test_org_admin_may_not_change_organisations_outside_its_tree(world, name):
    assert not world["users"]["org_admin"].has_perm(
        "alliance.change_organization", world["orgs"][name]
    )


def test_admin_manages_three_levels_below_but_not_the_fourth(rich_world):
    orgs, admin = rich_world["orgs"], rich_world["users"]["org_admin"]
    manageable = selectors.organization_manageable_by(admin)
    assert orgs["depth2"] in manageable
    assert orgs["depth3"] not in manageable
    assert not admin.has_perm("alliance.change_organization", orgs["depth3"])


def test_mediator_may_not_change_its_bureau(world):
    assert not world["users"]["mediator"].has_perm(
        "alliance.change_organization", world["orgs"]["zz_bureau"]
    )


def test_mediator_may_not_change_its_own_committee(world):
    assert not world["users"]["mediator"].has_perm(
        "alliance.change_organization", world["orgs"]["committee"]
    )


def test_only_superuser_may_change_regions(world, regions):
    for name in WORLD_USERS:
        may = world["users"][name].has_perm("alliance.change_region", regions["zhangzhou"])
        assert may is (name == "superuser"), name


def test_every_signed_in_user_may_view_regions(world, regions):
    for name in WORLD_USERS:
        assert world["users"][name].has_perm("alliance.view_region", regions["zhangzhou"]), name


def test_user_sees_own_memberships_only_unless_admin(world):
    mediator = world["users"]["mediator"]
    assert {m.user for m in selectors.membership_visible_to(mediator)} == {mediator}


def test_org_admin_sees_memberships_of_its_tree_but_not_of_partner(world):
    users = world["users"]
    holders = {m.user.username for m in selectors.membership_visible_to(users["org_admin"])}
    assert holders == {"org_admin", "mediator", "clerk", "servicepoint", "enterprise"}


@pytest.mark.parametrize(
    ("username", "may_add"),
    [
        ("superuser", True),
        ("org_admin", True),
        ("mediator", True),
        ("servicepoint", True),
        ("enterprise", False),
        ("nobody", False),
    ],
)
def test_model_level_add_organisation_permission(world, username, may_add):
    assert world["users"][username].has_perm("alliance.add_organization") is may_add
