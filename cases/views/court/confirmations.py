"""Preparing a judicial confirmation and its page: materials and the court's decisions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.forms import BaseForm
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from cases import routing, selectors, services
from cases.forms.court import (
    ConfirmationAcceptForm,
    ConfirmationDecideForm,
    ConfirmationFileForm,
    ConfirmationPrepareForm,
    ConfirmationUpdateForm,
    MaterialUploadForm,
    ReasonForm,
    VersionForm,
)
from cases.models import (
    CaseAssignment,
    ConfirmationMaterial,
    CourtReferral,
    JudicialConfirmation,
)
from cases.views.court.common import (
    CStatus,
    _attachment,
    _optional_url,
    _status_of,
    annotate_confirmation_clocks,
)
from cases.views.intake import add_errors
from zhangzhou_ip.core.uploads import upload_limit

# --- preparing a confirmation ---------------------------------------------------------------


class ConfirmationCreateView(View):
    """Prepare an application for a settled case: the competent courts (DOMAIN §1.3) with the
    reason for each and the remote flag, the joint application and the basis."""

    template_name = "cases/court/confirmation_form.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.case = get_object_or_404(
            selectors.case_visible_to(request.user, few=True).select_related(
                "handling_organization__region__parent", "agreement"
            ),
            pk=kwargs["pk"],
        )
        if not request.user.has_perm(
            "cases.add_judicialconfirmation", JudicialConfirmation(case=self.case)
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def proposals(self) -> list[dict[str, Any]]:
        return [
            {
                "court": p.court,
                "reason": p.reason,
                "remote": routing.is_remote(p.court, self.case),
            }
            for p in routing.competent_courts(self.case)
        ]

    def _render(self, form: ConfirmationPrepareForm, status: int = 200) -> HttpResponse:
        agreement = getattr(self.case, "agreement", None)
        selected = str(form["court"].value() or "")
        context = {
            "case": self.case,
            "form": form,
            "proposals": self.proposals(),
            "selected_court": selected,
            "agreement": agreement,
            "window_closes_on": services.window_closes_on(agreement)
            if agreement is not None and agreement.effective_on
            else None,
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._render(ConfirmationPrepareForm(case=self.case))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = ConfirmationPrepareForm(request.POST, case=self.case)
        if not form.is_valid():
            return self._render(form, status=400)
        try:
            confirmation = services.confirmation_prepare(
                actor=request.user, case=self.case, **form.service_kwargs()
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self._render(form, status=_status_of(exc))
        messages.success(
            request,
            _("The application to %(court)s was prepared: upload the materials, then file it.")
            % {"court": confirmation.court.name},
        )
        return redirect(confirmation.get_absolute_url())


# --- the confirmation page --------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    form_class: type[BaseForm]
    service: Callable[..., JudicialConfirmation | CourtReferral]
    perm: str
    label: Any
    style: str = "primary"


CONFIRMATION_ACTIONS: dict[str, Action] = {
    # The handling side prepares, files and withdraws …
    "update": Action(
        ConfirmationUpdateForm,
        services.confirmation_update,
        "cases.change_judicialconfirmation",
        gettext_lazy("Record the joint application"),
        "outline-primary",
    ),
    "file": Action(
        ConfirmationFileForm,
        services.confirmation_file,
        "cases.file_judicialconfirmation",
        gettext_lazy("File with the court"),
    ),
    "withdraw": Action(
        ReasonForm,
        services.confirmation_withdraw,
        "cases.change_judicialconfirmation",
        gettext_lazy("Withdraw the application"),
        "outline-secondary",
    ),
    # … the court (or the handling side copying the court's paper) records its decisions.
    "accept": Action(
        ConfirmationAcceptForm,
        services.confirmation_accept,
        "cases.decide_judicialconfirmation",
        gettext_lazy("Record acceptance"),
    ),
    "extend": Action(
        VersionForm,
        services.confirmation_extend,
        "cases.decide_judicialconfirmation",
        gettext_lazy("Extend the decision term by 10 days"),
        "outline-primary",
    ),
    "decide": Action(
        ConfirmationDecideForm,
        services.confirmation_decide,
        "cases.decide_judicialconfirmation",
        gettext_lazy("Record the ruling"),
    ),
    "not_accept": Action(
        ReasonForm,
        services.confirmation_not_accept,
        "cases.decide_judicialconfirmation",
        gettext_lazy("Record non-acceptance"),
        "outline-danger",
    ),
}

# Which state each action starts from (the services enforce it; this only hides buttons).
CONFIRMATION_ACTION_STATES: dict[str, tuple[str, ...]] = {
    "update": (CStatus.PREPARED,),
    "file": (CStatus.PREPARED,),
    "withdraw": tuple(JudicialConfirmation.OPEN_STATUSES),
    "accept": (CStatus.FILED,),
    "not_accept": (CStatus.FILED,),
    "extend": (CStatus.ACCEPTED,),
    "decide": (CStatus.ACCEPTED,),
}


def available_confirmation_actions(user, confirmation: JudicialConfirmation) -> list[str]:
    """The actions the user may take on the confirmation now."""
    names = []
    for name, action in CONFIRMATION_ACTIONS.items():
        if confirmation.status not in CONFIRMATION_ACTION_STATES[name]:
            continue
        if name == "extend" and confirmation.is_extended:
            continue
        if user.has_perm(action.perm, confirmation):
            names.append(name)
    return names


def _confirmation_form(name: str, confirmation: JudicialConfirmation, data=None, files=None):
    initial: dict[str, Any] = {"version": confirmation.version}
    if name == "update":
        initial.update(
            joint_application=confirmation.joint_application,
            joint_application_note=confirmation.joint_application_note,
        )
    return CONFIRMATION_ACTIONS[name].form_class(data, files, initial=initial, prefix=name)


def _visible_confirmation(request: HttpRequest, pk: int) -> JudicialConfirmation:
    queryset = selectors.confirmation_visible_to(request.user).select_related(
        "case__handling_organization__parent__parent__parent",
        "court__region__parent",
    )
    queryset = queryset.prefetch_related(
        Prefetch(
            "case__assignments",
            queryset=CaseAssignment.objects.filter(unassigned_at__isnull=True),
            to_attr="active_assignments",
        ),
        Prefetch(
            "materials",
            queryset=ConfirmationMaterial.objects.order_by("kind", "pk"),
        ),
    )
    return get_object_or_404(queryset, pk=pk)


def _checklist(confirmation: JudicialConfirmation) -> list[dict[str, Any]]:
    """Every kind of DOMAIN §1.4 with the uploaded files; the required ones marked."""
    by_kind: dict[str, list[ConfirmationMaterial]] = {}
    for material in confirmation.materials.all():
        by_kind.setdefault(material.kind, []).append(material)
    required = set(ConfirmationMaterial.REQUIRED)
    return [
        {
            "kind": kind.value,
            "label": kind.label,
            "required": kind in required,
            "files": by_kind.get(kind.value, []),
        }
        for kind in ConfirmationMaterial.Kind
    ]


def render_confirmation(
    request: HttpRequest,
    confirmation: JudicialConfirmation,
    *,
    bound: tuple[str, BaseForm] | None = None,
    material_form: MaterialUploadForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The confirmation page; ``bound`` is the action form that was posted (with its
    errors), shown in place of the blank one."""
    user = request.user
    annotate_confirmation_clocks(confirmation, timezone.localdate())
    names = available_confirmation_actions(user, confirmation)
    if bound is not None and bound[0] not in names:
        names.append(bound[0])
    actions = []
    for name in names:
        form = bound[1] if bound is not None and bound[0] == name else None
        actions.append(
            {
                "name": name,
                "label": CONFIRMATION_ACTIONS[name].label,
                "style": CONFIRMATION_ACTIONS[name].style,
                "form": form or _confirmation_form(name, confirmation),
                "open": form is not None,
            }
        )
    checklist = _checklist(confirmation)
    may_open = selectors.may_open_materials(user, confirmation)
    if not may_open:  # parties see what was filed, not both sides' documents
        for row in checklist:
            row["count"], row["files"] = len(row["files"]), []
    may_upload = confirmation.is_open and user.has_perm(
        "cases.add_confirmationmaterial", ConfirmationMaterial(confirmation=confirmation)
    )
    case = confirmation.case
    context = {
        "c": confirmation,
        "case": case,
        "can_view_case": user.has_perm("cases.view_mediationcase", case),
        "checklist": checklist,
        "missing": [
            row["label"]
            for row in checklist
            if row["required"] and not (row["files"] or row.get("count"))
        ],
        "may_open_materials": may_open,
        "material_form": (material_form or MaterialUploadForm()) if may_upload else None,
        "actions": actions,
        "pdf_url": _optional_url("cases:confirmation-pdf", confirmation.pk),
        "zip_url": _optional_url("cases:confirmation-zip", confirmation.pk) if may_open else "",
    }
    return render(request, "cases/court/confirmation_detail.html", context, status=status)


def confirmation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render_confirmation(request, _visible_confirmation(request, pk))


@upload_limit("AGREEMENT_DOCUMENT_MAX_BYTES")
class ConfirmationActionView(View):
    """POST one of ``CONFIRMATION_ACTIONS`` with the version the user saw; GET goes back to
    the page, where the action's form is."""

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.name = kwargs["action"]
        if self.name not in CONFIRMATION_ACTIONS:
            raise Http404
        self.confirmation = _visible_confirmation(request, kwargs["pk"])
        if not request.user.has_perm(CONFIRMATION_ACTIONS[self.name].perm, self.confirmation):
            raise PermissionDenied(_("You are not allowed to do this on this confirmation."))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        return redirect(f"{self.confirmation.get_absolute_url()}#action-{self.name}")

    def post(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        form = _confirmation_form(self.name, self.confirmation, request.POST, request.FILES)
        if not form.is_valid():
            return render_confirmation(
                request, self.confirmation, bound=(self.name, form), status=400
            )
        try:
            CONFIRMATION_ACTIONS[self.name].service(
                actor=request.user, confirmation=self.confirmation, **form.service_kwargs()
            )
        except ValidationError as exc:
            add_errors(form, exc)
            confirmation = _visible_confirmation(request, pk)  # as it is now
            return render_confirmation(
                request, confirmation, bound=(self.name, form), status=_status_of(exc)
            )
        messages.success(
            request, _("%(action)s: done.") % {"action": CONFIRMATION_ACTIONS[self.name].label}
        )
        return redirect(self.confirmation.get_absolute_url())


@upload_limit("AGREEMENT_DOCUMENT_MAX_BYTES")
class MaterialUploadView(View):
    """Attach a document of the package. The form refuses a file that is too large, of another
    type or whose content does not match its extension before anything is stored."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        confirmation = _visible_confirmation(request, pk)
        return redirect(f"{confirmation.get_absolute_url()}#materials")

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        confirmation = _visible_confirmation(request, pk)
        if not request.user.has_perm(
            "cases.add_confirmationmaterial", ConfirmationMaterial(confirmation=confirmation)
        ):
            raise PermissionDenied(_("You are not allowed to do this on this confirmation."))
        form = MaterialUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return render_confirmation(request, confirmation, material_form=form, status=400)
        try:
            services.confirmation_material_add(
                actor=request.user, confirmation=confirmation, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return render_confirmation(
                request, confirmation, material_form=form, status=_status_of(exc)
            )
        messages.success(
            request,
            _("%(document)s uploaded.")
            % {"document": ConfirmationMaterial.Kind(form.cleaned_data["kind"]).label},
        )
        return redirect(f"{confirmation.get_absolute_url()}#materials")


def material_download(request: HttpRequest, pk: int, material_pk: int) -> FileResponse:
    """A material of a confirmation the user may see, as a download."""
    material = get_object_or_404(
        selectors.material_visible_to(request.user).filter(confirmation=pk), pk=material_pk
    )
    if not material.file:
        raise Http404
    return _attachment(material.file, f"confirmation-{pk}-{material.kind}-{material.pk}")


def ruling_download(request: HttpRequest, pk: int) -> FileResponse:
    """The court's ruling (民事裁定书) of a confirmation the user may see, as a download."""
    confirmation = get_object_or_404(selectors.confirmation_visible_to(request.user), pk=pk)
    if not confirmation.ruling_document:
        raise Http404
    return _attachment(confirmation.ruling_document, f"confirmation-{pk}-ruling")
