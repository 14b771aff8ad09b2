"""The application package of a judicial confirmation: the generated 司法确认申请书 (PDF) and a
zip of the uploaded materials with it. Both for anyone who may see the confirmation
(``selectors.confirmation_visible_to``: the handling side, the parties, the court it was sent
to); anything else is 404. Downloads only, never rendered inline."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path

from cases import documents_court, selectors
from cases.models import JudicialConfirmation


def _visible_confirmation(request: HttpRequest, pk: int) -> JudicialConfirmation:
    return get_object_or_404(
        selectors.confirmation_visible_to(request.user).select_related(
            "case__handling_organization", "court", "agreement"
        ),
        pk=pk,
    )


def confirmation_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The 司法确认申请书 generated from the case, its agreement and the uploaded materials."""
    confirmation = _visible_confirmation(request, pk)
    show_full_ids = selectors.may_see_full_id_numbers(request.user, confirmation.case)
    data = documents_court.application_pdf(confirmation, show_full_ids=show_full_ids)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="confirmation-{confirmation.pk}-application.pdf"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def confirmation_zip(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """The uploaded materials (named by position, kind and extension) plus the application."""
    confirmation = _visible_confirmation(request, pk)
    if not selectors.may_open_materials(request.user, confirmation):
        raise Http404  # the package holds both parties' documents: handling side and court
    show_full_ids = selectors.may_see_full_id_numbers(request.user, confirmation.case)
    response = StreamingHttpResponse(
        documents_court.materials_zip_stream(confirmation, show_full_ids=show_full_ids),
        content_type="application/zip",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="confirmation-{confirmation.pk}-materials.zip"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns = [
    path("confirmations/<int:pk>/application.pdf", confirmation_pdf, name="confirmation-pdf"),
    path("confirmations/<int:pk>/materials.zip", confirmation_zip, name="confirmation-zip"),
]
