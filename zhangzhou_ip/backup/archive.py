"""The archive's layout and the streams that hash what passes through them.

An archive is a POSIX (PAX) tar, optionally gzip-compressed, read and written strictly in
order so that neither side ever holds a file in memory or needs to seek::

    manifest.json                         first: what follows, with sizes and SHA-256
    db/data.jsonl                         every row (``zhangzhou_ip.backup.dump``)
    blobs/media/<name>                    files of the default storage named by a FileField
    blobs/evidence/sha256/ab/cd/<hash>    evidence content, named by its SHA-256

Member names are checked against this layout before anything uses them, so a crafted
archive cannot name a file outside the storages (``../``, absolute paths, links).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

FORMAT = "zhangzhou-ip-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATA = "db/data.jsonl"
MEDIA_PREFIX = "blobs/media/"
EVIDENCE_PREFIX = "blobs/evidence/"
COPY_BUFFER = 1024 * 1024
MAX_MANIFEST_BYTES = 2 * 1024**3
"""A manifest lists every file (≈ 130 bytes each): 2 GiB is far beyond a million blobs."""

_EVIDENCE_NAME = re.compile(r"sha256/([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})")


class ArchiveError(Exception):
    """The archive is not one of ours, is damaged, or does not match its manifest."""


def is_compressed(path: Path) -> bool:
    return path.name.endswith((".tar.gz", ".tgz"))


def check_archive_name(path: Path) -> None:
    if not (is_compressed(path) or path.name.endswith(".tar")):
        raise ArchiveError(f"{path}: the archive's name must end in .tar, .tar.gz or .tgz.")


def media_member(name: str) -> str:
    return MEDIA_PREFIX + name


def evidence_member(storage_name: str) -> str:
    return EVIDENCE_PREFIX + storage_name


def storage_name(member: str) -> tuple[str, str]:
    """``("media" | "evidence", name in that storage)`` for a blob member, or ArchiveError."""
    if member.startswith(EVIDENCE_PREFIX):
        name = member[len(EVIDENCE_PREFIX) :]
        match = _EVIDENCE_NAME.fullmatch(name)
        if match is None or not match[3].startswith(match[1] + match[2]):
            raise ArchiveError(f"{member}: not a content-addressed evidence name.")
        return "evidence", name
    if member.startswith(MEDIA_PREFIX):
        name = member[len(MEDIA_PREFIX) :]
        parts = name.split("/")
        if (
            not name
            or name.startswith("/")
            or "\\" in name
            or any(part in {"", ".", ".."} for part in parts)
        ):
            raise ArchiveError(f"{member}: not a safe relative file name.")
        return "media", name
    raise ArchiveError(f"{member}: not a file this archive format contains.")


class HashingReader(io.RawIOBase):
    """Reads through to ``source`` while computing SHA-256 and counting bytes."""

    def __init__(self, source: IO[bytes]) -> None:
        super().__init__()
        self._source = source
        self._hash = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        # Fill the buffer unless the source ends: tarfile takes a short read for the end.
        view = memoryview(buffer).cast("B")
        count = 0
        while count < len(view):
            data = self._source.read(len(view) - count)
            if not data:
                break
            view[count : count + len(data)] = data
            self._hash.update(data)
            count += len(data)
        self.size += count
        return count

    def hexdigest(self) -> str:
        return self._hash.hexdigest()

    def drain(self) -> None:
        while self.read(COPY_BUFFER):
            pass


class HashingWriter:
    """A binary sink that hashes and counts what is written to ``target``; ``write`` also
    accepts text (UTF-8), which is what the serializer writes line by line."""

    def __init__(self, target: IO[bytes]) -> None:
        self._target = target
        self._hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes | str) -> int:
        if isinstance(data, str):
            data = data.encode("utf-8")
        self._hash.update(data)
        self.size += len(data)
        self._target.write(data)
        return len(data)

    def tell(self) -> int:
        return self.size

    def flush(self) -> None:
        self._target.flush()

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def hash_stream(source: IO[bytes]) -> tuple[str, int]:
    reader = HashingReader(source)
    reader.drain()
    return reader.hexdigest(), reader.size


def file_entry(sha256: str, size: int) -> dict[str, Any]:
    return {"sha256": sha256, "size": size}


def write_manifest(target: IO[bytes], header: dict[str, Any], files: Iterator[tuple[str, dict]]):
    """``header`` as JSON with a ``files`` object streamed from ``files`` (a million entries
    need not be in memory at once)."""
    head = json.dumps(header, ensure_ascii=False, indent=1, sort_keys=False)
    assert head.endswith("\n}")
    target.write(head[: -len("\n}")].encode("utf-8"))
    target.write(b',\n "files": {')
    separator = b"\n  "
    for name, entry in files:
        target.write(separator + json.dumps(name, ensure_ascii=False).encode("utf-8"))
        target.write(b": " + json.dumps(entry, separators=(", ", ": ")).encode("ascii"))
        separator = b",\n  "
    target.write(b"\n }\n}\n")


def add_member(tar: tarfile.TarFile, name: str, size: int, source: IO[bytes], mtime: float) -> str:
    """Copy exactly ``size`` bytes of ``source`` into the archive as ``name``; the SHA-256 of
    what was copied. Raises ArchiveError when the source is shorter or longer than ``size``
    (it changed since it was measured)."""
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(mtime)
    info.mode = 0o644
    reader = HashingReader(source)
    try:
        tar.addfile(info, reader)
    except (tarfile.ReadError, OSError) as exc:
        if "unexpected end of data" not in str(exc):
            raise
        raise ArchiveError(
            f"{name}: shorter than its {size} bytes (it changed meanwhile)."
        ) from exc
    if reader.read(1):
        raise ArchiveError(f"{name}: longer than its {size} bytes (it changed meanwhile).")
    return reader.hexdigest()


@contextmanager
def open_for_reading(path: Path) -> Iterator[tarfile.TarFile]:
    """The archive as a forward-only stream (gzip detected from the content). Tar and gzip
    errors while it is read (a truncated or corrupted file) become ArchiveError; other errors
    of the caller (a full disk) pass unchanged."""
    try:
        tar = tarfile.open(path, "r|*", copybufsize=COPY_BUFFER)  # noqa: SIM115 (closed below)
    except FileNotFoundError as exc:
        raise ArchiveError(f"{path}: no such file.") from exc
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ArchiveError(f"{path}: not a readable tar archive ({exc}).") from exc
    try:
        with tar:
            yield tar
    except (tarfile.TarError, EOFError, zlib.error) as exc:
        raise ArchiveError(f"{path}: the archive is damaged or truncated ({exc}).") from exc


def members(tar: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    """The members after those already read, forgetting each header once passed (tarfile
    keeps every one, which at a million blobs is half a gigabyte)."""
    while (member := tar.next()) is not None:
        tar.members.clear()
        yield member


def read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    """The first member, parsed and checked for the format and the fields restore needs."""
    member = tar.next()
    if member is None or member.name != MANIFEST or not member.isfile():
        raise ArchiveError(f"The archive does not start with {MANIFEST}: not a backup of ours.")
    if member.size > MAX_MANIFEST_BYTES:
        raise ArchiveError(f"{MANIFEST} is implausibly large ({member.size} bytes).")
    handle = tar.extractfile(member)
    assert handle is not None
    try:
        manifest = json.loads(handle.read().decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ArchiveError(f"{MANIFEST} is not valid JSON: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError(f"{MANIFEST} is not a {FORMAT} manifest.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ArchiveError(
            f"This archive has format version {manifest.get('format_version')!r}; this "
            f"version of the application reads version {FORMAT_VERSION}."
        )
    for key, kind in [
        ("files", dict),
        ("models", dict),
        ("migrations", dict),
        ("ledger", dict),
    ]:
        if not isinstance(manifest.get(key), kind):
            raise ArchiveError(f"{MANIFEST} lacks {key!r}.")
    for name, entry in manifest["files"].items():
        if name != DATA:
            storage_name(name)
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("size"), int)
            and isinstance(entry.get("sha256"), str)
        ):
            raise ArchiveError(f"{MANIFEST}: the entry of {name} has no size and SHA-256.")
    if DATA not in manifest["files"]:
        raise ArchiveError(f"{MANIFEST} lists no {DATA}.")
    return manifest
