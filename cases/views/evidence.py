"""The evidence a case cites: listed on the case page, managed on its own page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from cases import selectors, services
from cases.evidence import cited_records
from cases.models import MediationCase
from evidence.models import EvidenceRecord
from evidence.selectors import evidence_visible_to
from zhangzhou_ip.core.forms import BootstrapFormMixin


def may_cite_evidence(user, case: MediationCase) -> bool:
    """Citing or removing evidence is a change of the case."""
    return user.has_perm("cases.change_mediationcase", case)


def case_evidence_context(user, case: MediationCase) -> dict[str, Any]:
    return {
        "cited_records": list(cited_records(user, case)),
        "can_cite_evidence": may_cite_evidence(user, case),
    }


class CiteForm(BootstrapFormMixin, forms.Form):
    record = forms.CharField(
        label=gettext_lazy("Record number or SHA-256"),
        max_length=64,
        help_text=gettext_lazy("A record you may see, e.g. 益企证〔2024〕第000123号"),
    )

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_record(self) -> EvidenceRecord:
        value = self.cleaned_data["record"].strip()
        record = (
            evidence_visible_to(self.user)
            .filter(Q(number=value) | Q(blob_id=value.lower()))
            .order_by("ledger_index")
            .first()
        )
        if record is None:
            raise ValidationError(
                _("No evidence record you may see has this number or hash."), code="not_found"
            )
        return record


class CaseEvidenceView(View):
    template_name = "cases/case_evidence.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.case = get_object_or_404(
            selectors.case_visible_to(request.user, few=True), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def render_page(self, form: CiteForm | None = None, status: int = 200) -> HttpResponse:
        context = case_evidence_context(self.request.user, self.case)
        if form is None and context["can_cite_evidence"]:
            form = CiteForm(user=self.request.user)
        return render(
            self.request,
            self.template_name,
            {"case": self.case, "form": form, **context},
            status=status,
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.render_page()

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("cases.change_mediationcase", self.case):
            raise PermissionDenied
        form = CiteForm(request.POST, user=request.user)
        if form.is_valid():
            record = form.cleaned_data["record"]
            try:
                services.evidence_link(actor=request.user, case=self.case, record=record)
            except ValidationError as exc:
                form.add_error("record", exc)
            else:
                messages.success(
                    request, _("Record %(number)s is now cited.") % {"number": record.number}
                )
                return redirect("cases:case-evidence", pk=self.case.pk)
        return self.render_page(form, status=400)


class CaseEvidenceUnlinkView(CaseEvidenceView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int, record_pk: int) -> HttpResponse:
        record = get_object_or_404(cited_records(request.user, self.case), pk=record_pk)
        if not request.user.has_perm("cases.change_mediationcase", self.case):
            raise PermissionDenied
        services.evidence_unlink(actor=request.user, case=self.case, record=record)
        messages.success(
            request, _("Record %(number)s is no longer cited.") % {"number": record.number}
        )
        return redirect("cases:case-evidence", pk=self.case.pk)


urlpatterns = [
    path("<int:pk>/evidence/", CaseEvidenceView.as_view(), name="case-evidence"),
    path(
        "<int:pk>/evidence/<int:record_pk>/unlink/",
        CaseEvidenceUnlinkView.as_view(),
        name="case-evidence-unlink",
    ),
]
