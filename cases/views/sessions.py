"""Sessions (schedule, record, .ics) and the agreement (edit, PDF, signed document).

Visibility comes from the selectors (out of scope → 404); the services check the
permissions and conditions and their refusals are shown on the form."""

from __future__ import annotations

import mimetypes
from pathlib import PurePath

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views import View

from cases import documents, selectors, services
from cases.forms.sessions import AgreementForm, SessionRecordForm, SessionScheduleForm
from cases.models import Agreement, MediationCase, MediationSession
from cases.views.intake import add_errors
from zhangzhou_ip.core.uploads import upload_limit

ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"


def _visible_case(request: HttpRequest, pk: int) -> MediationCase:
    return get_object_or_404(selectors.case_visible_to(request.user, few=True), pk=pk)


def _require(request: HttpRequest, perm: str, obj) -> None:
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied


class SessionCreateView(View):
    template_name = "cases/sessions/session_form.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.case = _visible_case(request, kwargs["pk"])
        _require(request, "cases.add_mediationsession", MediationSession(case=self.case))
        return super().dispatch(request, *args, **kwargs)

    def _render(self, form, status: int = 200) -> HttpResponse:
        context = {"case": self.case, "form": form}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._render(SessionScheduleForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = SessionScheduleForm(request.POST)
        if form.is_valid():
            try:
                services.session_schedule(actor=request.user, case=self.case, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Session scheduled."))
                return redirect("cases:case-detail", pk=self.case.pk)
        return self._render(form, status=400)


class SessionRecordView(View):
    template_name = "cases/sessions/session_record.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.session = get_object_or_404(
            selectors.session_visible_to(request.user),
            pk=kwargs["session_pk"],
            case_id=kwargs["pk"],
        )
        _require(request, "cases.change_mediationsession", self.session)
        return super().dispatch(request, *args, **kwargs)

    def _render(self, form, status: int = 200) -> HttpResponse:
        context = {"case": self.session.case, "session": self.session, "form": form}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, **kwargs) -> HttpResponse:
        return self._render(SessionRecordForm(session=self.session))

    def post(self, request: HttpRequest, **kwargs) -> HttpResponse:
        form = SessionRecordForm(request.POST, session=self.session)
        if form.is_valid():
            try:
                services.session_record(
                    actor=request.user, session=self.session, **form.cleaned_data
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Minutes recorded."))
                return redirect("cases:case-detail", pk=self.session.case_id)
        return self._render(form, status=400)


def session_ics(request: HttpRequest, pk: int, session_pk: int) -> HttpResponse:
    """The session as an iCalendar invitation, for anyone who may see the case."""
    session = get_object_or_404(
        selectors.session_visible_to(request.user).select_related("case__handling_organization"),
        pk=session_pk,
        case_id=pk,
    )
    response = HttpResponse(documents.session_ics(session), content_type=ICS_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="mediation-session-{session.pk}.ics"'
    return response


@upload_limit("AGREEMENT_DOCUMENT_MAX_BYTES")
class AgreementEditView(View):
    """Record or edit the agreement. Only while mediating: the service refuses otherwise and
    its message is shown. An uploaded document is checked by the form before the service
    stores it."""

    template_name = "cases/sessions/agreement_form.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.case = _visible_case(request, kwargs["pk"])
        _require(request, "cases.change_mediationcase", self.case)
        self.agreement = Agreement.objects.filter(case=self.case).first()
        return super().dispatch(request, *args, **kwargs)

    def _render(self, form, status: int = 200) -> HttpResponse:
        context = {"case": self.case, "agreement": self.agreement, "form": form}
        if self.agreement is not None:
            # Characters the PDF font lacks would print as empty boxes: say so before printing.
            unprintable = documents.agreement_unprintable(self.case, self.agreement)
            context["unprintable"] = "".join(sorted(unprintable))
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._render(AgreementForm(case=self.case, agreement=self.agreement))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = AgreementForm(request.POST, request.FILES, case=self.case, agreement=self.agreement)
        if form.is_valid():
            try:
                services.agreement_save(actor=request.user, case=self.case, **form.service_kwargs())
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Agreement saved."))
                return redirect("cases:case-detail", pk=self.case.pk)
        return self._render(form, status=400)


def _visible_agreement(request: HttpRequest, pk: int) -> Agreement:
    case = _visible_case(request, pk)
    if not request.user.has_perm("cases.view_agreement", Agreement(case=case)):
        raise Http404
    return get_object_or_404(Agreement.objects.select_related("case"), case=case)


def agreement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The 调解协议书 generated from the recorded agreement."""
    agreement = _visible_agreement(request, pk)
    case = agreement.case
    data = documents.agreement_pdf(
        case, agreement, show_full_ids=selectors.may_see_full_id_numbers(request.user, case)
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="agreement-{case.pk}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def agreement_document(request: HttpRequest, pk: int) -> FileResponse:
    """The uploaded signed agreement, as a download only (never rendered inline)."""
    agreement = _visible_agreement(request, pk)
    if not agreement.document:
        raise Http404
    extension = PurePath(agreement.document.name).suffix.lower()
    content_type = mimetypes.types_map.get(extension, "application/octet-stream")
    response = FileResponse(
        agreement.document.open("rb"),
        as_attachment=True,
        filename=f"agreement-{agreement.case_id}-signed{extension}",
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns = [
    path("<int:pk>/sessions/new/", SessionCreateView.as_view(), name="session-create"),
    path(
        "<int:pk>/sessions/<int:session_pk>/record/",
        SessionRecordView.as_view(),
        name="session-record",
    ),
    path("<int:pk>/sessions/<int:session_pk>/invite.ics", session_ics, name="session-ics"),
    path("<int:pk>/agreement/", AgreementEditView.as_view(), name="agreement-edit"),
    path("<int:pk>/agreement.pdf", agreement_pdf, name="agreement-pdf"),
    path("<int:pk>/agreement/document/", agreement_document, name="agreement-document"),
]
