"""C2SP signed notes with Ed25519 (golang.org/x/mod sumdb/note) and tlog checkpoints.

A signed note is text ending in a newline, a blank line, then signature lines
``— <key name> base64(key ID (4 bytes, big-endian) || signature)``. The key ID is the first
four bytes of SHA-256(name || "\\n" || 0x01 || public key). Keys are written as in Go sumdb:

- verifier key ``<name>+<8 hex key ID>+base64(0x01 || 32-byte public key)``;
- signer key ``PRIVATE+KEY+<name>+<8 hex key ID>+base64(0x01 || 32-byte seed)``.

A checkpoint (C2SP tlog-checkpoint) is a note whose text is the log origin, the tree size in
decimal and the base64 root hash, one per line, optionally followed by extension lines.

Using the public formats means checkpoints can be cosigned by standard witnesses and
verified by any note implementation, not only ours. Only the standard library and
``cryptography`` are imported.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALG_ED25519 = 0x01
MAX_SIGNATURES = 16
"""Signature lines accepted per note: the minimum the spec requires verifiers to accept."""

_SIG_PREFIX = "\N{EM DASH} "
_PRIVATE_PREFIX = "PRIVATE+KEY+"
_HEX8 = re.compile(r"[0-9a-f]{8}")
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_MAX_TREE_SIZE = 2**64 - 1


class NoteError(ValueError):
    """A note, key or signature is malformed or does not verify; the message says why."""


class CheckpointError(NoteError):
    """A checkpoint body is malformed or is not for the expected log."""


def _b64decode(text: str, what: str) -> bytes:
    """Decode standard base64, rejecting non-canonical forms so encodings are unique."""
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError(f"{what} is not valid base64") from None
    if base64.b64encode(data).decode("ascii") != text:
        raise NoteError(f"{what} is not canonical base64")
    return data


def _b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _is_valid_name(name: str) -> bool:
    """Key names are non-empty and contain no Unicode space and no '+'."""
    return bool(name) and "+" not in name and not any(ch.isspace() for ch in name)


def _key_id(name: str, public_key: bytes) -> int:
    material = name.encode("utf-8") + b"\n" + bytes([ALG_ED25519]) + public_key
    return int.from_bytes(hashlib.sha256(material).digest()[:4], "big")


def _check_text(text: str, what: str, error: type[NoteError] = NoteError) -> None:
    """Notes are UTF-8 with no ASCII control characters other than newline."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise error(f"{what} is not valid UTF-8") from None
    for ch in text:
        if ch < " " and ch != "\n":
            raise error(f"{what} contains the control character U+{ord(ch):04X}")


def _public_bytes(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


class Signer:
    """An Ed25519 note signer (keep the private key string secret)."""

    def __init__(self, name: str, seed: bytes) -> None:
        if not _is_valid_name(name):
            raise NoteError(f"invalid key name {name!r}: it must be non-empty, without spaces or +")
        if len(seed) != 32:
            raise NoteError("an Ed25519 seed must be 32 bytes")
        self.name = name
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        self._public = _public_bytes(self._key.public_key())
        self.key_id = _key_id(name, self._public)
        self.private_key = (
            f"{_PRIVATE_PREFIX}{name}+{self.key_id:08x}+{_b64encode(bytes([ALG_ED25519]) + seed)}"
        )
        self.verifier_key = (
            f"{name}+{self.key_id:08x}+{_b64encode(bytes([ALG_ED25519]) + self._public)}"
        )

    @classmethod
    def from_private_key(cls, skey: str) -> Signer:
        """Load a ``PRIVATE+KEY+name+id+key`` string, checking that the key ID matches."""
        if not skey.startswith(_PRIVATE_PREFIX):
            raise NoteError("a signer key must start with PRIVATE+KEY+")
        parts = skey[len(_PRIVATE_PREFIX) :].split("+", 2)
        if len(parts) != 3:
            raise NoteError("a signer key must be PRIVATE+KEY+<name>+<key id>+<key>")
        name, hex_id, key64 = parts
        if not _HEX8.fullmatch(hex_id):
            raise NoteError("the signer key ID must be 8 lowercase hex digits")
        key = _b64decode(key64, "the signer key")
        if len(key) != 33 or key[0] != ALG_ED25519:
            raise NoteError("the signer key is not an Ed25519 key (0x01 and a 32-byte seed)")
        signer = cls(name, key[1:])
        if signer.key_id != int(hex_id, 16):
            raise NoteError("the signer key ID does not match its name and key")
        return signer

    @classmethod
    def generate(cls, name: str) -> Signer:
        """Create a signer with a fresh random key."""
        seed = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return cls(name, seed)

    def signature_line(self, text: str) -> str:
        """Return this key's signature line over ``text`` (for adding to an existing note)."""
        _check_note_text(text)
        signature = self._key.sign(text.encode("utf-8"))
        blob = self.key_id.to_bytes(4, "big") + signature
        return f"{_SIG_PREFIX}{self.name} {_b64encode(blob)}\n"

    def sign(self, text: str) -> str:
        """Return the signed note: ``text``, a blank line and this key's signature line."""
        return text + "\n" + self.signature_line(text)


def _check_note_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    _check_text(text, "note text")


class Verifier:
    """An Ed25519 note verifier built from a ``name+id+key`` verifier key string."""

    def __init__(self, vkey: str) -> None:
        parts = vkey.split("+", 2)
        if len(parts) != 3:
            raise NoteError("a verifier key must be <name>+<key id>+<key>")
        name, hex_id, key64 = parts
        if not _is_valid_name(name):
            raise NoteError(f"invalid key name {name!r} in the verifier key")
        if not _HEX8.fullmatch(hex_id):
            raise NoteError("the verifier key ID must be 8 lowercase hex digits")
        key = _b64decode(key64, "the verifier key")
        if len(key) != 33 or key[0] != ALG_ED25519:
            raise NoteError("the verifier key is not an Ed25519 key (0x01 and 32 bytes)")
        if _key_id(name, key[1:]) != int(hex_id, 16):
            raise NoteError("the verifier key ID does not match its name and key")
        self.name = name
        self.key_id = int(hex_id, 16)
        self._key = Ed25519PublicKey.from_public_bytes(key[1:])

    def verify(self, note: str) -> str:
        """Return the note text if a signature by this key verifies; raise NoteError otherwise.

        Signatures by other keys are ignored (they may be witnesses we do not track), but a
        signature that claims to be by this key and fails rejects the whole note.
        """
        _check_text(note, "the note")
        split = note.rfind("\n\n")
        if split < 0:
            raise NoteError("malformed note: no blank line before the signatures")
        text, block = note[: split + 1], note[split + 2 :]
        if not block:
            raise NoteError("malformed note: no signature lines after the blank line")
        if not block.endswith("\n"):
            raise NoteError("malformed note: the signature block must end with a newline")
        lines = block[:-1].split("\n")
        if len(lines) > MAX_SIGNATURES:
            raise NoteError(f"note has {len(lines)} signatures, more than {MAX_SIGNATURES}")
        verified = False
        for number, line in enumerate(lines, start=1):
            if not line.startswith(_SIG_PREFIX):
                raise NoteError(f"malformed note: signature line {number} must start with '— '")
            name, _, sig64 = line[len(_SIG_PREFIX) :].partition(" ")
            if not _is_valid_name(name) or not sig64:
                raise NoteError(f"malformed note: signature line {number} is not '— name sig'")
            blob = _b64decode(sig64, f"signature {number}")
            if len(blob) < 5:
                raise NoteError(f"malformed note: signature {number} is too short")
            if name != self.name or int.from_bytes(blob[:4], "big") != self.key_id:
                continue
            try:
                self._key.verify(blob[4:], text.encode("utf-8"))
            except InvalidSignature:
                raise NoteError(f"bad signature by {self.name} (signature line {number})") from None
            verified = True
        if not verified:
            raise NoteError(f"the note has no signature by the key {self.name}+{self.key_id:08x}")
        return text


@dataclass(frozen=True)
class Checkpoint:
    """A parsed checkpoint: which log, how many leaves, and the root over them."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        """Return the checkpoint note text (what gets signed)."""
        return checkpoint_text(self.origin, self.size, self.root, self.extensions)


def checkpoint_text(
    origin: str, size: int, root: bytes, extensions: tuple[str, ...] | list[str] = ()
) -> str:
    """Return the C2SP checkpoint body for the given tree head."""
    for what, line in [("origin", origin), *(("extension line", e) for e in extensions)]:
        if not line or "\n" in line:
            raise CheckpointError(f"the checkpoint {what} must be one non-empty line")
        _check_text(line, f"the checkpoint {what}", CheckpointError)
    if not 0 <= size <= _MAX_TREE_SIZE:
        raise CheckpointError(f"tree size {size} is out of range")
    if len(root) != 32:
        raise CheckpointError("the root hash must be 32 bytes")
    return "".join(f"{line}\n" for line in (origin, str(size), _b64encode(root), *extensions))


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse a checkpoint body strictly (canonical decimal size, 32-byte base64 root)."""
    if not text.endswith("\n"):
        raise CheckpointError("checkpoint text must end with a newline")
    _check_text(text, "checkpoint text", CheckpointError)
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise CheckpointError("a checkpoint needs origin, tree size and root hash lines")
    if any(not line for line in lines):
        raise CheckpointError("checkpoint lines must not be empty")
    origin, size_text, root_text, *extensions = lines
    if not _DECIMAL.fullmatch(size_text) or int(size_text) > _MAX_TREE_SIZE:
        raise CheckpointError(f"invalid tree size {size_text!r}: decimal without leading zeros")
    try:
        root = _b64decode(root_text, "the root hash")
    except NoteError as exc:
        raise CheckpointError(str(exc)) from None
    if len(root) != 32:
        raise CheckpointError(f"the root hash is {len(root)} bytes, expected 32")
    return Checkpoint(origin, int(size_text), root, tuple(extensions))


def open_checkpoint(note: str, verifier: Verifier, origin: str | None = None) -> Checkpoint:
    """Verify a signed checkpoint, then parse it; check the origin when one is given.

    The signature is checked before parsing so that unauthenticated text is never interpreted.
    """
    checkpoint = parse_checkpoint(verifier.verify(note))
    if origin is not None and checkpoint.origin != origin:
        raise CheckpointError(
            f"checkpoint is for the log {checkpoint.origin!r}, expected {origin!r}"
        )
    return checkpoint
