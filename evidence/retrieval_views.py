"""Retrieval request pages (取证, issue 6 part 7): list, new request, detail with timeline and
records produced, and the four actions.

Thin: every list and lookup starts from ``selectors.retrieval_visible_to(user)`` (out of scope
is 404), an in-scope user who may not act gets 403, and every change goes through
``evidence.retrieval``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from django.views.generic import FormView

from evidence import retrieval
from evidence.filters import RetrievalRequestFilterSet
from evidence.forms_retrieval import (
    ACTION_HELP,
    ACTION_LABELS,
    ACTIONS,
    RetrievalActionForm,
    RetrievalRequestForm,
    requesting_enterprises,
)
from evidence.models import RetrievalRequest
from evidence.selectors import evidence_visible_to, retrieval_visible_to
from zhangzhou_ip.core.errors import ConflictError
from zhangzhou_ip.core.templatetags.people import person_name
from zhangzhou_ip.core.views import ExportMixin, FilteredListView

Status = RetrievalRequest.Status

ACTION_SERVICES = {
    "accept": retrieval.accept,
    "complete": retrieval.complete,
    "decline": retrieval.decline,
    "cancel": retrieval.cancel,
}

DONE_MESSAGES = {
    "accept": gettext_lazy("The request was accepted."),
    "complete": gettext_lazy("The request was completed and its records handed over."),
    "decline": gettext_lazy("The request was declined."),
    "cancel": gettext_lazy("The request was cancelled."),
}


def _add_errors(form: BaseForm, exc: ValidationError) -> None:
    """A service's error as form errors: on the field it names, else on the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _visible(request: HttpRequest, pk: int) -> RetrievalRequest:
    queryset = retrieval_visible_to(request.user).select_related(
        "enterprise", "service_point", "requested_by", "assignee"
    )
    return get_object_or_404(queryset, pk=pk)


def available_actions(user, obj: RetrievalRequest) -> list[str]:
    return [
        name
        for name, (perm, statuses) in ACTIONS.items()
        if obj.status in statuses and user.has_perm(perm, obj)
    ]


# --- list -----------------------------------------------------------------------------------------


class RetrievalListView(ExportMixin, FilteredListView):
    """The requests the user may see; ``?format=csv|xlsx`` exports the filtered rows.

    Unlike the record list's export, this one is not written to any custody log: it holds
    the requests (who asked whom for what, and how far it got) and how many records each
    produced, never a record's number, title, hash or content — nothing of the evidence
    itself is accessed."""

    template_name = "evidence/retrieval_list.html"
    filterset_class = RetrievalRequestFilterSet
    sort_fields = {
        "subject": ("subject",),
        "enterprise": ("enterprise__name", "-created_at"),
        "point": ("service_point__name", "-created_at"),
        "kind": ("kind", "-created_at"),
        "status": ("status", "-created_at"),
        "created": ("created_at",),
        "due": ("due_date",),
    }
    default_sort = "-created"
    export_stem = "retrieval-requests"
    export_title = gettext_lazy("Retrieval requests")
    export_columns = [
        (gettext_lazy("Subject"), "subject"),
        (gettext_lazy("Kind"), "get_kind_display"),
        (gettext_lazy("Status"), "get_status_display"),
        (gettext_lazy("Enterprise"), "enterprise.name"),
        (gettext_lazy("Service point"), "service_point.name"),
        (gettext_lazy("Target URL"), "target_url"),
        (gettext_lazy("Requested on"), lambda r: timezone.localtime(r.created_at).date()),
        (gettext_lazy("Wanted by"), "due_date"),
        (gettext_lazy("Assignee"), lambda r: person_name(r.assignee) if r.assignee else ""),
        (gettext_lazy("Records"), "record_count"),
        (gettext_lazy("Closed at"), "closed_at"),
    ]

    def get_base_queryset(self) -> QuerySet[RetrievalRequest]:
        return (
            retrieval_visible_to(self.request.user)
            .select_related("enterprise", "service_point", "assignee")
            .annotate(record_count=Count("records"))
        )

    def status_counts(self) -> list[dict[str, Any]]:
        """How many visible requests are in each state (one query, all filters ignored)."""
        rows = (
            retrieval_visible_to(self.request.user)
            .order_by()
            .values_list("status")
            .annotate(n=Count("pk"))
        )
        counts = dict(rows)
        return [
            {"value": value, "label": label, "count": counts.get(value, 0)}
            for value, label in Status.choices
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        can_add = user.has_perm(retrieval.ADD) and requesting_enterprises(user).exists()
        context.update(
            status_counts=self.status_counts(),
            can_add=can_add,
            empty_message=(
                _("Your enterprise has not asked for any collection yet.")
                if can_add and not user.is_superuser
                else _("No retrieval request has been made to you yet.")
            ),
        )
        return context


# --- new request ----------------------------------------------------------------------------------


class RetrievalCreateView(FormView):
    template_name = "evidence/retrieval_form.html"
    form_class = RetrievalRequestForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Only an enterprise's people ask (the form offers their enterprises).
        user = request.user
        if not user.has_perm(retrieval.ADD) or not requesting_enterprises(user).exists():
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def get_initial(self) -> dict[str, Any]:
        enterprises = list(requesting_enterprises(self.request.user)[:2])
        return {"enterprise": enterprises[0]} if len(enterprises) == 1 else {}

    def form_valid(self, form: RetrievalRequestForm) -> HttpResponse:
        try:
            created = retrieval.request_retrieval(actor=self.request.user, **form.service_kwargs())
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Your request was sent to the service point."))
        # After the write, the requester must still see it (STYLE rule 8).
        _visible(self.request, created.pk)
        return redirect(created.get_absolute_url())


# --- detail and actions ---------------------------------------------------------------------------


def _render_detail(
    request: HttpRequest, obj: RetrievalRequest, *, alerts: list[str] | None = None
) -> HttpResponse:
    user = request.user
    produced = list(obj.records.order_by("-deposited_at", "-pk"))
    visible_ids = set(
        evidence_visible_to(user)
        .filter(pk__in=[record.pk for record in produced])
        .values_list("pk", flat=True)
    )
    actions = available_actions(user, obj)
    forms = [
        RetrievalActionForm(action=name, request_obj=obj, user=user)
        for name in actions
        if name != "complete"
    ]
    context = {
        "object": obj,
        "events": obj.events.select_related("actor"),
        "records": [record for record in produced if record.pk in visible_ids],
        "hidden_records": len(produced) - len(visible_ids),
        "action_forms": forms,
        "can_complete": "complete" in actions,
        "alerts": alerts or [],
    }
    return render(request, "evidence/retrieval_detail.html", context)


@require_GET
def retrieval_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _visible(request, pk))


def _render_action(
    request: HttpRequest,
    obj: RetrievalRequest,
    action: str,
    form: RetrievalActionForm | None,
    *,
    alerts: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    deposit_url = ""
    if action == "complete" and request.user.has_perm(
        "evidence.add_evidencerecord", obj.enterprise
    ):
        deposit_url = f"{reverse('evidence:deposit')}?depositor={obj.enterprise_id}"
    context = {
        "object": obj,
        "action": action,
        "action_label": ACTION_LABELS[action],
        "action_help": ACTION_HELP[action],
        "form": form,
        "alerts": alerts or [],
        "deposit_url": deposit_url,
    }
    return render(request, "evidence/retrieval_action.html", context, status=status)


@require_http_methods(["GET", "POST"])
def retrieval_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Accept, complete, decline or cancel, with the version the user saw. GET shows the
    action's own page (completing needs room to pick the records)."""
    if action not in ACTIONS:
        raise Http404
    obj = _visible(request, pk)
    user = request.user
    if not user.has_perm(ACTIONS[action][0], obj):
        raise PermissionDenied
    if request.method == "GET":
        if action not in available_actions(user, obj):
            messages.warning(
                request,
                _('A retrieval request that is "%(status)s" cannot do this.')
                % {"status": obj.get_status_display()},
            )
            return redirect(obj.get_absolute_url())
        form = RetrievalActionForm(action=action, request_obj=obj, user=user)
        return _render_action(request, obj, action, form)
    form = RetrievalActionForm(request.POST, action=action, request_obj=obj, user=user)
    if not form.is_valid():
        return _render_action(request, obj, action, form)
    try:
        ACTION_SERVICES[action](actor=user, request=obj, **form.service_kwargs())
    except ConflictError as exc:
        # Show the request as it is now, with a fresh form (the current version).
        obj = _visible(request, pk)
        fresh = None
        if action in available_actions(user, obj):
            fresh = RetrievalActionForm(action=action, request_obj=obj, user=user)
        return _render_action(request, obj, action, fresh, alerts=exc.messages, status=409)
    except ValidationError as exc:
        if action not in available_actions(user, obj):
            return _render_action(request, obj, action, None, alerts=exc.messages)
        _add_errors(form, exc)
        return _render_action(request, obj, action, form)
    messages.success(request, DONE_MESSAGES[action])
    return redirect(obj.get_absolute_url())
