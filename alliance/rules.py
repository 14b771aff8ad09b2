"""Permissions for directory objects (django-rules): the single policy used by views, API
and admin. ``selectors.py`` implements the same policy as querysets; the tests assert, for
every user and object, ``obj in X_visible_to(user)`` ⇔ ``user.has_perm('alliance.view_x', obj)``.

Predicates accept ``obj=None`` for model-level questions ("may this user add any …?").
"""

from __future__ import annotations

import rules

from alliance import selectors
from alliance.models import IntellectualProperty, Membership, Organization

Kind = Organization.Kind
Role = Membership.Role


@rules.predicate
def is_superuser(user) -> bool:
    return bool(user.is_authenticated and user.is_superuser)


@rules.predicate
def has_membership(user) -> bool:
    return selectors.has_membership(user)


@rules.predicate
def is_alliance_staff(user) -> bool:
    return selectors.is_alliance_staff(user)


def _ancestors_and_self(org: Organization) -> set[int]:
    ids: set[int] = set()
    node: Organization | None = org
    for _level in range(4):
        if node is None:
            break
        if node.pk:
            ids.add(node.pk)
        node = node.parent if node.parent_id else None
    return ids


@rules.predicate
def can_see_organization(user, org: Organization | None) -> bool:
    if org is None:
        return selectors.has_membership(user)
    if selectors.is_alliance_staff(user):
        return True
    if not selectors.has_membership(user):
        return False
    return org.kind != Kind.ENTERPRISE or org.pk in selectors.organization_ids_of(user)


@rules.predicate
def is_admin_of_organization(user, org: Organization | None) -> bool:
    admin_of = selectors.organization_ids_of(user, roles=(Role.ADMIN,))
    if org is None:
        return bool(admin_of)
    return bool(admin_of & _ancestors_and_self(org))


@rules.predicate
def may_add_organization(user, org: Organization | None) -> bool:
    """Alliance staff may register enterprises (mediators at intake, service points at
    deposit); other kinds need an admin of the parent organisation."""
    if org is None:
        return selectors.is_alliance_staff(user)
    if org.kind == Kind.ENTERPRISE and selectors.is_alliance_staff(user):
        return True
    return org.parent_id is not None and is_admin_of_organization(user, org.parent)


@rules.predicate
def can_see_membership(user, membership: Membership | None) -> bool:
    if membership is None:
        return selectors.has_membership(user)
    return membership.user_id == user.pk or is_admin_of_organization(user, membership.organization)


@rules.predicate
def can_manage_membership(user, membership: Membership | None) -> bool:
    if membership is None:
        return is_admin_of_organization(user, None)
    return is_admin_of_organization(user, membership.organization)


@rules.predicate
def can_see_ip(user, ip: IntellectualProperty | None) -> bool:
    if ip is None:
        return selectors.has_membership(user)
    return can_see_organization(user, ip.owner)


@rules.predicate
def can_manage_ip(user, ip: IntellectualProperty | None) -> bool:
    """The owner's admins, and alliance staff who record rights at intake."""
    if ip is None:
        return selectors.is_alliance_staff(user) or is_admin_of_organization(user, None)
    if selectors.is_alliance_staff(user):
        return True
    return is_admin_of_organization(user, ip.owner)


# Module permission: the admin index shows the app to staff who belong to an organisation.
rules.add_perm("alliance", is_superuser | has_membership)

rules.add_perm("alliance.view_region", rules.is_authenticated)
rules.add_perm("alliance.add_region", is_superuser)
rules.add_perm("alliance.change_region", is_superuser)
rules.add_perm("alliance.delete_region", is_superuser)

rules.add_perm("alliance.view_organization", is_superuser | can_see_organization)
rules.add_perm("alliance.add_organization", is_superuser | may_add_organization)
rules.add_perm("alliance.change_organization", is_superuser | is_admin_of_organization)
rules.add_perm("alliance.delete_organization", is_superuser)

rules.add_perm("alliance.view_membership", is_superuser | can_see_membership)
rules.add_perm("alliance.add_membership", is_superuser | can_manage_membership)
rules.add_perm("alliance.change_membership", is_superuser | can_manage_membership)
rules.add_perm("alliance.delete_membership", is_superuser | can_manage_membership)

rules.add_perm("alliance.view_intellectualproperty", is_superuser | can_see_ip)
rules.add_perm("alliance.add_intellectualproperty", is_superuser | can_manage_ip)
rules.add_perm("alliance.change_intellectualproperty", is_superuser | can_manage_ip)
rules.add_perm("alliance.delete_intellectualproperty", is_superuser)

rules.add_perm("alliance.view_holidayyear", rules.is_authenticated)
rules.add_perm("alliance.add_holidayyear", is_superuser)
rules.add_perm("alliance.change_holidayyear", is_superuser)
rules.add_perm("alliance.delete_holidayyear", is_superuser)
rules.add_perm("alliance.view_holidaydate", rules.is_authenticated)
rules.add_perm("alliance.add_holidaydate", is_superuser)
rules.add_perm("alliance.change_holidaydate", is_superuser)
rules.add_perm("alliance.delete_holidaydate", is_superuser)
rules.add_perm("alliance.view_courtjurisdiction", rules.is_authenticated)
rules.add_perm("alliance.add_courtjurisdiction", is_superuser)
rules.add_perm("alliance.change_courtjurisdiction", is_superuser)
rules.add_perm("alliance.delete_courtjurisdiction", is_superuser)


# --- collaboration (issue 5) ------------------------------------------------------------------


def _acting_orgs(user) -> set[int]:
    return selectors.organization_ids_of(user, roles=selectors.ACTING_ROLES)


@rules.predicate
def is_party_to_collaboration(user, request) -> bool:
    if request is None:
        return selectors.has_membership(user)
    orgs = selectors.organization_ids_of(user)
    return request.from_organization_id in orgs or request.to_organization_id in orgs


@rules.predicate
def acts_for_sender(user, request) -> bool:
    if request is None:
        # "May send any request?" — an acting role somewhere (cached, no query); the form
        # offers only member bureaus and the service refuses others.
        return bool(_acting_orgs(user))
    return request.from_organization_id in _acting_orgs(user)


@rules.predicate
def acts_for_target(user, request) -> bool:
    return request is not None and request.to_organization_id in _acting_orgs(user)


@rules.predicate
def acts_for_either_side(user, request) -> bool:
    return acts_for_sender(user, request) or acts_for_target(user, request)


@rules.predicate
def may_reply(user, reply) -> bool:
    request = getattr(reply, "request", None)
    return request is not None and acts_for_either_side(user, request)


@rules.predicate
def may_view_reply(user, reply) -> bool:
    request = getattr(reply, "request", None)
    if request is None:
        return selectors.has_membership(user)
    return is_party_to_collaboration(user, request)


rules.add_perm("alliance.view_collaborationrequest", is_superuser | is_party_to_collaboration)
rules.add_perm("alliance.add_collaborationrequest", is_superuser | acts_for_sender)
rules.add_perm("alliance.answer_collaborationrequest", is_superuser | acts_for_target)
rules.add_perm("alliance.cancel_collaborationrequest", is_superuser | acts_for_sender)
rules.add_perm("alliance.change_collaborationrequest", is_superuser)
rules.add_perm("alliance.delete_collaborationrequest", is_superuser)
rules.add_perm("alliance.view_collaborationreply", is_superuser | may_view_reply)
rules.add_perm("alliance.add_collaborationreply", is_superuser | may_reply)
rules.add_perm("alliance.change_collaborationreply", is_superuser)
rules.add_perm("alliance.delete_collaborationreply", is_superuser)


# --- city IP indicators (issue 7 part 8) ------------------------------------------------------
# Read: every alliance member. Write a value: superusers, and admins of a bureau whose region
# is the value's region (selectors.indicator_region_ids_writable_by). The catalogue, deleting
# values and CSV import: superusers only.


@rules.predicate
def administers_bureau_of_value_region(user, value) -> bool:
    regions = selectors.indicator_region_ids_writable_by(user)
    if value is None:
        return bool(regions)
    return value.region_id in regions


rules.add_perm("alliance.view_indicator", is_superuser | has_membership)
rules.add_perm("alliance.add_indicator", is_superuser)
rules.add_perm("alliance.change_indicator", is_superuser)
rules.add_perm("alliance.delete_indicator", is_superuser)
rules.add_perm("alliance.view_indicatorvalue", is_superuser | has_membership)
rules.add_perm("alliance.add_indicatorvalue", is_superuser | administers_bureau_of_value_region)
rules.add_perm("alliance.change_indicatorvalue", is_superuser | administers_bureau_of_value_region)
rules.add_perm("alliance.delete_indicatorvalue", is_superuser)
rules.add_perm("alliance.import_indicatorvalue", is_superuser)
