"""The project's error answers (issue 8 part 10): friendly pages in the reader's language for
400, 403, 404 and 500 (413 comes from ``core.uploads``), and JSON for anything under
``/api/`` — an unknown API URL or a crash answers ``{"detail": ..., "code": ...}`` like every
other API error, never an HTML page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults

API_PREFIX = "/api/"


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def _json(status: int, detail: str, code: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _json(400, _("The request could not be understood."), "bad_request")
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        message = str(exception) if str(exception) else _("You are not allowed to do this.")
        return _json(403, message, "permission_denied")
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _json(404, _("No such resource among those you may see."), "not_found")
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without a request context (the failure may be in a context processor or a
    middleware): ``500.html`` stands alone."""
    if _is_api(request):
        return _json(500, _("Something went wrong on our side; it has been logged."), "error")
    return HttpResponse(loader.get_template("500.html").render(), status=500)
