"""Uploads: streamed to a temporary file, hashed and size-limited while they arrive, and
checked before anything is stored.

``HashingUploadHandler`` (the only entry of ``FILE_UPLOAD_HANDLERS``) writes every uploaded
file to ``FILE_UPLOAD_TEMP_DIR`` in Django's 64 KiB chunks, computing its SHA-256 (and SM3
when ``EVIDENCE_SM3`` is on) on the way, so evidence never needs a second read. Each view may
declare its limit (``upload_limit_setting``, the name of a setting; see :func:`upload_limit`);
over the limit the upload stops at once, the partial file is deleted, and
``UploadLimitMiddleware`` answers 413 with the limit in the message whatever the view would
have done. A ``Content-Length`` already over the limit is refused before the body is read.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import PurePath
from typing import Any

import puremagic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# Room for the form fields and multipart boundaries around the file itself.
MULTIPART_OVERHEAD = 64 * 1024


def upload_limit(setting_name: str) -> Callable:
    """Decorator for a view function or class: its uploads may be as large as the setting
    ``setting_name`` says (read per request, so tests and deployments can change it)."""

    def decorate(view: Any) -> Any:
        view.upload_limit_setting = setting_name
        return view

    return decorate


def limit_for(request: HttpRequest) -> int:
    """The per-file byte limit for this request's view (``UPLOAD_DEFAULT_MAX_BYTES`` unless
    the view declares another)."""
    match = getattr(request, "resolver_match", None)
    func = match.func if match else None
    for candidate in (func, getattr(func, "cls", None), getattr(func, "view_class", None)):
        name = getattr(candidate, "upload_limit_setting", None)
        if name:
            return int(getattr(settings, name))
    return int(settings.UPLOAD_DEFAULT_MAX_BYTES)


class HashingUploadHandler(TemporaryFileUploadHandler):
    """Stream each file to a temporary file, hash it on the way, stop at the limit.

    The resulting ``TemporaryUploadedFile`` carries ``sha256`` (and ``sm3`` or ``""``) of
    exactly the bytes received. Keeps Django's 64 KiB chunks: larger chunks measured twice as
    slow (shared EVIDENCE.md §3.3).
    """

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.limit = limit_for(self.request) if self.request is not None else None
        if self.limit is not None and content_length > self.limit + MULTIPART_OVERHEAD:
            self._refuse()
            # Claim the input as parsed (empty) so Django never reads the oversized body.
            return QueryDict(encoding=encoding), MultiValueDict()
        return None

    def new_file(self, *args, **kwargs) -> None:
        os.makedirs(settings.FILE_UPLOAD_TEMP_DIR, exist_ok=True)
        super().new_file(*args, **kwargs)
        self._sha256 = hashlib.sha256()
        self._sm3 = hashlib.new("sm3") if settings.EVIDENCE_SM3 else None

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        if self.limit is not None and start + len(raw_data) > self.limit:
            self._refuse()
            raise StopUpload(connection_reset=True)
        self._sha256.update(raw_data)
        if self._sm3 is not None:
            self._sm3.update(raw_data)
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size: int) -> UploadedFile:
        uploaded = super().file_complete(file_size)
        uploaded.sha256 = self._sha256.hexdigest()
        uploaded.sm3 = self._sm3.hexdigest() if self._sm3 is not None else ""
        return uploaded

    def _refuse(self) -> None:
        if self.request is not None:
            self.request.upload_refused_limit = self.limit


def too_large_message(limit: int) -> str:
    return gettext("The file is larger than the limit of %(limit)s; nothing was stored.") % {
        "limit": filesizeformat(limit)
    }


def refused_upload_response(request: HttpRequest) -> HttpResponse | None:
    """The 413 answer when this request's upload was stopped at its limit, else None.

    A view that would act on the other fields of the same request (a text deposit sent with an
    oversized file) asks first, so nothing is kept; the middleware answers for all others."""
    limit = getattr(request, "upload_refused_limit", None)
    if limit is None:
        return None
    message = too_large_message(limit)
    if request.path.startswith("/api/"):
        return JsonResponse({"file": [message], "limit_bytes": limit}, status=413)
    return render(request, "413.html", {"message": message}, status=413)


class UploadLimitMiddleware:
    """Answer 413 when an upload was stopped at its limit, before the view runs.

    A multipart POST is parsed here, once the view (and so its limit) is known, so no view
    ever acts on the other fields of a request whose file was refused (an agreement saved
    without its oversized scan, a reply without its attachment). Uploads parsed later (PUT,
    PATCH, which Django does not parse) are still answered 413 whatever the view said."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 413:
            return response
        return refused_upload_response(request) or response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if request.method != "POST" or not request.content_type.startswith("multipart/"):
            return None
        try:
            request.FILES  # noqa: B018 — parse now, with the handlers and the view's limit
        except MultiPartParserError:
            return None  # malformed: left to the view, which answers 400 as before
        return refused_upload_response(request)


# What the first bytes of an allowed document must be, by extension.
MAGIC_BYTES: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
}


def check_document(upload: UploadedFile) -> None:
    """Refuse a file that is too large (``settings.AGREEMENT_DOCUMENT_MAX_BYTES``), has an
    extension outside ``settings.AGREEMENT_DOCUMENT_EXTENSIONS`` or whose content does not
    start like its extension says (a renamed file). Settings are read on every call."""
    max_bytes = settings.AGREEMENT_DOCUMENT_MAX_BYTES
    allowed = tuple(ext.lower() for ext in settings.AGREEMENT_DOCUMENT_EXTENSIONS)
    extension = PurePath(upload.name or "").suffix.lower()
    if extension not in allowed:
        raise ValidationError(
            _("Files of type “%(ext)s” are not accepted; upload one of: %(allowed)s."),
            code="document_type",
            params={"ext": extension or "?", "allowed": ", ".join(allowed)},
        )
    if upload.size > max_bytes:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s."),
            code="document_too_large",
            params={"size": filesizeformat(upload.size), "limit": filesizeformat(max_bytes)},
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(magic) for magic in MAGIC_BYTES.get(extension, ())):
        raise ValidationError(
            _("The file's content is not a %(ext)s document; upload the scanned original."),
            code="document_content",
            params={"ext": extension.lstrip(".").upper()},
        )


# Extensions whose files start with a reliable signature, and the signatures (by the
# extensions puremagic reports for the first bytes) that satisfy them. A file whose name says
# one of these but whose bytes say otherwise is refused: the declared type lies.
_ZIP = {".zip", ".docx", ".xlsx", ".pptx", ".jar", ".apk", ".odt", ".ods"}
SIGNED_TYPES: dict[str, set[str]] = {
    ".pdf": {".pdf"},
    ".png": {".png"},
    ".jpg": {".jpg", ".jpeg", ".jpe", ".jfif"},
    ".jpeg": {".jpg", ".jpeg", ".jpe", ".jfif"},
    ".gif": {".gif"},
    ".webp": {".webp"},
    ".bmp": {".bmp"},
    ".tif": {".tif", ".tiff"},
    ".tiff": {".tif", ".tiff"},
    ".zip": _ZIP,
    ".docx": _ZIP,
    ".xlsx": _ZIP,
    ".pptx": _ZIP,
    ".mp4": {".mp4", ".m4v", ".m4a", ".mov", ".3gp"},
    ".mov": {".mov", ".mp4", ".qt"},
    ".mp3": {".mp3"},
    ".wav": {".wav"},
    ".7z": {".7z"},
    ".gz": {".gz", ".tgz"},
}
_PROGRAMS = {".exe", ".dll", ".elf", ".so", ".com", ".msi"}


def _sniff(head: bytes) -> set[str]:
    try:
        return {match.extension.lower() for match in puremagic.magic_string(head)}
    except puremagic.PureError:
        return set()


def content_mismatch(upload: UploadedFile, name: str) -> str | None:
    """Why the file's bytes contradict its name, or None. Reads only the first 8 KiB."""
    extension = PurePath(name).suffix.lower()
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    found = _sniff(head)
    label = extension.lstrip(".").upper() or "?"
    if extension in SIGNED_TYPES and not (found & SIGNED_TYPES[extension]):
        return gettext(
            "The file's content is not a %(type)s file although its name says so; "
            "choose the original file."
        ) % {"type": label}
    if found & _PROGRAMS and extension not in _PROGRAMS:
        return gettext("The file is a program, not a %(type)s file.") % {"type": label}
    if extension == ".har" and not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"[")):
        return gettext("The file is not a HAR network log (JSON).")
    if extension in (".mhtml", ".mht") and b"mime-version" not in head[:4096].lower():
        return gettext("The file is not a saved web page (MHTML).")
    return None


def safe_display_name(name: str) -> str:
    """The user's file name, for display only (content is stored under its hash). Refuses
    names that carry a path, control characters or nothing at all."""
    if not name or not name.strip() or name.strip() in {".", ".."}:
        raise ValidationError(_("The file has no name."), code="file_name")
    if "/" in name or "\\" in name or any(not ch.isprintable() for ch in name):
        raise ValidationError(
            _("The file name contains a path or control characters; rename the file."),
            code="file_name",
        )
    if len(name) > 255:
        raise ValidationError(_("The file name is longer than 255 characters."), code="file_name")
    return name.strip()
