"""The demo alliance (``alliance.demo.load``): idempotent, realistic, checksum-valid."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model

from alliance import demo
from alliance.models import IntellectualProperty, Membership, Organization
from alliance.validators import (
    uscc_org_code_warning,
    validate_identifier_for_ip_kind,
    validate_patent_number,
    validate_uscc,
)

Kind = Organization.Kind
Role = Membership.Role

pytestmark = pytest.mark.django_db

ZHANGZHOU_COUNTIES = {
    "350602",
    "350603",
    "350604",
    "350605",
    "350622",
    "350623",
    "350624",
    "350626",
    "350627",
    "350628",
    "350629",
}


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def loaded():
    return demo.load()


def _snapshot() -> dict[str, list[tuple]]:
    """Every row (with its timestamps) of the models the demo writes, and their history."""
    User = get_user_model()
    return {
        "organizations": list(Organization.objects.order_by("pk").values_list()),
        "ip_rights": list(IntellectualProperty.objects.order_by("pk").values_list()),
        "memberships": list(Membership.objects.order_by("pk").values_list()),
        "users": list(User.objects.order_by("pk").values_list()),
        "organization_history": list(Organization.history.values_list("history_id")),
        "ip_history": list(IntellectualProperty.history.values_list("history_id")),
        "membership_history": list(Membership.history.values_list("history_id")),
    }


def test_loading_twice_leaves_exactly_the_same_rows(loaded):
    before = _snapshot()

    again = demo.load()

    assert again == loaded
    assert _snapshot() == before


def test_returned_counts_match_the_database(loaded):
    orgs = Organization.objects
    ips = IntellectualProperty.objects
    assert loaded["member_bureaus"] == orgs.filter(alliance_joined_on__isnull=False).count()
    assert loaded["service_points"] == orgs.filter(kind=Kind.SERVICE_POINT).count()
    assert loaded["key_enterprises"] == orgs.filter(is_key_enterprise=True).count()
    assert loaded["patents"] == ips.filter(kind__in=IntellectualProperty.PATENT_KINDS).count()
    assert loaded["trademarks"] == ips.filter(kind=IntellectualProperty.Kind.TRADEMARK).count()
    assert loaded["memberships"] == Membership.objects.count()
    assert loaded["users"] == get_user_model().objects.count() == len(demo.DEMO_ACCOUNTS)


def test_34_member_bureaus_in_13_provinces_with_21_founders(loaded):
    members = list(
        Organization.objects.filter(alliance_joined_on__isnull=False).select_related(
            "region__parent"
        )
    )

    assert len(members) == 34
    assert {m.kind for m in members} == {Kind.BUREAU}
    assert {m.region.level for m in members} == {"city"}
    assert len({m.region.province.code for m in members}) == 13
    founders = [m for m in members if m.alliance_joined_on == dt.date(2023, 4, 26)]
    assert len(founders) == 21
    assert {"漳州市市场监督管理局", "沈阳市市场监督管理局"} <= {m.name for m in founders}
    assert {m.alliance_joined_on.year for m in members if m not in founders} == {2024}
    assert not Organization.objects.filter(
        kind=Kind.BUREAU, alliance_joined_on__isnull=True
    ).exists()


def test_zhangzhou_network_has_17_service_points_serving_55_key_enterprises(loaded):
    points = Organization.objects.filter(kind=Kind.SERVICE_POINT).select_related("region")
    key = Organization.objects.filter(is_key_enterprise=True).select_related("region", "parent")

    assert points.count() == 17
    assert {p.region.code for p in points} == ZHANGZHOU_COUNTIES
    assert key.count() == 55
    assert {e.kind for e in key} == {Kind.ENTERPRISE}
    assert {e.region.code for e in key} <= ZHANGZHOU_COUNTIES
    assert {e.parent.kind for e in key} == {Kind.SERVICE_POINT}
    assert {e.parent_id for e in key} == {p.pk for p in points}
    committee = Organization.objects.get(name=demo.MEDIATION_COMMITTEE)
    assert committee.kind == Kind.MEDIATION_COMMITTEE
    assert committee.parent.name == demo.ZHANGZHOU_BUREAU
    assert committee.alliance_joined_on is None
    assert Organization.objects.filter(kind=Kind.ENTERPRISE, is_key_enterprise=False).count() >= 8


def test_every_uscc_passes_both_checks(loaded):
    usccs = list(Organization.objects.exclude(uscc="").values_list("kind", "uscc"))

    assert sum(1 for kind, _ in usccs if kind == Kind.ENTERPRISE) == 65
    for _kind, uscc in usccs:
        validate_uscc(uscc)
        assert uscc_org_code_warning(uscc) is None, uscc
    assert {uscc[:2] for kind, uscc in usccs if kind == Kind.ENTERPRISE} == {"91"}
    assert {uscc[:2] for kind, uscc in usccs if kind == Kind.OTHER} == {"51"}


def test_every_ip_right_number_is_valid_for_its_kind(loaded):
    rights = list(IntellectualProperty.objects.all())
    patents = [ip for ip in rights if ip.kind in IntellectualProperty.PATENT_KINDS]

    assert len(patents) >= 100
    for ip in patents:
        validate_patent_number(ip.number)
        assert len(ip.number) == 14 and ip.number[12] == ".", ip.number
        assert 2015 <= int(ip.number[:4]) <= 2024
    for ip in rights:
        validate_identifier_for_ip_kind(ip.kind, ip.number)
        if ip.granted_on:
            assert ip.filed_on <= ip.granted_on
    kinds = {ip.kind for ip in rights}
    assert kinds >= set(IntellectualProperty.PATENT_KINDS) | {
        IntellectualProperty.Kind.TRADEMARK,
        IntellectualProperty.Kind.GEOGRAPHICAL_INDICATION,
        IntellectualProperty.Kind.COPYRIGHT,
        IntellectualProperty.Kind.SOFTWARE_COPYRIGHT,
    }
    gi_owners = {ip.owner.kind for ip in rights if ip.kind == "geographical_indication"}
    assert gi_owners == {Kind.OTHER}


def test_demo_accounts_log_in_with_the_demo_password_and_hold_their_roles(loaded):
    User = get_user_model()
    users = {u.username: u for u in User.objects.all()}

    assert set(users) == {a["username"] for a in demo.DEMO_ACCOUNTS}
    for user in users.values():
        assert user.check_password(django_settings.DEMO_PASSWORD), user.username
        assert user.email == f"{user.username}@demo.zhangzhou-ip.example"
        assert user.first_name and user.last_name
    assert users["admin"].is_superuser and users["admin"].is_staff
    roles = {
        (m.user.username, m.organization.name, m.role)
        for m in Membership.objects.select_related("user", "organization")
    }
    assert roles == {
        ("mediator", demo.MEDIATION_COMMITTEE, Role.MEDIATOR),
        ("mediator", demo.ZHANGZHOU_BUREAU, Role.MEDIATOR),
        ("clerk", demo.ZHANGZHOU_BUREAU, Role.CLERK),
        ("partner", "沈阳市市场监督管理局", Role.MEDIATOR),
        ("court", "福建省漳州市中级人民法院", Role.LIAISON),
        ("servicepoint", demo.DEMO_SERVICE_POINT, Role.CLERK),
        ("enterprise", demo.DEMO_ENTERPRISE, Role.ADMIN),
    }
    point = Organization.objects.get(name=demo.DEMO_SERVICE_POINT)
    enterprise = Organization.objects.get(name=demo.DEMO_ENTERPRISE)
    assert point.kind == Kind.SERVICE_POINT
    assert enterprise.is_key_enterprise and enterprise.parent == point
    assert Organization.objects.get(court_code="闽06").memberships.count() == 1


def test_reload_restores_a_changed_password_and_a_deactivated_membership(loaded):
    user = get_user_model().objects.get(username="clerk")
    user.set_password("something-else")
    user.save()
    Membership.objects.filter(user=user).update(is_active=False)

    demo.load()

    user.refresh_from_db()
    assert user.check_password(django_settings.DEMO_PASSWORD)
    assert Membership.objects.get(user=user).is_active


def test_load_adopts_existing_rows_by_natural_key(world):
    bureaus_before = set(Organization.objects.filter(kind=Kind.BUREAU).values_list("pk", flat=True))

    demo.load()

    assert Organization.objects.filter(name=demo.ZHANGZHOU_BUREAU).count() == 1
    assert bureaus_before <= set(
        Organization.objects.filter(kind=Kind.BUREAU).values_list("pk", flat=True)
    )
    assert Organization.objects.filter(alliance_joined_on__isnull=False).count() == 34
    assert Membership.objects.filter(user__username="mediator").count() == 2
