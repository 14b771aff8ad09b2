"""Case list, my cases, export, detail, edit, delete, transitions, assignment.

Thin views: every queryset starts from ``cases.selectors`` (out-of-scope cases are 404),
every change goes through ``cases.services`` (which checks the permission again and writes
the timeline); refusals come back as domain errors and are shown on the form."""

from __future__ import annotations

from collections import Counter

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet
from django.forms import BaseForm
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from cases import exports, selectors, services
from cases.choices import TRANSITION_LABELS, PartyRole, Status
from cases.filters import MediationCaseFilterSet, search_ids_at_least
from cases.forms.workflow import AssignForm, CaseEditForm, TransitionForm
from cases.models import (
    CaseAssignment,
    CaseShare,
    MediationCase,
    Party,
)
from cases.rules import transition_perm
from zhangzhou_ip.core.errors import ConflictError
from zhangzhou_ip.core.lookups import AnyOf, IdArray
from zhangzhou_ip.core.pagination import count_groups
from zhangzhou_ip.core.templatetags.people import person_name
from zhangzhou_ip.core.views import (
    ExportMixin,
    ExportTable,
    FilteredListView,
    apply_sort,
    filtered_without,
    is_unfiltered,
)

CONFLICT_MESSAGE_CODE = "conflict"
EXPORT_FORMATS = ("csv", "xlsx")

# Public sort key → ORM fields; shared by the list and its exports.
SORT_FIELDS: dict[str, tuple[str, ...]] = {
    "number": ("number_year", "number_seq", "number"),
    "title": ("title",),
    "status": ("status",),
    "received": ("received_on", "created_at"),
    "dispute_type": ("dispute_type",),
    "claim": ("claim_amount",),
    "organization": ("handling_organization__name",),
}
DEFAULT_SORT = "-received"
#: The status of the status sample's rows that were counted but not read
#: (``CaseListView.status_sample``): only ever seen past the count limit, where no chip
#: shows a number.
UNREAD_STATUS = ""


def _conflict_message() -> str:
    return _("This case was changed by someone else. Reload the page and try again.")


def _is_conflict(exc: ValidationError) -> bool:
    return isinstance(exc, ConflictError) and getattr(exc, "code", None) == CONFLICT_MESSAGE_CODE


def _add_errors(form: BaseForm, exc: ValidationError) -> None:
    """A domain error or a model validation error, as form errors."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _visible_case(request: HttpRequest, pk: int) -> MediationCase:
    return get_object_or_404(selectors.case_visible_to(request.user, few=True), pk=pk)


def _done(request: HttpRequest, url: str) -> HttpResponse:
    """After a successful change: htmx follows ``HX-Redirect``, browsers a redirect."""
    if getattr(request, "htmx", False):
        response = HttpResponse(status=200)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _apply_sort(queryset: QuerySet, sort: str) -> QuerySet:
    if sort.lstrip("-") not in SORT_FIELDS:
        sort = DEFAULT_SORT
    return apply_sort(queryset, SORT_FIELDS, sort)


def _active_assignments() -> QuerySet[CaseAssignment]:
    return (
        CaseAssignment.objects.filter(unassigned_at__isnull=True)
        .select_related("user")
        .order_by("assigned_at", "pk")
    )


# --- list, my cases, export --------------------------------------------------------------


class CaseListView(FilteredListView):
    """All cases the user may see, filtered by ``MediationCaseFilterSet``. The rows of a page
    are fetched with a fixed number of queries (parties and mediators prefetched)."""

    template_name = "cases/case_list.html"
    filterset_class = MediationCaseFilterSet
    sort_fields = SORT_FIELDS
    default_sort = DEFAULT_SORT
    mine = False
    #: the status sample's row ids by status, when it read them (at most ``FEW_ROWS`` rows)
    sample_ids: dict[str, list[int]] | None = None

    def get_base_queryset(self) -> QuerySet[MediationCase]:
        return selectors.case_list(self.request.user, mine=self.mine)

    def get_filterset(self):
        filterset = super().get_filterset()
        for name in ("received", "closed"):
            for widget in filterset.form.fields[name].widget.widgets:
                widget.input_type = "date"
        return filterset

    def get_queryset(self) -> QuerySet[MediationCase]:
        return self.with_row_details(super().get_queryset())

    def with_row_details(self, queryset: QuerySet[MediationCase]) -> QuerySet[MediationCase]:
        """What each row shows beyond the case's own columns, one query each per page."""
        return queryset.prefetch_related(
            Prefetch(
                "parties",
                queryset=Party.objects.filter(role__in=[PartyRole.APPLICANT, PartyRole.RESPONDENT])
                .only("pk", "case_id", "role", "name")
                .order_by("pk"),
                to_attr="main_parties",
            ),
            Prefetch("assignments", queryset=_active_assignments(), to_attr="active_assignments"),
        )

    def rows_by_ids(self, ids: IdArray) -> QuerySet[MediationCase]:
        """A short list's page (``FilteredListView.rows_by_ids``): the status sample read the
        ids of its at most ``FEW_ROWS`` rows. A partner's search for 茶业 matches 189 of the
        cases the partner sees; its page statement walked the list's order index through
        10,864 cases to find 25 (~10 ms); by the ids, ~1 ms."""
        cases = MediationCase.objects.filter(AnyOf(F("pk"), ids))
        return self.with_row_details(
            self.sorted(cases.select_related("handling_organization__region"))
        )

    def status_sample(self) -> list[tuple[str, bool, int]] | None:
        """(status, coordinated, rows) under every filter but the status, over at most
        ``LIST_COUNT_LIMIT + 1`` rows — one query that counts in the database; ``None`` when
        the filters are invalid. It feeds the status chips and, when no status is chosen,
        the row count. When the id arrays this request read already pass the limit
        (``rows_at_least``), no query: one row of ``UNREAD_STATUS``."""
        if not hasattr(self, "_status_sample"):
            at_least = self.rows_at_least()
            if at_least > settings.LIST_COUNT_LIMIT:
                # past the limit the chips show no numbers and the count says "5,000+":
                # the id arrays know that much already (~28 ms for a large bureau's mediator,
                # ~60 ms for an administrator's two-character search)
                self._status_sample = [(UNREAD_STATUS, False, at_least)]
            else:
                self._status_sample = self._read_status_sample()
        return self._status_sample

    def _read_status_sample(self) -> list[tuple[str, bool, int]] | None:
        """The grouped query; on PostgreSQL a sample of at most ``FEW_ROWS`` rows also
        reads their ids (``sample_ids``), so the page can be read by them."""
        queryset = filtered_without(self.filterset, "status")
        if queryset is None:
            return None
        rows = (
            queryset.order_by()
            .annotate(coordinated=self.coordinated_expression())
            .values_list("pk", "status", "coordinated")[: settings.LIST_COUNT_LIMIT + 1]
        )
        sample = count_groups(rows, with_ids=True)
        if sample and sample[0][-1] is not None:
            self.sample_ids = {}
            for status, _coordinated, _n, ids in sample:
                self.sample_ids.setdefault(status, []).extend(ids)
        return [row[:-1] for row in sample]

    def rows_at_least(self) -> int:
        """How many rows the list holds at least under every filter but the status, known
        without a query from the id arrays this request read; 0 when unknown. With no
        filter: the user's visibility arrays (``selectors.visible_at_least``), or for a
        superuser one probe of the case table; with a superuser's search alone: the search's
        array of party and right case ids. "My cases" is narrower than all of them."""
        if self.mine:
            return 0
        if is_unfiltered(self.filterset, "status"):
            if self.request.user.is_superuser:
                return self._every_case_at_least()
            return selectors.visible_at_least(self.request.user)
        if self.request.user.is_superuser and is_unfiltered(self.filterset, "status", "q"):
            return search_ids_at_least(self.filterset.form.cleaned_data["q"])
        return 0

    def _every_case_at_least(self) -> int:
        """A superuser's unfiltered list holds every case, and no id array bounds it: one
        probe for a row past the count limit (``OFFSET limit LIMIT 1`` on the primary key's
        index, ~0.7 ms at 100k cases) instead of a status sample (~8 ms, half of it hashing
        every share for the "coordinated" chip, which shows no number past the limit).
        ``LIST_COUNT_LIMIT + 1`` when there is such a row, else 0 (the sample counts)."""
        limit = settings.LIST_COUNT_LIMIT
        past = self.get_base_queryset().order_by()[limit : limit + 1].exists()
        return limit + 1 if past else 0

    def coordinated_expression(self):
        """Whether a row's case was ever shared (the "coordinated" chip counts these)."""
        return Exists(CaseShare.objects.filter(case=OuterRef("pk")))

    def get_paginator(self, queryset, per_page, *args, **kwargs):
        paginator = super().get_paginator(queryset, per_page, *args, **kwargs)
        sample = self.status_sample()
        if sample is not None:  # no second count: the sample has it
            selected = set(self.request.GET.getlist("status"))
            total = sum(n for *_key, n in sample)
            if not selected:
                paginator.counted_elsewhere(total, self._ids_of(None))
            elif total <= settings.LIST_COUNT_LIMIT:  # every row counted, each by status
                paginator.counted_elsewhere(
                    sum(n for status, _c, n in sample if status in selected),
                    self._ids_of(selected),
                )
        return paginator

    def _ids_of(self, statuses: set[str] | None) -> IdArray | None:
        """The ids the status sample read (``_read_status_sample``) of the rows in
        ``statuses`` (``None``: all of them); ``None`` when it read none."""
        if self.sample_ids is None:
            return None
        return IdArray.of(
            pk
            for status, ids in self.sample_ids.items()
            if statuses is None or status in statuses
            for pk in ids
        )

    def status_counts(self) -> list[tuple[str, str, int | None]]:
        """Rows per status under the other filters, for the status chips, and how many of
        them are coordinated. Over ``LIST_COUNT_LIMIT`` rows the chips show no numbers:
        counting every status exactly cost as much as the whole page at 100k cases."""
        rows = self.status_sample()
        if rows is None:
            return []
        selected = set(self.request.GET.getlist("status"))
        if sum(n for *_key, n in rows) > settings.LIST_COUNT_LIMIT:
            self.coordinated_count = None  # the chip links to the filter without a number
            return [(value, label, None) for value, label in Status.choices]
        counts: Counter[str] = Counter()
        self.coordinated_count = 0
        for status, shared, n in rows:
            counts[status] += n
            if shared and (not selected or status in selected):
                self.coordinated_count += n
        return [(value, label, counts[value]) for value, label in Status.choices if counts[value]]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        separator = _(", ")
        for case in context["object_list"]:
            case.applicant_names = separator.join(
                p.name for p in case.main_parties if p.role == PartyRole.APPLICANT
            )
            case.respondent_names = separator.join(
                p.name for p in case.main_parties if p.role == PartyRole.RESPONDENT
            )
        context["mine"] = self.mine
        context["status_counts"] = self.status_counts()
        context["selected_statuses"] = self.request.GET.getlist("status")
        context["can_add"] = self.request.user.has_perm("cases.add_mediationcase")
        coordinated_count = getattr(self, "coordinated_count", 0)
        if coordinated_count != 0:  # None: more rows than were counted
            params = self.request.GET.copy()
            params.pop("page", None)
            params["coordinated"] = "true"
            context["coordinated_count"] = coordinated_count
            context["coordinated_query"] = "?" + params.urlencode()
        return context


class CaseRowsExportMixin(ExportMixin):
    """``?format=csv|xlsx`` on a list of cases other than the case list ("my cases", "shared
    with us"): exactly that list's rows, in the case list export's columns
    (``cases.exports.CaseExport``, parties by name only)."""

    export_title = gettext_lazy("Cases")

    def export_table(self, queryset: QuerySet[MediationCase]) -> ExportTable:
        export = exports.CaseExport()
        return export.headers, export.rows(queryset)


class MyCaseListView(CaseRowsExportMixin, CaseListView):
    """The cases the user is assigned to as mediator."""

    mine = True
    export_stem = "my-cases"


class CaseExportView(View):
    """``?format=csv|xlsx`` plus the list's filters: exactly the rows the list would show."""

    def get(self, request: HttpRequest) -> HttpResponse:
        fmt = request.GET.get("format", "")
        if fmt not in EXPORT_FORMATS:
            return HttpResponseBadRequest(
                _("Unknown export format. Use format=csv or format=xlsx."),
                content_type="text/plain; charset=utf-8",
            )
        base = selectors.case_list(request.user, mine=request.GET.get("mine") == "1")
        filterset = MediationCaseFilterSet(request.GET, queryset=base, request=request)
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
        queryset = _apply_sort(filterset.qs, request.GET.get("sort", ""))
        export = exports.CaseExport()
        filename = exports.export_filename(fmt, timezone.localdate())
        if fmt == "csv":
            response = StreamingHttpResponse(
                exports.csv_lines(export, queryset), content_type=exports.CSV_CONTENT_TYPE
            )
        else:
            response = HttpResponse(
                exports.xlsx_bytes(export, queryset), content_type=exports.XLSX_CONTENT_TYPE
            )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


# --- edit and delete ---------------------------------------------------------------------


class CaseEditView(View):
    """Edit the non-workflow fields through ``services.case_update``."""

    template_name = "cases/case_form.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.case = _visible_case(request, kwargs["pk"])
        if not request.user.has_perm("cases.change_mediationcase", self.case):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def render_form(self, form: CaseEditForm, status: int = 200) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            {"case": self.case, "form": form, "mode": "edit"},
            status=status,
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.render_form(CaseEditForm(instance=self.case))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = CaseEditForm(request.POST, instance=self.case)
        if not form.is_valid():
            return self.render_form(form)
        try:
            services.case_update(
                actor=request.user,
                case=self.case,
                expected_version=form.cleaned_data["version"],
                **form.service_fields(),
            )
        except ValidationError as exc:
            if _is_conflict(exc):
                form.add_error(None, _conflict_message())
                return self.render_form(form, status=409)
            _add_errors(form, exc)
            return self.render_form(form)
        messages.success(request, _("The case was saved."))
        return redirect(self.case.get_absolute_url())


class CaseDeleteView(View):
    """Discard a draft (``services.case_delete_draft``) after confirmation."""

    template_name = "cases/case_confirm_delete.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.case = _visible_case(request, kwargs["pk"])
        if self.case.status != Status.DRAFT and request.user.has_perm(
            "cases.change_mediationcase", self.case
        ):
            messages.error(request, _("Only drafts can be deleted."))
            return redirect(self.case.get_absolute_url())
        if not request.user.has_perm("cases.delete_mediationcase", self.case):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return render(request, self.template_name, {"case": self.case})

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            services.case_delete_draft(actor=request.user, case=self.case)
        except ValidationError as exc:
            return render(
                request,
                self.template_name,
                {"case": self.case, "error": " ".join(exc.messages)},
                status=getattr(exc, "http_status", 400),
            )
        messages.success(request, _("The draft was deleted."))
        return redirect("cases:case-list")


# --- transitions -------------------------------------------------------------------------


class CaseTransitionView(View):
    """A transition's small form: the fragment for htmx, a full page without JavaScript.
    POST calls the transition's service with the version the user saw."""

    partial_template = "cases/partials/transition_form.html"
    page_template = "cases/case_form.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.name = kwargs["name"]
        if self.name not in services.TRANSITION_SERVICES:
            raise Http404
        self.case = _visible_case(request, kwargs["pk"])
        # Who may start the transition at all is checked first (403); the state and the
        # conditions are explained on the form by the service.
        if not request.user.has_perm(transition_perm(self.name), self.case):
            raise PermissionDenied(_("You are not allowed to do this on this case."))
        return super().dispatch(request, *args, **kwargs)

    def render_form(self, form: TransitionForm, status: int = 200) -> HttpResponse:
        context = {
            "case": self.case,
            "form": form,
            "transition": self.name,
            "transition_label": TRANSITION_LABELS[self.name],
            "mode": "transition",
        }
        template = self.partial_template if self.request.htmx else self.page_template
        return render(self.request, template, context, status=status)

    def get(self, request: HttpRequest, pk: int, name: str) -> HttpResponse:
        form = TransitionForm(transition=self.name, initial={"version": self.case.version})
        return self.render_form(form)

    def post(self, request: HttpRequest, pk: int, name: str) -> HttpResponse:
        form = TransitionForm(request.POST, transition=self.name)
        if not form.is_valid():
            return self.render_form(form)
        service = services.TRANSITION_SERVICES[self.name]
        try:
            service(actor=request.user, case=self.case, **form.service_kwargs())
        except ValidationError as exc:
            if _is_conflict(exc):
                form.add_error(None, _conflict_message())
                return self.render_form(form, status=409)
            _add_errors(form, exc)
            return self.render_form(form)
        messages.success(
            request,
            _("%(transition)s: done.") % {"transition": TRANSITION_LABELS[self.name]},
        )
        return _done(request, self.case.get_absolute_url())


# --- assignment --------------------------------------------------------------------------


class CaseAssignView(View):
    """Assign a mediator of the handling organisation; the form shows each candidate's
    workload and the related-dispute check of the case."""

    partial_template = "cases/partials/assign_form.html"
    page_template = "cases/case_form.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.case = _visible_case(request, kwargs["pk"])
        if not request.user.has_perm("cases.assign_mediationcase", self.case):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def candidates(self) -> QuerySet:
        assigned = selectors.active_mediator_ids(self.case)
        return selectors.mediator_workload(self.case.handling_organization).exclude(pk__in=assigned)

    def render_form(self, form: AssignForm, status: int = 200) -> HttpResponse:
        context = {
            "case": self.case,
            "form": form,
            "related": selectors.related_disputes(self.case, self.request.user),
            "mode": "assign",
        }
        template = self.partial_template if self.request.htmx else self.page_template
        return render(self.request, template, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.render_form(AssignForm(mediators=self.candidates()))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = AssignForm(request.POST, mediators=self.candidates())
        if not form.is_valid():
            return self.render_form(form)
        mediator = form.cleaned_data["mediator"]
        try:
            services.case_assign(actor=request.user, case=self.case, mediator=mediator)
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.render_form(form)
        messages.success(
            request, _("%(name)s was assigned to the case.") % {"name": person_name(mediator)}
        )
        return _done(request, self.case.get_absolute_url())


class CaseUnassignView(View):
    """POST only: end a mediator's assignment (``services.case_unassign``)."""

    def post(self, request: HttpRequest, pk: int, user_pk: int) -> HttpResponse:
        case = _visible_case(request, pk)
        mediator = get_object_or_404(
            get_user_model(),
            pk=user_pk,
            caseassignment__case=case,
            caseassignment__unassigned_at__isnull=True,
        )
        if not request.user.has_perm("cases.assign_mediationcase", case):
            raise PermissionDenied
        try:
            services.case_unassign(actor=request.user, case=case, mediator=mediator)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("%(name)s is no longer assigned to the case.") % {"name": person_name(mediator)},
            )
        return redirect(reverse("cases:case-detail", args=[case.pk]))


urlpatterns = [
    path("", CaseListView.as_view(), name="case-list"),
    path("mine/", MyCaseListView.as_view(), name="my-cases"),
    path("export/", CaseExportView.as_view(), name="case-export"),
    path("<int:pk>/edit/", CaseEditView.as_view(), name="case-edit"),
    path("<int:pk>/delete/", CaseDeleteView.as_view(), name="case-delete"),
    path("<int:pk>/transition/<str:name>/", CaseTransitionView.as_view(), name="case-transition"),
    path("<int:pk>/assign/", CaseAssignView.as_view(), name="case-assign"),
    path("<int:pk>/unassign/<int:user_pk>/", CaseUnassignView.as_view(), name="case-unassign"),
]
