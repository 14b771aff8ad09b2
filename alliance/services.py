"""Every change to the directory goes through these functions (STYLE rule 4).

Each runs in a transaction, checks the actor's permission against ``rules.py``, validates
the whole object (``full_clean``), saves, and records who did it in the object's history
(django-simple-history). A refusal raises a domain error and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from alliance import selectors
from alliance.models import IntellectualProperty, Membership, Organization
from zhangzhou_ip.core.errors import PermissionDenied


def _require(actor: AbstractBaseUser, perm: str, obj: Any) -> None:
    if not actor.has_perm(perm, obj):
        raise PermissionDenied(
            _("You are not allowed to do this (%(perm)s).") % {"perm": perm}, code="forbidden"
        )


def _save(instance, actor: AbstractBaseUser):
    instance.full_clean()
    instance._history_user = actor
    instance.save()
    return instance


@transaction.atomic
def organization_create(*, actor: AbstractBaseUser, **fields: Any) -> Organization:
    """Register an organisation. Alliance staff may register enterprises; other kinds need
    an administrator of the parent organisation (or a platform admin)."""
    organization = Organization(**fields)
    _require(actor, "alliance.add_organization", organization)
    return _save(organization, actor)


@transaction.atomic
def organization_update(
    *, actor: AbstractBaseUser, organization: Organization, **fields: Any
) -> Organization:
    """Edit an organisation; its administrators (and those of its ancestors) may."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    _require(actor, "alliance.change_organization", organization)
    for name, value in fields.items():
        setattr(organization, name, value)
    return _save(organization, actor)


@transaction.atomic
def membership_grant(
    *, actor: AbstractBaseUser, user: AbstractBaseUser, organization: Organization, role: str
) -> Membership:
    """Give ``user`` a role in ``organization`` (idempotent: re-activates a revoked one)."""
    membership = Membership.objects.filter(user=user, organization=organization, role=role).first()
    if membership is None:
        membership = Membership(user=user, organization=organization, role=role)
    _require(actor, "alliance.add_membership", membership)
    membership.is_active = True
    _save(membership, actor)
    selectors.clear_membership_cache(user)
    return membership


@transaction.atomic
def membership_revoke(*, actor: AbstractBaseUser, membership: Membership) -> Membership:
    """Deactivate a membership; history keeps who held the role and when."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    _require(actor, "alliance.change_membership", membership)
    membership.is_active = False
    _save(membership, actor)
    selectors.clear_membership_cache(membership.user)
    return membership


@transaction.atomic
def intellectual_property_create(*, actor: AbstractBaseUser, **fields: Any) -> IntellectualProperty:
    """Record an IP right; the number is normalised and validated for its kind."""
    ip = IntellectualProperty(**fields)
    _require(actor, "alliance.add_intellectualproperty", ip)
    return _save(ip, actor)


@transaction.atomic
def intellectual_property_update(
    *, actor: AbstractBaseUser, ip: IntellectualProperty, **fields: Any
) -> IntellectualProperty:
    ip = IntellectualProperty.objects.select_for_update().get(pk=ip.pk)
    _require(actor, "alliance.change_intellectualproperty", ip)
    for name, value in fields.items():
        setattr(ip, name, value)
    return _save(ip, actor)
