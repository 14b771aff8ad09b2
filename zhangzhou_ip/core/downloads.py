"""Prepared downloads: files too big to build inside a request (decision 0019).

A list export with more than ``EXPORT_INLINE_MAX_ROWS`` rows, or a report PDF, is not built
by the request that asks for it. :func:`prepare` records a ``PreparedDownload`` — the owner,
the page's path and query string, the language, the time zone and the site — and enqueues
``core.tasks.build_download``; the browser goes to the file when it is already there (the
immediate backend runs the task at once) and to "My downloads" otherwise.

The task never receives a queryset. :func:`build` runs *the same page again* as its owner:
it resolves the saved path, hands the view a :class:`BackgroundRequest` (the owner as
``request.user``, the saved query string as ``request.GET``) inside the saved language and
time zone, and stores what the view answers. So the file is made by the list's own selector,
FilterSet, sort and columns — whatever the owner may see when the file is built, never more
(a partner city still gets only the cases shared with it); a filter that has become invalid,
or a permission that has been withdrawn, turns into a failed download with the page's own
message. The view knows it is being run in the background (:func:`is_background`) and then
answers with the file instead of preparing it again.

Only the owner ever sees a prepared download — superusers included (``download_visible_to``;
the admin is read-only, for operators). Files live in the default storage under a random
directory, are never served by path, and are deleted with their row when they expire
(:func:`purge_expired`, ``manage.py purge_downloads``).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import tempfile
import zoneinfo
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

import django_filters
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.urls import resolve, reverse
from django.utils import formats, timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_htmx.middleware import HtmxDetails

from zhangzhou_ip.core.models import PreparedDownload

logger = logging.getLogger(__name__)

Status = PreparedDownload.Status
Kind = PreparedDownload.Kind
_FILENAME = re.compile(r'filename="([^"]+)"')
_ERROR_MAX = 2000


class DownloadRefused(Exception):
    """The page refused to build the file (invalid filters, permission withdrawn …): the
    download fails with this message; nothing is wrong with the system."""


# --- reads ------------------------------------------------------------------------------------


def download_visible_to(user) -> QuerySet[PreparedDownload]:
    """A user's own prepared downloads, newest first. Nobody else's — not even for a
    superuser: a file holds what its owner may see."""
    if not getattr(user, "is_authenticated", False):
        return PreparedDownload.objects.none()
    return PreparedDownload.objects.filter(owner=user).order_by("-created_at", "-pk")


def file_visible_to(user) -> QuerySet[PreparedDownload]:
    """The owner's downloads whose file can be fetched now: built and not yet expired."""
    return download_visible_to(user).filter(status=Status.DONE, expires_at__gt=timezone.now())


class PreparedDownloadFilterSet(django_filters.FilterSet):
    """Filters of "My downloads", shared by the page and the API."""

    status = django_filters.ChoiceFilter(choices=Status.choices, label=_("Status"))
    kind = django_filters.ChoiceFilter(choices=Kind.choices, label=_("Kind"))

    class Meta:
        model = PreparedDownload
        fields = ["status", "kind"]


# --- the request side -------------------------------------------------------------------------


def is_background(request: HttpRequest) -> bool:
    """Whether this request is a prepared download being built (see :func:`build`)."""
    return getattr(request, "prepared_download", None) is not None


def too_large_for_request(request: HttpRequest, queryset: QuerySet) -> bool:
    """More than ``EXPORT_INLINE_MAX_ROWS`` rows, counted up to one past the limit (one
    ``SELECT COUNT(*) FROM (… LIMIT n)``). Never when the file is already being built in the
    background, nor for anonymous requests (a prepared download needs an owner)."""
    if is_background(request) or not getattr(request.user, "is_authenticated", False):
        return False
    limit = settings.EXPORT_INLINE_MAX_ROWS
    rows = queryset.order_by().prefetch_related(None).values("pk")[: limit + 1]
    return rows.count() > limit


def count_rows(request: HttpRequest, rows: Iterable[Any]) -> Iterable[Any]:
    """``rows`` unchanged in a normal request; in the background, counted as they are
    written so the download can say how many rows its file holds."""
    if not is_background(request):
        return rows

    def counted() -> Iterator[Any]:
        request.rows_written = 0
        for row in rows:
            request.rows_written += 1
            yield row

    return counted()


@transaction.atomic
def request_download(
    request: HttpRequest, *, kind: str, title: str, file_format: str
) -> PreparedDownload:
    """Record what the owner asked for — the page, its query, language, time zone, site —
    so that the task can ask for it again."""
    query = request.GET.urlencode()
    return PreparedDownload.objects.create(
        owner=request.user,
        kind=kind,
        title=str(title)[:200],
        file_format=file_format,
        source_url=request.path_info + (f"?{query}" if query else ""),
        site=f"{request.scheme}://{request.get_host()}",
        language=translation.get_language() or settings.LANGUAGE_CODE,
        time_zone=timezone.get_current_timezone_name(),
        expires_at=timezone.now() + dt.timedelta(hours=settings.DOWNLOAD_RETENTION_HOURS),
    )


def prepare(request: HttpRequest, *, kind: str, title: str, file_format: str) -> HttpResponse:
    """Record the download, enqueue its task and send the browser on: to the file when it
    is ready (the immediate backend ran the task already), else to "My downloads"."""
    from zhangzhou_ip.core.tasks import build_download

    download = request_download(request, kind=kind, title=title, file_format=file_format)
    result = build_download.enqueue(download.pk)
    PreparedDownload.objects.filter(pk=download.pk).update(task_id=str(result.id)[:64])
    download.refresh_from_db()
    until = formats.date_format(timezone.localtime(download.expires_at), "Y-m-d H:i")
    if download.status == Status.DONE:
        messages.success(
            request,
            gettext(
                "“%(title)s” was prepared as a file (%(rows)s). It stays in My downloads "
                "until %(until)s."
            )
            % {"title": download.title, "rows": rows_label(download), "until": until},
        )
        return HttpResponseRedirect(reverse("downloads:file", args=[download.pk]))
    if download.status == Status.FAILED:
        messages.error(
            request,
            gettext("“%(title)s” could not be prepared: %(error)s")
            % {"title": download.title, "error": download.error},
        )
    else:
        messages.info(
            request,
            gettext(
                "“%(title)s” is too large to build at once and is being prepared. It will "
                "be in My downloads, where it stays until %(until)s."
            )
            % {"title": download.title, "until": until},
        )
    return HttpResponseRedirect(reverse("downloads:list"))


def rows_label(download: PreparedDownload) -> str:
    if download.row_count is None:
        return gettext("a report")
    return translation.ngettext("%(count)s row", "%(count)s rows", download.row_count) % {
        "count": formats.number_format(download.row_count, force_grouping=True)
    }


# --- the background side ----------------------------------------------------------------------


class BackgroundRequest(HttpRequest):
    """The saved request, made again for its owner: a GET of the saved path and query on
    the saved site. No session, cookies or middleware: the view's own checks (login,
    permission, selector, FilterSet) are what decide."""

    def __init__(self, download: PreparedDownload) -> None:
        super().__init__()
        url = urlsplit(download.source_url)
        site = urlsplit(download.site)
        self.method = "GET"
        self.path = self.path_info = url.path
        self.GET = QueryDict(url.query)
        self.META = {
            "REQUEST_METHOD": "GET",
            "QUERY_STRING": url.query,
            "HTTP_HOST": site.netloc,
            "SERVER_NAME": site.hostname or "localhost",
            "SERVER_PORT": str(site.port or (443 if site.scheme == "https" else 80)),
            "REMOTE_ADDR": "127.0.0.1",
        }
        self._background_scheme = site.scheme or "http"
        self.user = download.owner
        self.prepared_download = download
        self.htmx = HtmxDetails(self)

    def _get_scheme(self) -> str:
        return self._background_scheme


def _response_text(response: HttpResponse) -> str:
    if response.streaming:
        return ""
    return response.content.decode("utf-8", errors="replace").strip()[:_ERROR_MAX]


def _run_view(download: PreparedDownload) -> tuple[HttpResponse, BackgroundRequest]:
    request = BackgroundRequest(download)
    match = resolve(request.path_info)
    request.resolver_match = match
    try:
        response = match.func(request, *match.args, **match.kwargs)
    except PermissionDenied as exc:  # the owner may no longer do this
        raise DownloadRefused(str(exc) or gettext("You may no longer see this page.")) from exc
    except Http404 as exc:
        raise DownloadRefused(gettext("The page no longer exists for you.")) from exc
    if hasattr(response, "render") and callable(response.render):
        response = response.render()  # a TemplateResponse (an error page)
    if response.status_code != 200 or "attachment" not in response.get("Content-Disposition", ""):
        raise DownloadRefused(
            _response_text(response)
            or gettext("The page answered %(status)s instead of a file.")
            % {"status": response.status_code}
        )
    return response, request


def _write(response: HttpResponse, target) -> int:
    size = 0
    chunks = response.streaming_content if response.streaming else [response.content]
    for chunk in chunks:
        data = chunk.encode() if isinstance(chunk, str) else bytes(chunk)
        target.write(data)
        size += len(data)
    # Release what the response holds (a streamed file, a generator) without
    # ``response.close()``: that also sends ``request_finished`` as if a request had ended,
    # closing the database connection the task is still using (inside a transaction, its
    # work would be lost) and clearing the request id of a request that builds it at once.
    for closer in getattr(response, "_resource_closers", ()):
        closer()
    return size


def _claim(download_id: int) -> PreparedDownload | None:
    """Mark the download running, unless it is gone or already built (a task run twice
    builds it once)."""
    with transaction.atomic():
        download = (
            PreparedDownload.objects.select_for_update()
            .select_related("owner")
            .filter(pk=download_id)
            .first()
        )
        if download is None or download.status == Status.DONE:
            return download
        download.status = Status.RUNNING
        download.started_at = timezone.now()
        download.error = ""
        download.save(update_fields=["status", "started_at", "error"])
        return download


def _fail(download: PreparedDownload, message: str) -> None:
    download.status = Status.FAILED
    download.error = message[:_ERROR_MAX]
    download.finished_at = timezone.now()
    download.save(update_fields=["status", "error", "finished_at"])


def build(download_id: int) -> dict[str, Any]:
    """Build the file of one prepared download (what ``core.tasks.build_download`` runs).
    Idempotent: a download that is already built is left alone. A refusal by the page
    fails the download with the page's message; any other error fails it and is raised
    again, so the task backend records it too."""
    download = _claim(download_id)
    if download is None:
        return {"download": download_id, "status": "gone"}
    if download.status == Status.DONE:
        return {"download": download.pk, "status": download.status}
    try:
        with (
            translation.override(download.language),
            timezone.override(zoneinfo.ZoneInfo(download.time_zone)),
        ):
            if not download.owner.is_active:
                raise DownloadRefused(gettext("The account that asked for it is not active."))
            response, request = _run_view(download)
            with tempfile.TemporaryFile() as spool:
                size = _write(response, spool)
                spool.seek(0)
                match = _FILENAME.search(response.get("Content-Disposition", ""))
                name = match.group(1) if match else f"{slugify(download.title) or 'download'}"
                download.file.save(name, File(spool, name=name), save=False)
    except DownloadRefused as exc:
        _fail(download, str(exc))
        return {"download": download.pk, "status": download.status, "error": download.error}
    except Exception:
        logger.exception("Prepared download %s failed", download.pk)
        _fail(download, gettext("An error occurred while preparing the file."))
        raise
    download.file_name = name
    download.content_type = response.get("Content-Type", "application/octet-stream")[:100]
    download.size = size
    download.row_count = getattr(request, "rows_written", None)
    download.status = Status.DONE
    download.finished_at = timezone.now()
    download.save(
        update_fields=[
            "file",
            "file_name",
            "content_type",
            "size",
            "row_count",
            "status",
            "finished_at",
        ]
    )
    return {"download": download.pk, "status": download.status, "rows": download.row_count}


def purge_expired(now: dt.datetime | None = None) -> int:
    """Delete expired downloads and their files; return how many. Idempotent: what is gone
    is gone, and a file already missing from storage is no error."""
    now = now or timezone.now()
    purged = 0
    for download in PreparedDownload.objects.filter(expires_at__lte=now).order_by("pk"):
        if download.file:
            download.file.delete(save=False)
        download.delete()
        purged += 1
    return purged
