"""The directory FilterSets, one filter at a time (STYLE rule 10). They serve both the HTML
lists and the API, so each filter is tested here once, on the selector's queryset."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import RequestFactory

from alliance import selectors
from alliance.filters import (
    IntellectualPropertyFilterSet,
    MembershipFilterSet,
    OrganizationFilterSet,
    RegionFilterSet,
)
from alliance.models import IntellectualProperty, Membership, Organization

Kind = Organization.Kind


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def _filter(filterset_class, selector, user, data):
    filterset = filterset_class(data, queryset=selector(user), request=_request(user))
    assert filterset.is_valid(), filterset.errors
    return filterset.qs


def _orgs(world, data, username="superuser") -> set[str]:
    """World organisations (by fixture key) that the filter keeps; courts loaded by the data
    migration are ignored except ``court``."""
    keys = {org.pk: key for key, org in world["orgs"].items()}
    qs = _filter(
        OrganizationFilterSet, selectors.organization_visible_to, world["users"][username], data
    )
    return {keys[pk] for pk in qs.values_list("pk", flat=True) if pk in keys}


def _ips(world, data, username="superuser") -> set[str]:
    keys = {ip.pk: key for key, ip in world["ips"].items()}
    qs = _filter(
        IntellectualPropertyFilterSet,
        selectors.intellectual_property_visible_to,
        world["users"][username],
        data,
    )
    return {keys[pk] for pk in qs.values_list("pk", flat=True) if pk in keys}


# ---------------------------------------------------------------------------------------------
# OrganizationFilterSet
# ---------------------------------------------------------------------------------------------


def test_organization_q_matches_part_of_the_name(world):
    assert _orgs(world, {"q": "市场监督"}) == {"zz_bureau", "partner"}


def test_organization_q_matches_the_short_name(world):
    assert _orgs(world, {"q": "漳州中院"}) == {"court"}


def test_organization_q_matches_a_uscc_prefix(world):
    prefix = world["orgs"]["ent_a"].uscc[:10]
    assert _orgs(world, {"q": prefix}) == {"ent_a"}


def test_organization_q_normalises_a_lower_case_spaced_uscc_prefix(world):
    uscc = world["orgs"]["ent_b"].uscc
    assert _orgs(world, {"q": f"{uscc[:4]} {uscc[4:10]}".lower()}) == {"ent_b"}


def test_organization_q_does_not_match_the_middle_of_a_uscc(world):
    assert _orgs(world, {"q": world["orgs"]["ent_a"].uscc[5:12]}) == set()


def test_organization_kind_filter(world):
    assert _orgs(world, {"kind": ["enterprise"]}) == {"ent_a", "ent_b"}


def test_organization_kind_filter_accepts_several_kinds(world):
    assert _orgs(world, {"kind": ["bureau", "service_point"]}) == {
        "zz_bureau",
        "partner",
        "service_point",
    }


def test_organization_kind_filter_rejects_unknown_kind(world):
    filterset = OrganizationFilterSet(
        {"kind": ["castle"]},
        queryset=Organization.objects.all(),
        request=_request(world["users"]["superuser"]),
    )
    assert not filterset.is_valid()
    assert "kind" in filterset.errors


def test_organization_region_province_includes_its_cities_and_counties(world):
    assert _orgs(world, {"region": "350000"}) == {
        "zz_bureau",
        "committee",
        "service_point",
        "court",
        "ent_a",
        "ent_b",
    }


def test_organization_region_city_includes_its_counties_but_not_other_cities(world):
    assert _orgs(world, {"region": "350600"}) == {
        "zz_bureau",
        "committee",
        "service_point",
        "court",
        "ent_a",
    }


def test_organization_region_of_another_province(world):
    assert _orgs(world, {"region": "210000"}) == {"partner"}


def test_organization_region_filter_includes_every_court_of_the_city(world):
    qs = _filter(
        OrganizationFilterSet,
        selectors.organization_visible_to,
        world["users"]["superuser"],
        {"region": "350600", "kind": ["court"]},
    )
    assert set(qs.values_list("court_code", flat=True)) >= {"闽06", "闽0602", "闽0629"}
    assert "闽02" not in set(qs.values_list("court_code", flat=True))


def test_organization_is_member_true_keeps_alliance_members(world):
    assert _orgs(world, {"is_member": "true"}) == {"zz_bureau", "partner"}


def test_organization_is_member_false_keeps_non_members(world):
    assert _orgs(world, {"is_member": "false"}) == {
        "committee",
        "service_point",
        "court",
        "ent_a",
        "ent_b",
    }


def test_organization_is_key_enterprise_filter(world):
    assert _orgs(world, {"is_key_enterprise": "true"}) == {"ent_a"}


def test_organization_parent_filter(world):
    assert _orgs(world, {"parent": world["orgs"]["zz_bureau"].pk}) == {
        "committee",
        "service_point",
    }


def test_organization_joined_range_filter(world):
    partner = world["orgs"]["partner"]
    partner.alliance_joined_on = dt.date(2024, 3, 1)
    partner.save()
    assert _orgs(world, {"joined_after": "2024-01-01"}) == {"partner"}
    assert _orgs(world, {"joined_before": "2023-12-31"}) == {"zz_bureau"}
    assert _orgs(world, {"joined_after": "2023-04-26", "joined_before": "2024-03-01"}) == {
        "zz_bureau",
        "partner",
    }


def test_organization_joined_filter_rejects_a_non_date(world):
    filterset = OrganizationFilterSet(
        {"joined_after": "notadate"},
        queryset=Organization.objects.all(),
        request=_request(world["users"]["superuser"]),
    )
    assert not filterset.is_valid()
    assert "joined" in filterset.errors


def test_organization_filters_apply_inside_the_users_scope(world):
    assert _orgs(world, {"kind": ["enterprise"]}, username="enterprise") == {"ent_a"}


def test_organization_parent_choices_come_from_the_users_scope(world):
    filterset = OrganizationFilterSet(
        {"parent": world["orgs"]["ent_b"].pk},
        queryset=selectors.organization_visible_to(world["users"]["enterprise"]),
        request=_request(world["users"]["enterprise"]),
    )
    assert not filterset.is_valid()
    assert "parent" in filterset.errors


# ---------------------------------------------------------------------------------------------
# IntellectualPropertyFilterSet
# ---------------------------------------------------------------------------------------------


def test_ip_q_matches_the_application_number(world):
    assert _ips(world, {"q": "201710601862.3"}) == {"patent_a"}


def test_ip_q_matches_the_patent_number_with_zl_prefix(world):
    assert _ips(world, {"q": "ZL201710601862.3"}) == {"patent_a"}


def test_ip_q_matches_the_patent_number_with_lower_case_spaced_zl_prefix(world):
    assert _ips(world, {"q": "zl 2017 1 0601862.3"}) == {"patent_a"}


def test_ip_q_matches_the_application_number_written_without_the_dot(world):
    assert _ips(world, {"q": "2017106018623"}) == {"patent_a"}


def test_ip_q_matches_part_of_a_trademark_number(world):
    assert _ips(world, {"q": "345678"}) == {"mark_b"}


def test_ip_q_matches_the_title(world):
    assert _ips(world, {"q": "蜜柚"}) == {"patent_a"}


def test_ip_q_matches_the_owner_name(world):
    assert _ips(world, {"q": "厦门乙"}) == {"mark_b"}


def test_ip_kind_filter(world):
    assert _ips(world, {"kind": ["trademark"]}) == {"mark_b"}
    assert _ips(world, {"kind": ["invention_patent", "trademark"]}) == {"patent_a", "mark_b"}


def test_ip_owner_filter(world):
    assert _ips(world, {"owner": world["orgs"]["ent_a"].pk}) == {"patent_a"}


def test_ip_nice_class_filter(world):
    assert _ips(world, {"nice_class": "9"}) == {"mark_b"}
    assert _ips(world, {"nice_class": "10"}) == set()


def test_ip_granted_range_filter(world):
    IntellectualProperty.objects.filter(pk=world["ips"]["mark_b"].pk).update(
        granted_on=dt.date(2015, 6, 7)
    )
    assert _ips(world, {"granted_after": "2015-01-01", "granted_before": "2015-12-31"}) == {
        "mark_b",
    }
    assert _ips(world, {"granted_after": "2016-01-01"}) == set()


def test_enterprise_user_cannot_filter_ip_by_another_enterprise(world):
    user = world["users"]["enterprise"]
    filterset = IntellectualPropertyFilterSet(
        {"owner": world["orgs"]["ent_b"].pk},
        queryset=selectors.intellectual_property_visible_to(user),
        request=_request(user),
    )
    assert not filterset.is_valid()
    assert "owner" in filterset.errors
    assert world["orgs"]["ent_b"] not in filterset.form.fields["owner"].queryset


def test_enterprise_user_may_filter_ip_by_own_enterprise(world):
    assert _ips(world, {"owner": world["orgs"]["ent_a"].pk}, username="enterprise") == {
        "patent_a",
    }


def test_staff_owner_choices_include_both_enterprises(world):
    user = world["users"]["mediator"]
    filterset = IntellectualPropertyFilterSet(
        {}, queryset=selectors.intellectual_property_visible_to(user), request=_request(user)
    )
    choices = filterset.form.fields["owner"].queryset
    assert {world["orgs"]["ent_a"], world["orgs"]["ent_b"]} <= set(choices)


# ---------------------------------------------------------------------------------------------
# RegionFilterSet
# ---------------------------------------------------------------------------------------------


def _region_codes(world, data) -> set[str]:
    qs = _filter(RegionFilterSet, selectors.region_visible_to, world["users"]["clerk"], data)
    return set(qs.values_list("code", flat=True))


def test_region_q_matches_the_chinese_name(world):
    assert _region_codes(world, {"q": "芗城"}) == {"350602"}


def test_region_q_matches_the_english_name(world):
    assert "350600" in _region_codes(world, {"q": "zhangzhou"})


def test_region_q_matches_a_code_prefix(world):
    codes = _region_codes(world, {"q": "3506"})
    assert "350600" in codes
    assert "350602" in codes
    assert all(code.startswith("3506") for code in codes)


def test_region_level_filter(world):
    codes = _region_codes(world, {"level": "province"})
    assert {"350000", "210000"} <= codes
    assert "350600" not in codes


def test_region_parent_filter_takes_the_parent_code(world):
    codes = _region_codes(world, {"parent": "350600"})
    assert "350602" in codes
    assert all(code.startswith("3506") and code != "350600" for code in codes)


def test_region_current_filter_hides_retired_codes(world):
    current = _region_codes(world, {"current": "true", "parent": "350600"})
    retired = _region_codes(world, {"current": "false", "parent": "350600"})
    assert "350681" in retired
    assert "350681" not in current
    assert "350604" in current


# ---------------------------------------------------------------------------------------------
# MembershipFilterSet
# ---------------------------------------------------------------------------------------------


def _holders(world, data, username="superuser") -> set[str]:
    qs = _filter(
        MembershipFilterSet, selectors.membership_visible_to, world["users"][username], data
    )
    return set(qs.values_list("user__username", flat=True))


def test_membership_organization_filter(world):
    assert _holders(world, {"organization": world["orgs"]["zz_bureau"].pk}) == {
        "org_admin",
        "clerk",
    }


def test_membership_role_filter(world):
    assert _holders(world, {"role": ["mediator"]}) == {"mediator", "partner"}


def test_membership_user_filter(world):
    assert _holders(world, {"user": "court"}) == {"court"}


def test_membership_is_active_filter(world):
    Membership.objects.filter(user=world["users"]["clerk"]).update(is_active=False)
    assert _holders(world, {"is_active": "false"}) == {"clerk"}
    assert "clerk" not in _holders(world, {"is_active": "true"})


def test_membership_organization_choices_come_from_the_users_scope(world):
    user = world["users"]["enterprise"]
    filterset = MembershipFilterSet(
        {"organization": world["orgs"]["ent_b"].pk},
        queryset=selectors.membership_visible_to(user),
        request=_request(user),
    )
    assert not filterset.is_valid()
    assert "organization" in filterset.errors


@pytest.mark.parametrize(
    "filterset_class",
    [OrganizationFilterSet, IntellectualPropertyFilterSet, RegionFilterSet, MembershipFilterSet],
)
def test_empty_filter_returns_the_whole_scope(world, filterset_class):
    model = filterset_class._meta.model
    selector = {
        Organization: selectors.organization_visible_to,
        IntellectualProperty: selectors.intellectual_property_visible_to,
        Membership: selectors.membership_visible_to,
    }.get(model, selectors.region_visible_to)
    user = world["users"]["enterprise"]
    assert set(_filter(filterset_class, selector, user, {})) == set(selector(user))
