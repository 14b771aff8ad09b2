"""Who sees and who records protection actions (issue 7 part 1, DESIGN §6).

``cases.selectors`` and ``cases.rules`` belong to the case workflow; this module holds the one
policy of ``ProtectionAction`` twice — as a queryset (``protection_action_visible_to``) and as
django-rules predicates — and the tests assert the two agree for every user and action.
It is imported by ``cases.services.protection`` (and so at start-up through
``cases.services``), which registers the permissions below.

A user sees an action when they are a platform administrator, belong to its enterprise,
belong to the organisation that helped (``handled_by``) or administer one of its ancestors,
or see its linked case in full (the handling side and the partners it is shared with).

Recording (``add``): the enterprise's people for their own enterprise; staff of a bureau,
mediation committee, protection centre or service point for any enterprise (viewers only
read). Changing: the enterprise's people and the helping organisation's staff (its
ancestors' administrators included), and platform administrators.
"""

from __future__ import annotations

import rules
from django.db.models import Q, QuerySet

from alliance import selectors as alliance_selectors
from alliance.models import Membership, Organization
from alliance.rules import is_superuser
from cases.models import ProtectionAction
from cases.models.protection import HELPER_KINDS
from cases.rules import _ancestor_ids, can_view_case_in_full
from cases.selectors import _ancestor_admin_q, case_full_visible_to

Role = Membership.Role
#: Roles that act for an organisation (a viewer only reads).
ACTING_ROLES = alliance_selectors.ACTING_ROLES


def enterprises_of(user, *, roles: tuple[str, ...] = alliance_selectors.STAFF_ROLES) -> set[int]:
    """Enterprises where the user holds one of ``roles``."""
    return alliance_selectors.organization_ids_of(
        user, roles=roles, kinds=(Organization.Kind.ENTERPRISE,)
    )


def helper_orgs_of(user, *, roles: tuple[str, ...] = ACTING_ROLES) -> set[int]:
    """Bureaus, committees, protection centres and service points where the user acts."""
    return alliance_selectors.organization_ids_of(user, roles=roles, kinds=HELPER_KINDS)


# --- selectors -------------------------------------------------------------------------------


def protection_action_visible_to(user) -> QuerySet[ProtectionAction]:
    qs = ProtectionAction.objects.select_related("enterprise", "handled_by", "case")
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    member_of = alliance_selectors.organization_ids_of(user)
    if not member_of:
        return qs.none()
    admin_of = alliance_selectors.organization_ids_of(user, roles=(Role.ADMIN,))
    q = Q(enterprise__in=member_of) | Q(handled_by__in=member_of)
    if admin_of:
        q |= _ancestor_admin_q(admin_of, "handled_by")
    q |= Q(case__in=case_full_visible_to(user).order_by().values("pk"))
    return qs.filter(q)


def protection_action_editable_by(user) -> QuerySet[ProtectionAction]:
    """Actions the user may change (the same policy as ``cases.change_protectionaction``)."""
    qs = ProtectionAction.objects.select_related("enterprise", "handled_by", "case")
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    enterprises, helpers = enterprises_of(user, roles=ACTING_ROLES), helper_orgs_of(user)
    admin_of = alliance_selectors.organization_ids_of(user, roles=(Role.ADMIN,))
    q = Q(enterprise__in=enterprises) | Q(handled_by__in=helpers)
    if admin_of:
        q |= _ancestor_admin_q(admin_of, "handled_by")
    return qs.filter(q)


def enterprises_for_recording(user) -> QuerySet[Organization]:
    """Enterprises the user may record an action for."""
    enterprises = Organization.objects.filter(
        kind=Organization.Kind.ENTERPRISE, is_active=True
    ).order_by("name")
    if not user.is_authenticated:
        return enterprises.none()
    if user.is_superuser or helper_orgs_of(user):
        return enterprises
    return enterprises.filter(pk__in=enterprises_of(user, roles=ACTING_ROLES))


def helpers_for_recording(user) -> QuerySet[Organization]:
    """Organisations the user may name as ``handled_by``: alliance staff name one of their
    own (so they keep sight of what they record); enterprises and administrators any."""
    helpers = Organization.objects.filter(kind__in=HELPER_KINDS, is_active=True).order_by("name")
    if not user.is_authenticated:
        return helpers.none()
    own = helper_orgs_of(user)
    if user.is_superuser or not own:
        return helpers
    return helpers.filter(pk__in=own)


# --- rules -----------------------------------------------------------------------------------


def _admin_above(user, org: Organization | None) -> bool:
    if org is None:
        return False
    admin_of = alliance_selectors.organization_ids_of(user, roles=(Role.ADMIN,))
    return bool(admin_of & _ancestor_ids(org))


@rules.predicate
def can_view_protection_action(user, action: ProtectionAction | None) -> bool:
    if action is None:
        return alliance_selectors.has_membership(user)
    member_of = alliance_selectors.organization_ids_of(user)
    if not member_of:
        return False
    if action.enterprise_id in member_of or action.handled_by_id in member_of:
        return True
    if _admin_above(user, action.handled_by):
        return True
    return action.case_id is not None and can_view_case_in_full(user, action.case)


@rules.predicate
def can_record_protection_action(user, action: ProtectionAction | None) -> bool:
    if helper_orgs_of(user):
        return True
    enterprises = enterprises_of(user, roles=ACTING_ROLES)
    if action is None or action.enterprise_id is None:
        return bool(enterprises)
    return action.enterprise_id in enterprises


@rules.predicate
def can_change_protection_action(user, action: ProtectionAction | None) -> bool:
    if action is None:
        return can_record_protection_action(user, None)
    if action.enterprise_id in enterprises_of(user, roles=ACTING_ROLES):
        return True
    if action.handled_by_id is not None and action.handled_by_id in helper_orgs_of(user):
        return True
    return _admin_above(user, action.handled_by)


rules.add_perm("cases.view_protectionaction", is_superuser | can_view_protection_action)
rules.add_perm("cases.add_protectionaction", is_superuser | can_record_protection_action)
rules.add_perm("cases.change_protectionaction", is_superuser | can_change_protection_action)
rules.add_perm("cases.delete_protectionaction", is_superuser)
