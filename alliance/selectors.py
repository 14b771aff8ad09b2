"""Reads that encode who may see which directory objects (DESIGN §6, STYLE rule 5).

Every list, detail lookup, filter dropdown, export and admin queryset of the directory
starts here. ``rules.py`` states the same policy per object; tests assert the two agree.

Policy:
* A user with no active membership sees no organisation (superusers see everything).
* Staff of alliance-side organisations (any kind but enterprise) see the whole directory:
  they mediate between enterprises and need to find them.
* Enterprise users see every non-enterprise organisation (bureaus, courts, service points
  …) and their own enterprise, but not other enterprises.
* Organisation admins manage their organisation and its descendants (up to 3 levels:
  city → county → park → enterprise).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import OuterRef, Q, QuerySet, Subquery

from alliance.models import (
    CollaborationReply,
    CollaborationRequest,
    Indicator,
    IndicatorValue,
    IntellectualProperty,
    Membership,
    Organization,
    Region,
)

Kind = Organization.Kind
Role = Membership.Role
STAFF_ROLES = (Role.ADMIN, Role.MEDIATOR, Role.CLERK, Role.LIAISON, Role.VIEWER)

User = AbstractBaseUser | AnonymousUser


def memberships_of(user: User) -> list[Membership]:
    """The user's active memberships of active organisations, with the organisation, in
    name order — read once per user object (one query serves the rules, the selectors and
    the navbar of a page)."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_alliance_memberships", None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user, is_active=True, organization__is_active=True)
            .select_related("organization")
            .order_by("organization__name", "role")
        )
        user._alliance_memberships = cached
    return cached


def _memberships(user: User) -> list[tuple[int, str, str]]:
    """(organisation id, organisation kind, role) of ``memberships_of(user)``."""
    return [(m.organization_id, m.organization.kind, m.role) for m in memberships_of(user)]


def clear_membership_cache(user: User) -> None:
    if hasattr(user, "_alliance_memberships"):
        del user._alliance_memberships


def organization_ids_of(
    user: User,
    *,
    roles: tuple[str, ...] = STAFF_ROLES,
    kinds: tuple[str, ...] | None = None,
) -> set[int]:
    """Organisations where the user holds one of ``roles`` — of the given ``kinds`` only,
    when given (e.g. the service points a user staffs, the enterprises a user belongs to)."""
    return {
        org
        for org, kind, role in _memberships(user)
        if role in roles and (kinds is None or kind in kinds)
    }


def is_alliance_staff(user: User) -> bool:
    """Holds any role in an organisation that is not an enterprise."""
    return any(kind != Kind.ENTERPRISE for _org, kind, _role in _memberships(user))


def has_membership(user: User) -> bool:
    return bool(_memberships(user))


def descendants_q(org_ids: set[int], prefix: str = "") -> Q:
    """The organisations in ``org_ids`` and their descendants up to three levels down."""
    q = Q(**{f"{prefix}pk__in": org_ids})
    path = prefix + "parent"
    for _level in range(3):
        q |= Q(**{f"{path}__in": org_ids})
        path += "__parent"
    return q


def organization_visible_to(user: User) -> QuerySet[Organization]:
    """Organisations the user may see in the directory."""
    qs = Organization.objects.select_related("region", "parent")
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser or is_alliance_staff(user):
        return qs
    own = organization_ids_of(user)
    if not own:
        return qs.none()
    return qs.filter(~Q(kind=Kind.ENTERPRISE) | Q(pk__in=own))


def organization_manageable_by(user: User) -> QuerySet[Organization]:
    """Organisations the user may edit: superusers all, organisation admins their own
    organisation and its descendants."""
    qs = Organization.objects.select_related("region", "parent")
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    admin_of = organization_ids_of(user, roles=(Role.ADMIN,))
    if not admin_of:
        return qs.none()
    return qs.filter(descendants_q(admin_of))


def enterprise_list(user: User) -> QuerySet[Organization]:
    return organization_visible_to(user).filter(kind=Kind.ENTERPRISE)


def membership_visible_to(user: User) -> QuerySet[Membership]:
    """A user sees their own memberships; organisation admins see those of the
    organisations they manage; superusers all."""
    qs = Membership.objects.select_related("user", "organization")
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    admin_of = organization_ids_of(user, roles=(Role.ADMIN,))
    q = Q(user=user)
    if admin_of:
        q |= descendants_q(admin_of, prefix="organization__")
    return qs.filter(q)


def intellectual_property_visible_to(user: User) -> QuerySet[IntellectualProperty]:
    """IP rights follow their owner's visibility."""
    qs = IntellectualProperty.objects.select_related("owner", "owner__region")
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser or is_alliance_staff(user):
        return qs
    own = organization_ids_of(user)
    if not own:
        return qs.none()
    return qs.filter(Q(owner__in=own) | ~Q(owner__kind=Kind.ENTERPRISE))


def region_visible_to(user: User) -> QuerySet[Region]:
    """Regions are public reference data for every signed-in user."""
    if not user.is_authenticated:
        return Region.objects.none()
    return Region.objects.select_related("parent")


def within_region_q(region: Region, path: str = "region") -> Q:
    """Rows whose region at ``path`` is ``region`` or lies below it (a province holds its
    cities and their districts; a city its districts). Regions nest at most three deep."""
    return (
        Q(**{path: region})
        | Q(**{f"{path}__parent": region})
        | Q(**{f"{path}__parent__parent": region})
    )


def member_organizations() -> QuerySet[Organization]:
    """Alliance members: organisations with a joining date."""
    return Organization.objects.filter(alliance_joined_on__isnull=False, is_active=True)


def member_province_count(organizations: QuerySet[Organization]) -> int:
    """Distinct provinces of the member bureaus in ``organizations`` (a bureau's region is a
    city, or the province-level municipality itself)."""
    rows = organizations.filter(kind=Kind.BUREAU, alliance_joined_on__isnull=False).values_list(
        "region__level", "region_id", "region__parent_id", "region__parent__parent_id"
    )
    provinces = set()
    for level, region_id, parent_id, grandparent_id in rows:
        if level == Region.Level.PROVINCE:
            provinces.add(region_id)
        elif level == Region.Level.CITY:
            provinces.add(parent_id)
        else:
            provinces.add(grandparent_id or parent_id)
    return len(provinces)


# --- collaboration (issue 5) ------------------------------------------------------------------
# A request is seen by the staff of the two member bureaus it joins, nobody else (superusers
# aside). The roles that act for a bureau: its admins, mediators, clerks and liaisons.

ACTING_ROLES = (Role.ADMIN, Role.MEDIATOR, Role.CLERK, Role.LIAISON)


def collaboration_visible_to(user: User) -> QuerySet[CollaborationRequest]:
    qs = CollaborationRequest.objects.select_related("from_organization", "to_organization")
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    orgs = organization_ids_of(user)
    if not orgs:
        return qs.none()
    return qs.filter(Q(from_organization__in=orgs) | Q(to_organization__in=orgs))


def collaboration_reply_visible_to(user: User) -> QuerySet[CollaborationReply]:
    return CollaborationReply.objects.filter(
        request__in=collaboration_visible_to(user)
    ).select_related("organization", "author")


# --- city IP indicators (issue 7 part 8) ------------------------------------------------------
# Every alliance member reads the catalogue and the values (they are published figures).
# Writes: superusers, and the admins of an active bureau for the bureau's own region — the
# Zhangzhou bureau's admins enter Zhangzhou's figures, a county bureau's admins its county's.


def indicator_visible_to(user: User) -> QuerySet[Indicator]:
    if not user.is_authenticated or not (user.is_superuser or has_membership(user)):
        return Indicator.objects.none()
    return Indicator.objects.all()


def indicator_value_visible_to(user: User) -> QuerySet[IndicatorValue]:
    qs = IndicatorValue.objects.select_related("indicator", "region", "entered_by")
    if not user.is_authenticated or not (user.is_superuser or has_membership(user)):
        return qs.none()
    return qs


def indicator_region_ids_writable_by(user: User) -> set[int]:
    """Regions of the active bureaus the user administers (not including superuser rights).

    Cached on the user next to the memberships it was computed from, so that clearing the
    membership cache also invalidates it."""
    memberships = _memberships(user)
    cached = getattr(user, "_alliance_indicator_regions", None)
    if cached is not None and cached[0] is memberships:
        return cached[1]
    bureaus = {org for org, kind, role in memberships if kind == Kind.BUREAU and role == Role.ADMIN}
    regions = (
        set(Organization.objects.filter(pk__in=bureaus).values_list("region_id", flat=True))
        if bureaus
        else set()
    )
    if user.is_authenticated:
        user._alliance_indicator_regions = (memberships, regions)
    return regions


def indicator_value_writable_by(user: User) -> QuerySet[IndicatorValue]:
    qs = indicator_value_visible_to(user)
    if not user.is_authenticated or user.is_superuser:
        return qs
    return qs.filter(region__in=indicator_region_ids_writable_by(user))


def indicator_values_with_previous(qs: QuerySet[IndicatorValue]) -> QuerySet[IndicatorValue]:
    """Annotate ``previous_value``: the same indicator and region one year earlier (None when
    that year was not recorded), computed by the database in the same query."""
    previous = IndicatorValue.objects.filter(
        indicator=OuterRef("indicator"), region=OuterRef("region"), year=OuterRef("year") - 1
    ).values("value")[:1]
    return qs.annotate(previous_value=Subquery(previous))
