"""Protection-action pages (issue 7 part 1): list with filters, totals and exports, detail,
record and edit.

Thin views like the rest of ``cases.views``: rows come from
``cases.protection.protection_action_visible_to`` (an action the user cannot see is a 404, one
they see but may not change a 403), every change goes through ``cases.services`` and its
refusals are shown on the form fields."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet, Sum
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from alliance.models import Organization
from cases import exports, exports_protection, services
from cases.filters_protection import ProtectionActionFilterSet
from cases.forms.protection import ProtectionActionForm
from cases.models import ProtectionAction
from cases.protection import enterprises_for_recording, protection_action_visible_to
from cases.views.cases import _add_errors, _is_conflict
from zhangzhou_ip.core.views import FilteredListView, apply_sort

EXPORT_FORMATS = ("csv", "xlsx")
SORT_FIELDS: dict[str, tuple[str, ...]] = {
    "started": ("started_on",),
    "concluded": ("concluded_on",),
    "title": ("title",),
    "enterprise": ("enterprise__name",),
    "kind": ("kind",),
    "outcome": ("outcome",),
    "recovered": ("amount_recovered",),
}
DEFAULT_SORT = "-started"
TOTALS = ("amount_recovered", "evidence_cost_saved", "alliance_cost_saved")


def _base(user) -> QuerySet[ProtectionAction]:
    return protection_action_visible_to(user).select_related("enterprise", "handled_by", "case")


def _visible_action(request: HttpRequest, pk: int) -> ProtectionAction:
    return get_object_or_404(_base(request.user), pk=pk)


def _filterset(request: HttpRequest) -> ProtectionActionFilterSet:
    return ProtectionActionFilterSet(request.GET, queryset=_base(request.user), request=request)


def totals(queryset: QuerySet[ProtectionAction]) -> dict[str, Any]:
    """Count, enterprises and sums of the filtered rows (one query)."""
    return queryset.order_by().aggregate(
        count=Count("pk"),
        enterprises=Count("enterprise", distinct=True),
        **{name: Sum(name) for name in TOTALS},
    )


class ProtectionListView(FilteredListView):
    """The actions the user may see, filtered by ``ProtectionActionFilterSet``, with the
    totals of the filtered rows (not just of the page)."""

    template_name = "cases/protection/list.html"
    filterset_class = ProtectionActionFilterSet
    sort_fields = SORT_FIELDS
    default_sort = DEFAULT_SORT

    def get_base_queryset(self) -> QuerySet[ProtectionAction]:
        return _base(self.request.user)

    def get_filterset(self):
        filterset = super().get_filterset()
        for widget in filterset.form.fields["started"].widget.widgets:
            widget.input_type = "date"
        return filterset

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        valid = not (self.filterset.is_bound and not self.filterset.is_valid())
        context["totals"] = totals(self.filterset.qs) if valid else None
        context["can_add"] = self.request.user.has_perm("cases.add_protectionaction")
        return context


class ProtectionExportView(View):
    """``?format=csv|xlsx`` plus the list's filters and sort: exactly the list's rows."""

    def get(self, request: HttpRequest) -> HttpResponse:
        fmt = request.GET.get("format", "")
        if fmt not in EXPORT_FORMATS:
            return HttpResponseBadRequest(
                _("Unknown export format. Use format=csv or format=xlsx."),
                content_type="text/plain; charset=utf-8",
            )
        filterset = _filterset(request)
        if not filterset.is_valid():
            problems = "\n".join(
                f"{filterset.form.fields[name].label if name in filterset.form.fields else name}"
                f": {' '.join(str(e) for e in errors)}"
                for name, errors in filterset.form.errors.items()
            )
            return HttpResponseBadRequest(
                _("The filters are not valid:") + "\n" + problems,
                content_type="text/plain; charset=utf-8",
            )
        sort = request.GET.get("sort", "")
        if sort.lstrip("-") not in SORT_FIELDS:
            sort = DEFAULT_SORT
        queryset = apply_sort(filterset.qs, SORT_FIELDS, sort)
        export = exports_protection.ProtectionExport(request.user)
        filename = exports_protection.export_filename(fmt, timezone.localdate())
        if fmt == "csv":
            response = StreamingHttpResponse(
                exports.csv_lines(export, queryset), content_type=exports.CSV_CONTENT_TYPE
            )
        else:
            response = HttpResponse(
                exports_protection.xlsx_bytes(export, queryset),
                content_type=exports.XLSX_CONTENT_TYPE,
            )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class ProtectionDetailView(View):
    template_name = "cases/protection/detail.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        from cases.selectors import case_visible_to
        from evidence.selectors import evidence_visible_to

        action = _visible_action(request, pk)
        user = request.user
        records = (
            evidence_visible_to(user)
            .filter(protection_actions=action)
            .select_related("withdrawal")
            .order_by("deposited_at", "pk")
        )
        hidden = action.evidence.exclude(pk__in=records.values("pk")).count()
        case_visible = (
            action.case_id is not None
            and case_visible_to(user, few=True).filter(pk=action.case_id).exists()
        )
        context = {
            "action": action,
            "records": records,
            "hidden_records": hidden,
            "case_visible": case_visible,
            "can_edit": user.has_perm("cases.change_protectionaction", action),
        }
        return render(request, self.template_name, context)


class _FormView(View):
    template_name = "cases/protection/form.html"
    action: ProtectionAction | None = None

    def render_form(self, form: ProtectionActionForm, status: int = 200) -> HttpResponse:
        context = {"form": form, "action": self.action}
        return render(self.request, self.template_name, context, status=status)


class ProtectionCreateView(_FormView):
    """Record an action. The enterprise decides which records and cases are offered: a GET
    with ``?enterprise=`` (the form's "Show its records and cases" button) narrows them."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.has_perm("cases.add_protectionaction"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def _enterprise(self, data: Any) -> Organization | None:
        value = data.get("enterprise")
        if not value:
            return None
        try:
            return enterprises_for_recording(self.request.user).filter(pk=int(value)).first()
        except (TypeError, ValueError):
            return None

    def get(self, request: HttpRequest) -> HttpResponse:
        enterprise = self._enterprise(request.GET)
        initial = {
            key: request.GET[key]
            for key in ("kind", "title", "counterparty", "started_on", "outcome")
            if request.GET.get(key)
        }
        form = ProtectionActionForm(user=request.user, enterprise=enterprise, initial=initial)
        return self.render_form(form)

    def post(self, request: HttpRequest) -> HttpResponse:
        enterprise = self._enterprise(request.POST)
        form = ProtectionActionForm(request.POST, user=request.user, enterprise=enterprise)
        if not form.is_valid():
            return self.render_form(form)
        try:
            action = services.action_record(
                actor=request.user,
                enterprise=form.cleaned_data["enterprise"],
                **form.service_fields(),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.render_form(form, status=getattr(exc, "http_status", 200))
        messages.success(request, _("The protection action was recorded."))
        return redirect(action.get_absolute_url())


class ProtectionEditView(_FormView):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.action = _visible_action(request, kwargs["pk"])
        if not request.user.has_perm("cases.change_protectionaction", self.action):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.render_form(
            ProtectionActionForm(
                instance=self.action,
                user=request.user,
                initial={"evidence": list(self.action.evidence.values_list("pk", flat=True))},
            )
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = ProtectionActionForm(request.POST, instance=self.action, user=request.user)
        if not form.is_valid():
            return self.render_form(form)
        try:
            services.action_update(
                actor=request.user,
                action=self.action,
                expected_version=form.cleaned_data.get("version"),
                **form.service_fields(),
            )
        except ValidationError as exc:
            if _is_conflict(exc):
                form.add_error(
                    None,
                    _("This protection action was changed by someone else. Reload it and try "
                      "again."),
                )  # fmt: skip
                return self.render_form(form, status=409)
            _add_errors(form, exc)
            return self.render_form(form, status=getattr(exc, "http_status", 200))
        messages.success(request, _("The protection action was saved."))
        return redirect("cases:protection-detail", pk=pk)


urlpatterns = [
    path("protection/", ProtectionListView.as_view(), name="protection-list"),
    path("protection/new/", ProtectionCreateView.as_view(), name="protection-create"),
    path("protection/export/", ProtectionExportView.as_view(), name="protection-export"),
    path("protection/<int:pk>/", ProtectionDetailView.as_view(), name="protection-detail"),
    path("protection/<int:pk>/edit/", ProtectionEditView.as_view(), name="protection-edit"),
]
