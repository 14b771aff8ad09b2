"""Sharing a case with partner cities, collaboration requests about a case, and comments
(issue 5, DESIGN §6). Shares give sight, never edit or transition rights."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from alliance import collaboration
from alliance import selectors as alliance_selectors
from alliance.models import CollaborationRequest, Membership, Organization
from cases import rules as case_rules
from cases.errors import ConditionNotMet
from cases.models import CaseComment, CaseShare, MediationCase
from cases.notifications import notify_case_event
from cases.selectors import active_shares_to
from cases.services._base import User, _lock, _require, record_event
from zhangzhou_ip.core import notifications


def _own_lineage(case: MediationCase) -> set[int]:
    """The handling organisation and its ancestors: sharing with them is sharing with
    oneself."""
    return case_rules._ancestor_ids(case.handling_organization)


def share_targets(case: MediationCase) -> QuerySet[Organization]:
    """Member bureaus proposed for a cross-region case: those of the parties' cities (other
    than the handling side's own) not already holding an active share."""
    cities: set[int] = set()
    for party in case.parties.select_related("region__parent", "organization__region__parent"):
        region = party.region or (party.organization.region if party.organization else None)
        if region is not None:
            cities.add((region.city or region).pk)
    shared = case.shares.filter(CaseShare.active_q()).values("organization")
    return (
        alliance_selectors.member_organizations()
        .filter(region__in=cities)
        .exclude(pk__in=_own_lineage(case))
        .exclude(pk__in=shared)
        .order_by("region__code", "name")
    )


def _notify_org(organization: Organization, actor: User, title: str, url: str) -> None:
    users = [
        m.user
        for m in Membership.objects.filter(organization=organization, is_active=True)
        .exclude(user=actor)
        .select_related("user")
    ]
    transaction.on_commit(
        lambda: notifications.notify(users, verb="case.shared", title=title, url=url)
    )


def _check_target(case: MediationCase, organization: Organization) -> None:
    if organization.pk in _own_lineage(case):
        raise ValidationError(
            {"organization": _("A case cannot be shared with its own organisation.")},
            code="own_organisation",
        )
    if not alliance_selectors.member_organizations().filter(pk=organization.pk).exists():
        raise ValidationError(
            {"organization": _("%(org)s is not an alliance member.") % {"org": organization}},
            code="not_a_member",
        )


@transaction.atomic
def share_grant(
    *,
    actor: User,
    case: MediationCase,
    organization: Organization,
    level: str,
    reason: str,
) -> CaseShare:
    """Share the case with a member organisation as ``view`` or ``collaborate``."""
    case = _lock(case, None)
    _require(actor, "cases.share_mediationcase", case)
    _check_target(case, organization)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the case is shared.")}, code="required")
    if case.shares.filter(
        revoked_at__isnull=True, request__isnull=True, organization=organization
    ).exists():
        raise ValidationError(
            {"organization": _("The case is already shared with %(org)s.") % {"org": organization}},
            code="already_shared",
        )
    share = CaseShare(
        case=case, organization=organization, level=level, reason=reason, granted_by=actor
    )
    share.full_clean(exclude=["granted_by", "revoked_by", "request"])
    share.save()
    record_event(
        case, actor, "case.shared", organization=organization.name, level=level, reason=reason
    )
    with translation.override(settings.LANGUAGE_CODE):
        title = _("%(case)s was shared with %(org)s") % {"case": case, "org": organization}
    _notify_org(organization, actor, title, case.get_absolute_url())
    return share


@transaction.atomic
def share_revoke(*, actor: User, share: CaseShare, reason: str) -> CaseShare:
    """End a share at once: the partner loses the case everywhere, its notifications about
    the case included."""
    case = _lock(share.case, None)
    share = CaseShare.objects.select_for_update(of=("self",)).get(pk=share.pk)
    _require(actor, "cases.share_mediationcase", case)
    if share.revoked_at is not None:
        raise ConditionNotMet(_("This share was already revoked."), code="already_revoked")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the share is revoked.")}, code="required")
    share.revoked_at, share.revoked_by, share.revoke_reason = timezone.now(), actor, reason
    share.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    record_event(
        case,
        actor,
        "case.share_revoked",
        organization=share.organization.name,
        reason=reason,
    )
    # Whoever no longer sees the case also loses the notifications that point to it.
    members = Membership.objects.filter(organization=share.organization).select_related("user")
    lost = [m.user_id for m in members if not m.user.has_perm("cases.view_mediationcase", case)]
    notifications.withdraw(lost, url_prefix=case.get_absolute_url())
    return share


@transaction.atomic
def case_collaboration_request(
    *,
    actor: User,
    case: MediationCase,
    from_organization: Organization,
    to_organization: Organization,
    kind: str,
    subject: str,
    body: str = "",
    due_on: dt.date | None = None,
) -> CollaborationRequest:
    """A collaboration request about a case: the case is shared with the target
    (`collaborate`) for as long as the request is open or accepted."""
    case = _lock(case, None)
    _require(actor, "cases.share_mediationcase", case)
    _check_target(case, to_organization)
    request = collaboration.collaboration_send(
        actor=actor,
        from_organization=from_organization,
        to_organization=to_organization,
        kind=kind,
        subject=subject,
        body=body,
        due_on=due_on,
    )
    CaseShare.objects.create(
        case=case,
        organization=to_organization,
        level=CaseShare.Level.COLLABORATE,
        reason=request.subject[:300],
        request=request,
        granted_by=actor,
    )
    record_event(
        case,
        actor,
        "collaboration.requested",
        request=request.pk,
        organization=to_organization.name,
        kind=kind,
        due_on=request.due_on.isoformat(),
    )
    return request


@transaction.atomic
def comment_add(
    *, actor: User, case: MediationCase, body: str, reply_to: CaseComment | None = None
) -> CaseComment:
    """A comment (or a reply to one) by the handling side or a collaborating partner."""
    case = _lock(case, None)
    comment = CaseComment(case=case, author=actor, body=(body or "").strip(), reply_to=reply_to)
    _require(actor, "cases.add_casecomment", comment)
    if reply_to is not None and reply_to.case_id != case.pk:
        raise ValidationError({"reply_to": _("Reply to a comment of this case.")}, code="invalid")
    orgs = alliance_selectors.organization_ids_of(actor)
    shared = active_shares_to(actor).filter(case=case).first()
    comment.organization = (
        shared.organization
        if shared is not None and case.handling_organization_id not in orgs
        else case.handling_organization
    )
    comment.full_clean(exclude=["author"])
    comment.save()
    record_event(case, actor, "comment.added", comment=comment.pk)
    notify_case_event(case_id=case.pk, verb="comment.added", actor_id=actor.pk)
    return comment
