"""Services for protection collaboration between member bureaus (issue 5).

Each step runs in a transaction, locks the request, checks the permission (``rules.py``) and
the state, and notifies the other side after the commit (``core.notifications``). The due date
comes from the kind's response term counted by CPL art. 85 (``deadlines``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from alliance import deadlines, selectors
from alliance.models import CollaborationReply, CollaborationRequest, Membership, Organization
from zhangzhou_ip.core import notifications
from zhangzhou_ip.core.errors import ConflictError, DomainError, PermissionDenied

User = AbstractBaseUser
Status = CollaborationRequest.Status


def _today() -> dt.date:
    return timezone.localdate()


def response_due_on(kind: str, sent_on: dt.date) -> dt.date:
    """The kind's response term from ``sent_on`` (start day not counted, last rest day moved;
    without a holiday calendar for the end, the plain calendar date)."""
    days = CollaborationRequest.RESPONSE_DAYS[kind]
    try:
        return deadlines.statutory_period_end(sent_on, days=days)
    except deadlines.CalendarUnavailable:
        return sent_on + dt.timedelta(days=days)


def _require(actor: User, perm: str, obj: Any) -> None:
    if not actor.has_perm(perm, obj):
        raise PermissionDenied(
            _("You are not allowed to do this on this collaboration request."), code="forbidden"
        )


def _lock(request: CollaborationRequest, expected_version: int | None) -> CollaborationRequest:
    locked = (
        CollaborationRequest.objects.select_for_update(of=("self",))
        .select_related("from_organization", "to_organization")
        .get(pk=request.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(
            _("This request was changed by someone else. Reload the page and try again."),
            code="conflict",
        )
    return locked


def _check_status(request: CollaborationRequest, *allowed: str) -> None:
    if request.status not in allowed:
        raise DomainError(
            _('A request that is "%(status)s" cannot do this.')
            % {"status": request.get_status_display()},
            code="invalid_transition",
        )


def _save(request: CollaborationRequest, actor: User, fields: list[str]) -> None:
    request.version += 1
    request._history_user = actor
    request.save(update_fields=[*fields, "version", "updated_at"])


def _notify(request: CollaborationRequest, actor: User, verb: str, organization: Organization):
    """Tell the acting staff of ``organization`` (the other side), after the commit."""
    recipients = (
        Membership.objects.filter(
            organization=organization, is_active=True, role__in=selectors.ACTING_ROLES
        )
        .exclude(user=actor)
        .select_related("user")
    )
    with translation.override(settings.LANGUAGE_CODE):
        title = _("%(subject)s: %(event)s") % {
            "subject": request.subject,
            "event": VERB_LABELS[verb],
        }
    users = [m.user for m in recipients]
    transaction.on_commit(
        lambda: notifications.notify(
            users, verb=verb, title=title, url=request.get_absolute_url(), email=True
        )
    )


VERB_LABELS = {
    "collaboration.sent": _("new collaboration request"),
    "collaboration.accepted": _("accepted"),
    "collaboration.declined": _("declined"),
    "collaboration.completed": _("completed"),
    "collaboration.cancelled": _("cancelled"),
    "collaboration.replied": _("new reply"),
}


@transaction.atomic
def collaboration_send(
    *,
    actor: User,
    from_organization: Organization,
    to_organization: Organization,
    kind: str,
    subject: str,
    body: str = "",
    due_on: dt.date | None = None,
) -> CollaborationRequest:
    """A member bureau asks another for protection collaboration."""
    sent_on = _today()
    request = CollaborationRequest(
        from_organization=from_organization,
        to_organization=to_organization,
        kind=kind,
        subject=subject.strip(),
        body=body.strip(),
        sent_on=sent_on,
        created_by=actor,
    )
    _require(actor, "alliance.add_collaborationrequest", request)
    members = selectors.member_organizations()
    errors: dict[str, str] = {}
    if not members.filter(pk=from_organization.pk).exists():
        errors["from_organization"] = _("Only alliance members send collaboration requests.")
    if from_organization.pk == to_organization.pk:
        errors["to_organization"] = _("A request cannot go to your own organisation.")
    elif not members.filter(pk=to_organization.pk).exists():
        errors["to_organization"] = _("%(org)s is not an alliance member.") % {
            "org": to_organization.name
        }
    if kind in CollaborationRequest.RESPONSE_DAYS:
        request.due_on = due_on or response_due_on(kind, sent_on)
        if due_on is not None and due_on < sent_on:
            errors["due_on"] = _("The due date cannot be in the past.")
    if errors:
        raise ValidationError(errors)
    request.full_clean(exclude=["created_by"])
    request._history_user = actor
    request.save()
    _notify(request, actor, "collaboration.sent", to_organization)
    return request


@transaction.atomic
def collaboration_accept(
    *, actor: User, request: CollaborationRequest, expected_version: int | None = None
) -> CollaborationRequest:
    request = _lock(request, expected_version)
    _require(actor, "alliance.answer_collaborationrequest", request)
    _check_status(request, Status.OPEN)
    request.status, request.accepted_on = Status.ACCEPTED, _today()
    _save(request, actor, ["status", "accepted_on"])
    _notify(request, actor, "collaboration.accepted", request.from_organization)
    return request


def _close(
    request: CollaborationRequest,
    actor: User,
    status: str,
    note: str,
    *,
    need_note: bool,
) -> CollaborationRequest:
    note = (note or "").strip()
    if need_note and not note:
        raise ValidationError({"note": _("Give a reason.")}, code="reason_required")
    request.status, request.closed_on, request.closing_note = status, _today(), note
    _save(request, actor, ["status", "closed_on", "closing_note"])
    return request


@transaction.atomic
def collaboration_decline(
    *,
    actor: User,
    request: CollaborationRequest,
    note: str,
    expected_version: int | None = None,
) -> CollaborationRequest:
    request = _lock(request, expected_version)
    _require(actor, "alliance.answer_collaborationrequest", request)
    _check_status(request, Status.OPEN)
    request = _close(request, actor, Status.DECLINED, note, need_note=True)
    _notify(request, actor, "collaboration.declined", request.from_organization)
    return request


@transaction.atomic
def collaboration_complete(
    *,
    actor: User,
    request: CollaborationRequest,
    note: str = "",
    expected_version: int | None = None,
) -> CollaborationRequest:
    request = _lock(request, expected_version)
    _require(actor, "alliance.answer_collaborationrequest", request)
    _check_status(request, Status.ACCEPTED)
    request = _close(request, actor, Status.COMPLETED, note, need_note=False)
    _notify(request, actor, "collaboration.completed", request.from_organization)
    return request


@transaction.atomic
def collaboration_cancel(
    *,
    actor: User,
    request: CollaborationRequest,
    note: str,
    expected_version: int | None = None,
) -> CollaborationRequest:
    request = _lock(request, expected_version)
    _require(actor, "alliance.cancel_collaborationrequest", request)
    _check_status(request, Status.OPEN, Status.ACCEPTED)
    request = _close(request, actor, Status.CANCELLED, note, need_note=True)
    _notify(request, actor, "collaboration.cancelled", request.to_organization)
    return request


@transaction.atomic
def collaboration_reply(
    *,
    actor: User,
    request: CollaborationRequest,
    body: str,
    attachment: UploadedFile | None = None,
) -> CollaborationReply:
    """A reply from either side; the side is the actor's organisation in the request."""
    request = _lock(request, None)
    reply = CollaborationReply(request=request, author=actor, body=(body or "").strip())
    _require(actor, "alliance.add_collaborationreply", reply)
    acting = selectors.organization_ids_of(actor, roles=selectors.ACTING_ROLES)
    side = (
        request.from_organization
        if request.from_organization_id in acting
        else request.to_organization
    )
    reply.organization = side
    if attachment is not None:
        reply.attachment = attachment
    reply.full_clean(exclude=["author"])
    reply.save()
    other = (
        request.to_organization
        if side.pk == request.from_organization_id
        else request.from_organization
    )
    _notify(request, actor, "collaboration.replied", other)
    return reply
