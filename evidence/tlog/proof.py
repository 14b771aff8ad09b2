"""C2SP tlog-proof receipts: an offline-verifiable proof that a leaf is in the log.

Format (``c2sp.org/tlog-proof@v1``)::

    c2sp.org/tlog-proof@v1
    extra <base64 opaque data>        (optional; here: the leaf input)
    index <0-based leaf index>
    <base64 hash>                     (inclusion proof, leaf's sibling first, one per line)
    ...
    <empty line>
    <signed checkpoint note, verbatim>

The extra data is not authenticated by the format; it is trusted only because its leaf hash
must verify against the signed root. The tree size comes from the signed checkpoint and
never from the proof, since a proof for one size often also "verifies" for another.

Only the standard library and ``cryptography`` (through :mod:`.note`) are used.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field

from .merkle import HASH_SIZE, ProofError, verify_inclusion
from .note import Checkpoint, NoteError, Verifier, open_checkpoint

RECEIPT_HEADER = "c2sp.org/tlog-proof@v1"
MAX_PROOF_HASHES = 64
"""A tree of at most 2**64 leaves never needs more inclusion hashes than this."""

_DECIMAL = re.compile(r"0|[1-9][0-9]*")


class ReceiptError(ValueError):
    """A receipt is malformed or does not verify; the message names the failed check."""


@dataclass
class Receipt:
    """A parsed receipt. ``extra`` is unauthenticated until :func:`verify_receipt` succeeds."""

    index: int
    proof: list[bytes]
    checkpoint_note: str
    extra: bytes | None = field(default=None)

    def text(self) -> str:
        """Return the receipt in its file format."""
        return format_receipt(self.index, self.proof, self.checkpoint_note, self.extra)


def _b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _b64decode(text: str, what: str) -> bytes:
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ReceiptError(f"{what} is not valid base64") from None
    if _b64encode(data) != text:
        raise ReceiptError(f"{what} is not canonical base64")
    return data


def format_receipt(
    index: int, proof: list[bytes], checkpoint_note: str, extra: bytes | None
) -> str:
    """Return a ``.tlog-proof`` receipt for leaf ``index`` under a signed checkpoint."""
    if index < 0:
        raise ReceiptError(f"leaf index {index} must not be negative")
    if len(proof) > MAX_PROOF_HASHES:
        raise ReceiptError(f"an inclusion proof has at most {MAX_PROOF_HASHES} hashes")
    if any(len(h) != HASH_SIZE for h in proof):
        raise ReceiptError(f"every proof hash must be {HASH_SIZE} bytes")
    if not checkpoint_note.endswith("\n"):
        raise ReceiptError("the checkpoint note must end with a newline")
    if extra is not None and not extra:
        raise ReceiptError("extra data must be non-empty when present (omit it instead)")
    lines = [RECEIPT_HEADER]
    if extra is not None:
        lines.append(f"extra {_b64encode(extra)}")
    lines.append(f"index {index}")
    lines.extend(_b64encode(h) for h in proof)
    return "".join(f"{line}\n" for line in lines) + "\n" + checkpoint_note


def parse_receipt(text: str) -> Receipt:
    """Parse a receipt strictly; the checkpoint is kept verbatim for later verification."""
    if not text.startswith(RECEIPT_HEADER + "\n"):
        raise ReceiptError(f"a receipt must start with the line {RECEIPT_HEADER!r}")
    head, sep, checkpoint_note = text.partition("\n\n")
    if not sep:
        raise ReceiptError("the receipt has no empty line before the checkpoint")
    if not checkpoint_note:
        raise ReceiptError("the receipt has no checkpoint after the empty line")
    if not checkpoint_note.endswith("\n"):
        raise ReceiptError("the checkpoint in the receipt must end with a newline")
    lines = head.split("\n")[1:]

    extra = None
    if lines and lines[0].startswith("extra "):
        extra = _b64decode(lines.pop(0)[len("extra ") :], "the extra data")
        if not extra:
            raise ReceiptError("the extra line is present but empty")

    if not lines or not lines[0].startswith("index "):
        raise ReceiptError("the receipt has no 'index <n>' line after the header")
    index_text = lines.pop(0)[len("index ") :]
    if not _DECIMAL.fullmatch(index_text) or int(index_text) >= 2**64:
        raise ReceiptError(f"invalid leaf index {index_text!r}: decimal without leading zeros")

    if len(lines) > MAX_PROOF_HASHES:
        raise ReceiptError(f"the inclusion proof has more than {MAX_PROOF_HASHES} hashes")
    proof = []
    for number, line in enumerate(lines, start=1):
        h = _b64decode(line, f"proof hash #{number}")
        if len(h) != HASH_SIZE:
            raise ReceiptError(f"proof hash #{number} is {len(h)} bytes, expected {HASH_SIZE}")
        proof.append(h)
    return Receipt(int(index_text), proof, checkpoint_note, extra)


def verify_receipt(
    receipt: Receipt, verifier: Verifier, leaf_hash: bytes, origin: str | None = None
) -> Checkpoint:
    """Verify the checkpoint signature, then the inclusion of ``leaf_hash`` under it.

    Size and root are taken from the signed checkpoint only; there is deliberately no way to
    pass a size. Returns the verified checkpoint; raises ReceiptError naming the failed check.
    """
    try:
        checkpoint = open_checkpoint(receipt.checkpoint_note, verifier, origin)
    except NoteError as exc:
        raise ReceiptError(f"checkpoint: {exc}") from exc
    try:
        verify_inclusion(receipt.index, checkpoint.size, leaf_hash, receipt.proof, checkpoint.root)
    except ProofError as exc:
        raise ReceiptError(f"inclusion proof: {exc}") from exc
    return checkpoint
