"""The ledger's Ed25519 signing key.

Production sets ``EVIDENCE_SIGNING_KEY`` (a ``PRIVATE+KEY+<origin>+<id>+<base64>`` string, from
a secret store) or ``EVIDENCE_SIGNING_KEY_FILE``. In development the first use generates a key
into ``var/`` (mode 0600). The key's name is the log's origin (the first line of every
checkpoint); its public half is published at ``/api/v1/evidence/public-key/``.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from evidence.tlog.note import Signer, Verifier


@functools.lru_cache(maxsize=4)
def _signer_from_string(private_key: str) -> Signer:
    return Signer.from_private_key(private_key.strip())


def _key_from_file(path: Path) -> str:
    if path.exists():
        return path.read_text(encoding="ascii")
    if not settings.EVIDENCE_GENERATE_KEY:
        raise ImproperlyConfigured(
            f"The evidence ledger signing key file {path} does not exist; set "
            "EVIDENCE_SIGNING_KEY or EVIDENCE_SIGNING_KEY_FILE (see docs/deploy.md)."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    private_key = Signer.generate(settings.EVIDENCE_LOG_ORIGIN).private_key
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process generated it first
        return path.read_text(encoding="ascii")
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(private_key + "\n")
    return private_key


def ledger_signer() -> Signer:
    """The signer for checkpoints, from settings (read on every call; parsed once)."""
    private_key = settings.EVIDENCE_SIGNING_KEY or _key_from_file(
        Path(settings.EVIDENCE_SIGNING_KEY_FILE)
    )
    return _signer_from_string(private_key.strip())


def ledger_verifier() -> Verifier:
    return Verifier(ledger_signer().verifier_key)


def public_key() -> str:
    """The verifier key string (``<origin>+<id>+<base64>``) that receipts verify against."""
    return ledger_signer().verifier_key
