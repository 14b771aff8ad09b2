"""Checks for uploaded documents (scans of signed agreements, confirmation materials,
collaboration attachments), done before anything is stored."""

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

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
