"""Collaboration pages (issue 5 parts 3 and 5): inbox, outbox, overdue queue, new request,
detail with replies and actions, reply attachments, reciprocity board.

Thin: every list and lookup starts from ``selectors.collaboration_visible_to(user)`` (out of
scope is 404), every change goes through ``alliance.collaboration``. Superusers act for no
side: their inbox, outbox and overdue queue show every request."""

from __future__ import annotations

import mimetypes
from pathlib import PurePath

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import BooleanField, Case, Count, QuerySet, Value, When
from django.forms import BaseForm
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import FormView

from alliance import collaboration, selectors
from alliance.filters_collaboration import CollaborationRequestFilterSet, overdue_q
from alliance.forms_collaboration import (
    ACTIONS,
    CollaborationActionForm,
    CollaborationReplyForm,
    CollaborationRequestForm,
    reply_instance,
    sender_organizations,
)
from alliance.models import CollaborationRequest
from alliance.reciprocity import may_see_reciprocity, reciprocity_board
from zhangzhou_ip.core.errors import ConflictError
from zhangzhou_ip.core.uploads import upload_limit
from zhangzhou_ip.core.views import ExportMixin, FilteredListView

ACTION_SERVICES = {
    "accept": collaboration.collaboration_accept,
    "decline": collaboration.collaboration_decline,
    "complete": collaboration.collaboration_complete,
    "cancel": collaboration.collaboration_cancel,
}

DONE_MESSAGES = {
    "accept": gettext_lazy("The request was accepted."),
    "decline": gettext_lazy("The request was declined."),
    "complete": gettext_lazy("The request was marked completed."),
    "cancel": gettext_lazy("The request was cancelled."),
}


def _add_errors(form: BaseForm, exc: ValidationError) -> None:
    """A service's error as form errors: on the field it names, else on the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _visible_request(request: HttpRequest, pk: int) -> CollaborationRequest:
    return get_object_or_404(selectors.collaboration_visible_to(request.user), pk=pk)


# --- lists --------------------------------------------------------------------------------------


class _RequestListView(ExportMixin, FilteredListView):
    template_name = "alliance/collaboration/request_list.html"
    filterset_class = CollaborationRequestFilterSet
    sort_fields = {
        "subject": ("subject",),
        "from": ("from_organization__name", "-sent_on"),
        "to": ("to_organization__name", "-sent_on"),
        "kind": ("kind", "-sent_on"),
        "status": ("status", "-sent_on"),
        "sent": ("sent_on",),
        "due": ("due_on",),
    }
    default_sort = "-sent"
    box = ""
    title = ""
    empty_message = ""
    export_columns = [
        (gettext_lazy("Subject"), "subject"),
        (gettext_lazy("Kind"), "get_kind_display"),
        (gettext_lazy("Status"), "get_status_display"),
        (gettext_lazy("From"), "from_organization.name"),
        (gettext_lazy("To"), "to_organization.name"),
        (gettext_lazy("Sent on"), "sent_on"),
        (gettext_lazy("Due on"), "due_on"),
        (gettext_lazy("Accepted on"), "accepted_on"),
        (gettext_lazy("Closed on"), "closed_on"),
        (gettext_lazy("Overdue"), "is_overdue"),
        (gettext_lazy("Replies"), "reply_count"),
    ]

    @property
    def export_title(self) -> str:
        return str(self.title)

    def scope(self, queryset: QuerySet[CollaborationRequest]) -> QuerySet[CollaborationRequest]:
        raise NotImplementedError

    def own_organizations(self) -> set[int] | None:
        """The user's organisations, or None for a superuser without any (sees all)."""
        own = selectors.organization_ids_of(self.request.user)
        return None if not own and self.request.user.is_superuser else own

    def get_base_queryset(self) -> QuerySet[CollaborationRequest]:
        visible = self.scope(selectors.collaboration_visible_to(self.request.user))
        return visible.annotate(
            reply_count=Count("replies"),
            is_overdue=Case(
                When(overdue_q(timezone.localdate()), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            box=self.box,
            title=self.title,
            empty_message=self.empty_message,
            can_add=self.request.user.has_perm("alliance.add_collaborationrequest"),
        )
        return context


class InboxView(_RequestListView):
    box = "inbox"
    export_stem = "collaboration-received"
    title = gettext_lazy("Collaboration requests received")
    empty_message = gettext_lazy("No collaboration request was sent to your organisations.")

    def scope(self, queryset):
        own = self.own_organizations()
        return queryset if own is None else queryset.filter(to_organization__in=own)


class OutboxView(_RequestListView):
    box = "outbox"
    export_stem = "collaboration-sent"
    title = gettext_lazy("Collaboration requests sent")
    empty_message = gettext_lazy("Your organisations have not sent any collaboration request.")

    def scope(self, queryset):
        own = self.own_organizations()
        return queryset if own is None else queryset.filter(from_organization__in=own)


class OverdueView(_RequestListView):
    """Open or accepted requests past their due date, both directions, oldest due first."""

    box = "overdue"
    export_stem = "collaboration-overdue"
    title = gettext_lazy("Overdue collaboration requests")
    empty_message = gettext_lazy("No request is overdue.")
    default_sort = "due"

    def scope(self, queryset):
        return queryset.filter(overdue_q(timezone.localdate()))


class AllRequestsView(_RequestListView):
    """Every request the user may see, both directions — the list behind the statistics'
    collaboration figures."""

    box = "all"
    export_stem = "collaboration-requests"
    title = gettext_lazy("All collaboration requests")
    empty_message = gettext_lazy("No collaboration request to show.")

    def scope(self, queryset):
        return queryset


# --- new request --------------------------------------------------------------------------------


class RequestCreateView(FormView):
    template_name = "alliance/collaboration/request_form.html"
    form_class = CollaborationRequestForm

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # Only staff acting for a member bureau send requests (the form offers those bureaus).
        if not request.user.has_perm("alliance.add_collaborationrequest") or not (
            sender_organizations(request.user).exists()
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def get_initial(self):
        initial = {}
        to = self.request.GET.get("to", "")
        if to.isdigit():
            initial["to_organization"] = int(to)
        senders = list(sender_organizations(self.request.user)[:2])
        if len(senders) == 1:
            initial["from_organization"] = senders[0]
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        context["due_dates"] = {kind: due.isoformat() for kind, due in form.due_dates.items()}
        return context

    def form_valid(self, form):
        try:
            created = collaboration.collaboration_send(
                actor=self.request.user, **form.service_kwargs()
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The request was sent."))
        # After the write, the sender must still see it (STYLE rule 8).
        _visible_request(self.request, created.pk)
        return redirect(created.get_absolute_url())


# --- detail, actions, replies -------------------------------------------------------------------


def _available_actions(user, obj: CollaborationRequest) -> list[str]:
    return [
        name
        for name, (perm, statuses, _note) in ACTIONS.items()
        if obj.status in statuses and user.has_perm(perm, obj)
    ]


def _linked_cases(user, obj: CollaborationRequest) -> list[dict]:
    """The cases the request is about, those the user may open (no title of the others)."""
    seen, cases = set(), []
    for share in obj.case_shares.select_related("case"):
        case = share.case
        if case.pk in seen or not user.has_perm("cases.view_mediationcase", case):
            continue
        seen.add(case.pk)
        cases.append(
            {
                "number": case.number,
                "title": case.title,
                "url": reverse("cases:case-detail", args=[case.pk]),
            }
        )
    return cases


def _render_detail(
    request: HttpRequest,
    obj: CollaborationRequest,
    *,
    reply_form: CollaborationReplyForm | None = None,
    action_form: CollaborationActionForm | None = None,
    alerts: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    forms = []
    for name in _available_actions(user, obj):
        if action_form is not None and action_form.action == name:
            forms.append(action_form)
        else:
            forms.append(CollaborationActionForm(action=name, initial={"version": obj.version}))
    can_reply = user.has_perm("alliance.add_collaborationreply", reply_instance(obj))
    context = {
        "object": obj,
        "today": today,
        "days_left": (obj.due_on - today).days if obj.is_active else None,
        "days_overdue": (today - obj.due_on).days if obj.is_active else None,
        "on_time": obj.closed_on <= obj.due_on if obj.closed_on else None,
        "replies": selectors.collaboration_reply_visible_to(user).filter(request=obj),
        "can_reply": can_reply,
        "reply_form": reply_form or (CollaborationReplyForm() if can_reply else None),
        "action_forms": forms,
        "alerts": alerts or [],
        "linked_cases": _linked_cases(user, obj),
        "acting_side": _acting_side(user, obj),
    }
    return render(request, "alliance/collaboration/request_detail.html", context, status=status)


def _acting_side(user, obj: CollaborationRequest) -> str:
    own = selectors.organization_ids_of(user)
    if obj.from_organization_id in own:
        return "sender"
    if obj.to_organization_id in own:
        return "target"
    return ""


@require_GET
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _visible_request(request, pk))


@require_POST
def request_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Accept, decline, complete or cancel, with the version the user saw."""
    if action not in ACTIONS:
        raise Http404
    obj = _visible_request(request, pk)
    if not request.user.has_perm(ACTIONS[action][0], obj):
        raise PermissionDenied
    form = CollaborationActionForm(request.POST, action=action)
    if not form.is_valid():
        return _render_detail(request, obj, action_form=form)
    try:
        ACTION_SERVICES[action](actor=request.user, request=obj, **form.service_kwargs())
    except ConflictError as exc:
        # Show the request as it is now, with fresh forms (the current version).
        obj = _visible_request(request, pk)
        return _render_detail(request, obj, alerts=exc.messages, status=409)
    except ValidationError as exc:
        if action not in _available_actions(request.user, obj):
            return _render_detail(request, obj, alerts=exc.messages)
        _add_errors(form, exc)
        return _render_detail(request, obj, action_form=form)
    messages.success(request, DONE_MESSAGES[action])
    return redirect(obj.get_absolute_url())


@require_POST
@upload_limit("AGREEMENT_DOCUMENT_MAX_BYTES")
def request_reply(request: HttpRequest, pk: int) -> HttpResponse:
    """A reply from either side, with an optional attachment checked before it is stored."""
    obj = _visible_request(request, pk)
    if not request.user.has_perm("alliance.add_collaborationreply", reply_instance(obj)):
        raise PermissionDenied
    form = CollaborationReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            collaboration.collaboration_reply(
                actor=request.user,
                request=obj,
                body=form.cleaned_data["body"],
                attachment=form.cleaned_data["attachment"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Your reply was added."))
            return redirect(obj.get_absolute_url() + "#replies")
    return _render_detail(request, obj, reply_form=form)


@require_GET
def reply_attachment(request: HttpRequest, pk: int, reply_pk: int) -> FileResponse:
    """A reply's attachment, as a download only, for the two sides of the request."""
    reply = get_object_or_404(
        selectors.collaboration_reply_visible_to(request.user), pk=reply_pk, request_id=pk
    )
    if not reply.attachment:
        raise Http404
    extension = PurePath(reply.attachment.name).suffix.lower()
    response = FileResponse(
        reply.attachment.open("rb"),
        as_attachment=True,
        filename=f"collaboration-{pk}-reply-{reply.pk}{extension}",
        content_type=mimetypes.types_map.get(extension, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- reciprocity board --------------------------------------------------------------------------


@require_GET
def reciprocity(request: HttpRequest) -> HttpResponse:
    """Requests between pairs of members in a year (``?year=``, default the current year)."""
    if not may_see_reciprocity(request.user):
        raise PermissionDenied
    current = timezone.localdate().year
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= current + 1 else current
    board = reciprocity_board(request.user, year)
    context = {
        "board": board,
        "year": year,
        "years": sorted({*board.years, year}, reverse=True),
        "chart_data": board.chart_data(),
        "all_pairs": request.user.is_superuser,
    }
    return render(request, "alliance/collaboration/reciprocity.html", context)


urlpatterns = [
    path("collaboration/", InboxView.as_view(), name="collaboration-inbox"),
    path("collaboration/sent/", OutboxView.as_view(), name="collaboration-outbox"),
    path("collaboration/overdue/", OverdueView.as_view(), name="collaboration-overdue"),
    path("collaboration/all/", AllRequestsView.as_view(), name="collaboration-list"),
    path("collaboration/reciprocity/", reciprocity, name="collaboration-reciprocity"),
    path("collaboration/new/", RequestCreateView.as_view(), name="collaboration-create"),
    path("collaboration/<int:pk>/", request_detail, name="collaboration-detail"),
    path("collaboration/<int:pk>/reply/", request_reply, name="collaboration-reply"),
    path(
        "collaboration/<int:pk>/replies/<int:reply_pk>/attachment/",
        reply_attachment,
        name="collaboration-attachment",
    ),
    path("collaboration/<int:pk>/<str:action>/", request_action, name="collaboration-action"),
]
