"""Retrieval requests (取证): an enterprise asks a service point to collect evidence for it.

Every step runs in one transaction: it locks the request, refuses a stale ``expected_version``
(409), checks the permission (``rules.py``) and the state, bumps the version, writes a
``RetrievalEvent`` with a dotted verb and notifies the other side. Notifications are written in
the same transaction (so a rolled-back step tells nobody) and e-mailed only after the commit.

States: requested → accepted → completed; requested/accepted → declined (by the service point)
or cancelled (by the enterprise). Completing links the evidence records the collection produced;
they must be the enterprise's own records and visible to the service point.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliance.models import Membership, Organization
from evidence.models import EvidenceRecord, RetrievalEvent, RetrievalRequest
from evidence.selectors import evidence_visible_to
from zhangzhou_ip.core import notifications
from zhangzhou_ip.core.errors import ConflictError, DomainError, PermissionDenied

User = AbstractBaseUser
Status = RetrievalRequest.Status
OrgKind = Organization.Kind

VERB_LABELS = {
    "retrieval.requested": gettext_lazy("new retrieval request"),
    "retrieval.accepted": gettext_lazy("accepted"),
    "retrieval.completed": gettext_lazy("completed"),
    "retrieval.declined": gettext_lazy("declined"),
    "retrieval.cancelled": gettext_lazy("cancelled"),
}

HANDLE = "evidence.handle_retrievalrequest"
CANCEL = "evidence.cancel_retrievalrequest"
ADD = "evidence.add_retrievalrequest"


def default_service_point(enterprise: Organization) -> Organization | None:
    """The enterprise's own service point (its parent), if it has an active one."""
    parent = enterprise.parent
    if parent is not None and parent.kind == OrgKind.SERVICE_POINT and parent.is_active:
        return parent
    return None


def is_point_staff(user: User, point: Organization) -> bool:
    """Holds an active membership at the service point (who may be an assignee)."""
    return Membership.objects.filter(
        user=user, organization=point, is_active=True, user__is_active=True
    ).exists()


def point_staff(point: Organization) -> QuerySet:
    """Active users of the service point: the choices for an assignee."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True, memberships__organization=point, memberships__is_active=True
        )
        .distinct()
        .order_by("username")
    )


# --- helpers --------------------------------------------------------------------------------------


def _require(actor: User, perm: str, request: RetrievalRequest, message: str) -> None:
    if not actor.has_perm(perm, request):
        raise PermissionDenied(message, code="forbidden")


def _lock(request: RetrievalRequest, expected_version: int | None) -> RetrievalRequest:
    locked = (
        RetrievalRequest.objects.select_for_update(of=("self",))
        .select_related("enterprise", "service_point")
        .get(pk=request.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(
            _("This request was changed by someone else. Reload the page and try again."),
            code="conflict",
        )
    return locked


def _check_status(request: RetrievalRequest, *allowed: str) -> None:
    if request.status not in allowed:
        raise DomainError(
            _('A retrieval request that is "%(status)s" cannot do this.')
            % {"status": request.get_status_display()},
            code="invalid_transition",
        )


def _save(request: RetrievalRequest, fields: list[str]) -> None:
    request.version += 1
    request.save(update_fields=[*fields, "version", "updated_at"])


def _members(organization: Organization) -> list:
    return [
        m.user
        for m in Membership.objects.filter(organization=organization, is_active=True)
        .select_related("user")
        .order_by("pk")
    ]


def _record(
    request: RetrievalRequest, actor: User, verb: str, note: str, recipients: Iterable
) -> None:
    """The timeline event and the notification of everyone concerned but the actor."""
    RetrievalEvent.objects.create(request=request, verb=verb, actor=actor, note=note)
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Retrieval request %(subject)s: %(event)s") % {
            "subject": request.subject,
            "event": VERB_LABELS[verb],
        }
    users = [user for user in recipients if user.pk != actor.pk]
    notifications.notify(
        users, verb=verb, title=title, body=note, url=request.get_absolute_url(), email=True
    )


def _enterprise_side(request: RetrievalRequest) -> list:
    return [request.requested_by, *_members(request.enterprise)]


def _point_side(request: RetrievalRequest) -> list:
    assignee = [request.assignee] if request.assignee_id else []
    return [*assignee, *_members(request.service_point)]


def _reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field: _("Give a reason.")}, code="reason_required")
    return reason


# --- services -------------------------------------------------------------------------------------


@transaction.atomic
def request_retrieval(
    *,
    actor: User,
    enterprise: Organization,
    service_point: Organization | None,
    kind: str,
    subject: str,
    details: str = "",
    target_url: str = "",
    due_date: dt.date | None = None,
) -> RetrievalRequest:
    """An enterprise's people ask a service point (default: the enterprise's own) to collect
    evidence for their enterprise."""
    request = RetrievalRequest(
        enterprise=enterprise,
        kind=kind,
        subject=(subject or "").strip(),
        details=(details or "").strip(),
        target_url=(target_url or "").strip(),
        due_date=due_date,
        requested_by=actor,
    )
    _require(
        actor,
        ADD,
        request,
        _("Only the people of %(enterprise)s ask for a collection on its behalf.")
        % {"enterprise": enterprise.name},
    )
    errors: dict[str, str] = {}
    if enterprise.kind != OrgKind.ENTERPRISE or not enterprise.is_active:
        errors["enterprise"] = _("%(org)s is not an active enterprise.") % {"org": enterprise.name}
    if service_point is None:
        service_point = default_service_point(enterprise)
        if service_point is None:
            errors["service_point"] = _(
                "%(enterprise)s has no service point of its own; choose one."
            ) % {"enterprise": enterprise.name}
    elif service_point.kind != OrgKind.SERVICE_POINT or not service_point.is_active:
        errors["service_point"] = _("%(org)s is not an active service point.") % {
            "org": service_point.name
        }
    if not request.subject:
        errors["subject"] = _("Say what should be collected.")
    if kind == RetrievalRequest.Kind.WEB_CAPTURE and not request.target_url:
        errors["target_url"] = _("A web capture needs the address of the page to capture.")
    if due_date is not None and due_date < timezone.localdate():
        errors["due_date"] = _("The date wanted cannot be in the past.")
    if errors:
        raise ValidationError(errors)
    request.service_point = service_point
    request.full_clean(exclude=["requested_by", "enterprise", "service_point"])
    request.save()
    _record(request, actor, "retrieval.requested", request.details, _point_side(request))
    return request


@transaction.atomic
def accept(
    *,
    actor: User,
    request: RetrievalRequest,
    assignee: User | None = None,
    expected_version: int | None = None,
) -> RetrievalRequest:
    """The service point takes the request on; the assignee (default: the actor) must be
    staff of that service point."""
    request = _lock(request, expected_version)
    _require(actor, HANDLE, request, _("Only staff of the service point handle this request."))
    _check_status(request, Status.REQUESTED)
    assignee = assignee or actor
    if not is_point_staff(assignee, request.service_point):
        raise ValidationError(
            {
                "assignee": _("%(user)s is not staff of %(point)s; choose someone who is.")
                % {"user": assignee.get_username(), "point": request.service_point.name}
            },
            code="assignee",
        )
    request.status, request.assignee = Status.ACCEPTED, assignee
    _save(request, ["status", "assignee"])
    note = _("Assigned to %(user)s.") % {"user": assignee.get_full_name() or assignee.username}
    _record(
        request,
        actor,
        "retrieval.accepted",
        note,
        [*_enterprise_side(request), assignee],
    )
    return request


@transaction.atomic
def complete(
    *,
    actor: User,
    request: RetrievalRequest,
    records: Iterable[EvidenceRecord],
    outcome: str = "",
    expected_version: int | None = None,
) -> RetrievalRequest:
    """The service point hands over the records the collection produced: the enterprise's
    own records, visible to the actor, not withdrawn; at least one."""
    request = _lock(request, expected_version)
    _require(actor, HANDLE, request, _("Only staff of the service point handle this request."))
    _check_status(request, Status.ACCEPTED)
    records = list(records)
    if not records:
        raise ValidationError(
            {"records": _("Choose at least one evidence record the collection produced.")},
            code="records_required",
        )
    chosen = evidence_visible_to(actor).filter(pk__in=[record.pk for record in records])
    visible = set(chosen.values_list("pk", flat=True))
    problems = []
    for record in records:
        if record.pk not in visible:
            problems.append(_("Record %(pk)s is not among those you may see.") % {"pk": record.pk})
        elif record.depositor_id != request.enterprise_id:
            problems.append(
                _("%(number)s was not deposited for %(enterprise)s.")
                % {"number": record.number, "enterprise": request.enterprise.name}
            )
        elif record.is_withdrawn:
            problems.append(_("%(number)s was withdrawn.") % {"number": record.number})
    if problems:
        raise ValidationError({"records": problems}, code="records")
    request.status, request.outcome = Status.COMPLETED, (outcome or "").strip()
    request.closed_at = timezone.now()
    _save(request, ["status", "outcome", "closed_at"])
    request.records.add(*records)
    numbers = ", ".join(record.number for record in records)
    note = "\n".join(part for part in [request.outcome, numbers] if part)
    _record(request, actor, "retrieval.completed", note, _enterprise_side(request))
    return request


@transaction.atomic
def decline(
    *,
    actor: User,
    request: RetrievalRequest,
    reason: str,
    expected_version: int | None = None,
) -> RetrievalRequest:
    """The service point declines an open request, with a reason."""
    request = _lock(request, expected_version)
    _require(actor, HANDLE, request, _("Only staff of the service point handle this request."))
    _check_status(request, *RetrievalRequest.OPEN_STATUSES)
    reason = _reason(reason)
    request.status, request.outcome, request.closed_at = Status.DECLINED, reason, timezone.now()
    _save(request, ["status", "outcome", "closed_at"])
    _record(request, actor, "retrieval.declined", reason, _enterprise_side(request))
    return request


@transaction.atomic
def cancel(
    *,
    actor: User,
    request: RetrievalRequest,
    reason: str,
    expected_version: int | None = None,
) -> RetrievalRequest:
    """The enterprise withdraws its request while it is still open, with a reason."""
    request = _lock(request, expected_version)
    _require(
        actor,
        CANCEL,
        request,
        _("Only the people of the requesting enterprise cancel this request."),
    )
    _check_status(request, *RetrievalRequest.OPEN_STATUSES)
    reason = _reason(reason)
    request.status, request.outcome, request.closed_at = Status.CANCELLED, reason, timezone.now()
    _save(request, ["status", "outcome", "closed_at"])
    _record(request, actor, "retrieval.cancelled", reason, _point_side(request))
    return request
