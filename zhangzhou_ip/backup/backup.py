"""Write a backup archive (``manage.py backup PATH``; layout in ``archive``).

1. Sign a checkpoint over the ledger if it grew (the scheduled ``checkpoint`` job does the
   same, idempotently): the archive's checkpoint then covers every leaf it contains, so a
   restored ledger is held against a *signed* root, not only against the manifest's figures,
   which whoever can edit the archive can recompute.
2. In one read-only snapshot (REPEATABLE READ on PostgreSQL; one read transaction on SQLite)
   dump the rows to a temporary file beside the archive, list the evidence blobs and the
   uploaded files, and take the ledger's size and root.
3. Write the manifest, the rows and the files into ``PATH.partial``, hashing every byte on its
   way in; an evidence blob whose bytes do not hash to its name stops the backup (that is
   damage the audit would report: repair it first). ``PATH.partial`` becomes ``PATH`` only
   when complete.

Memory stays flat: rows stream through the serializer, files through 1 MiB buffers, and the
manifest's file list is written as it is read from the database.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Any

import django
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import Storage
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.utils import timezone

from evidence import keys, ledger
from evidence.models import EvidenceBlob, blob_storage_name
from evidence.services import evidence_storage
from zhangzhou_ip.backup import archive, dump

Progress = Callable[[str], None]
PROGRESS_EVERY = 10_000


@dataclass
class BackupResult:
    path: Path
    archive_bytes: int = 0
    archive_sha256: str = ""
    rows: int = 0
    models: int = 0
    evidence_files: int = 0
    media_files: int = 0
    content_bytes: int = 0
    tree_size: int = 0
    root: str = ""
    checkpoint_size: int | None = None
    missing_media: list[str] = dataclass_field(default_factory=list)
    seconds: float = 0.0


def app_version() -> str:
    try:
        return importlib.metadata.version("zhangzhou-ip")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


@contextmanager
def _snapshot(using: str) -> Iterator[None]:
    connection = connections[using]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def file_fields() -> list[tuple[type[models.Model], models.FileField]]:
    """Every FileField of every backed-up model (the history tables keep names only)."""
    return [
        (model, field)
        for model in dump.dumped_models()
        for field in model._meta.local_concrete_fields
        if isinstance(field, models.FileField)
    ]


def _media_names(using: str) -> dict[str, Storage]:
    """Each file name a row refers to, with the storage of its field (sorted by name)."""
    names: dict[str, Storage] = {}
    for model, field in file_fields():
        values = (
            model._base_manager.using(using)
            .exclude(**{field.attname: ""})
            .exclude(**{f"{field.attname}__isnull": True})
            .values_list(field.attname, flat=True)
            .distinct()
        )
        for name in values.iterator(chunk_size=dump.BATCH):
            names.setdefault(name, field.storage)
    return dict(sorted(names.items()))


def _ledger_summary(using: str) -> dict[str, Any]:
    size = ledger.current_size()
    checkpoint = ledger.latest_checkpoint()
    try:
        public_key = keys.public_key()
    except ImproperlyConfigured:
        public_key = None
    return {
        "tree_size": size,
        "root": ledger.root(size).hex(),
        "public_key": public_key,
        "checkpoint": None
        if checkpoint is None
        else {
            "tree_size": checkpoint.tree_size,
            "root": checkpoint.root_hex,
            "signed_at": checkpoint.created_at.isoformat(),
            "note": checkpoint.note,
        },
    }


def create_backup(
    path: Path | str, *, sign_checkpoint: bool = True, progress: Progress | None = None
) -> BackupResult:
    """Write the archive (see the module docstring). The default database only: the ledger
    functions it calls use it."""
    started = time.perf_counter()
    using = DEFAULT_DB_ALIAS
    path = Path(path)
    archive.check_archive_name(path)
    if path.exists():
        raise archive.ArchiveError(f"{path} already exists; choose another name.")
    if not path.parent.is_dir():
        raise archive.ArchiveError(f"{path.parent} is not a directory.")
    say = progress or (lambda message: None)
    if sign_checkpoint and ledger.current_size() > 0:
        ledger.sign_checkpoint()
    partial = path.with_name(path.name + ".partial")
    try:
        with _snapshot(using), tempfile.TemporaryFile(dir=path.parent, prefix=".backup-") as raw:
            say("Dumping the database …")
            data = archive.HashingWriter(raw)
            counts = dump.dump(data, using=using, progress=say)
            raw.flush()
            media, missing = _hash_media(_media_names(using), say)
            header = _manifest_header(using, counts, missing)

            def blobs() -> Iterator[tuple[str, int]]:
                rows = EvidenceBlob.objects.using(using).order_by("sha256")
                return rows.values_list("sha256", "size").iterator(chunk_size=dump.BATCH)

            with partial.open("wb") as out:
                sink = archive.HashingWriter(out)
                result = _write(sink, path, header, data, raw, media, blobs, say)
                out.flush()
                os.fsync(out.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    result.archive_bytes = sink.size
    result.archive_sha256 = sink.hexdigest()
    result.rows = sum(counts.values())
    result.models = len(counts)
    result.missing_media = missing
    result.tree_size = header["ledger"]["tree_size"]
    result.root = header["ledger"]["root"]
    checkpoint = header["ledger"]["checkpoint"]
    result.checkpoint_size = checkpoint["tree_size"] if checkpoint else None
    result.seconds = time.perf_counter() - started
    return result


def _hash_media(
    names: dict[str, Storage], say: Progress
) -> tuple[dict[str, tuple[Storage, dict[str, Any]]], list[str]]:
    """The manifest entries of the uploaded files (read once here, and again when copied).
    A file a row names but the storage lacks is reported, not fatal: the row was already
    dangling and stays so."""
    if names:
        say(f"Hashing {len(names):,} uploaded files …")
    entries: dict[str, tuple[Storage, dict[str, Any]]] = {}
    missing: list[str] = []
    for name, storage in names.items():
        try:
            with storage.open(name, "rb") as handle:
                sha256, size = archive.hash_stream(handle)
        except FileNotFoundError:
            missing.append(name)
            continue
        entries[name] = (storage, archive.file_entry(sha256, size))
    return entries, missing


def _manifest_header(using: str, counts: dict[str, int], missing: list[str]) -> dict[str, Any]:
    return {
        "format": archive.FORMAT,
        "format_version": archive.FORMAT_VERSION,
        "created_at": timezone.now().isoformat(),
        "app_version": app_version(),
        "django_version": django.get_version(),
        "python_version": platform.python_version(),
        "database_vendor": connections[using].vendor,
        "migrations": dump.migration_state(using),
        "models": counts,
        "excluded_models": sorted(dump.EXCLUDED_MODELS),
        "installed_apps": [config.label for config in apps.get_app_configs()],
        "missing_media": missing,
        "ledger": _ledger_summary(using),
    }


def _write(
    sink: archive.HashingWriter,
    path: Path,
    header: dict[str, Any],
    data: archive.HashingWriter,
    raw: Any,
    media: dict[str, tuple[Storage, dict[str, Any]]],
    blobs: Callable[[], Iterator[tuple[str, int]]],
    say: Progress,
) -> BackupResult:
    now = time.time()

    def files() -> Iterator[tuple[str, dict[str, Any]]]:
        yield archive.DATA, archive.file_entry(data.hexdigest(), data.size)
        for name, (_storage, entry) in media.items():
            yield archive.media_member(name), entry
        for sha256, size in blobs():
            yield (
                archive.evidence_member(blob_storage_name(sha256)),
                archive.file_entry(sha256, size),
            )

    mode = "w:gz" if archive.is_compressed(path) else "w"
    options = {"compresslevel": 6} if mode == "w:gz" else {}
    result = BackupResult(path)
    with tarfile.open(
        fileobj=sink, mode=mode, format=tarfile.PAX_FORMAT, copybufsize=archive.COPY_BUFFER,
        **options,
    ) as tar:  # fmt: skip
        with tempfile.TemporaryFile(dir=path.parent, prefix=".manifest-") as manifest:
            archive.write_manifest(manifest, header, files())
            size = manifest.tell()
            manifest.seek(0)
            archive.add_member(tar, archive.MANIFEST, size, manifest, now)
        raw.seek(0)
        archive.add_member(tar, archive.DATA, data.size, raw, now)
        for name, (storage, entry) in media.items():
            with storage.open(name, "rb") as handle:
                digest = archive.add_member(
                    tar, archive.media_member(name), entry["size"], handle, now
                )
            if digest != entry["sha256"]:
                raise archive.ArchiveError(f"{name}: the file changed during the backup.")
            result.media_files += 1
            result.content_bytes += entry["size"]
        say("Copying the evidence content …")
        storage = evidence_storage()
        for sha256, size in blobs():
            name = blob_storage_name(sha256)
            try:
                with storage.open(name, "rb") as handle:
                    digest = archive.add_member(
                        tar, archive.evidence_member(name), size, handle, now
                    )
            except FileNotFoundError as exc:
                raise archive.ArchiveError(_damaged(sha256, "is missing")) from exc
            except archive.ArchiveError as exc:
                raise archive.ArchiveError(_damaged(sha256, "has the wrong size")) from exc
            if digest != sha256:
                raise archive.ArchiveError(_damaged(sha256, f"hashes to {digest}"))
            result.evidence_files += 1
            result.content_bytes += size
            if result.evidence_files % PROGRESS_EVERY == 0:
                say(f"  {result.evidence_files:,} evidence files")
    return result


def _damaged(sha256: str, what: str) -> str:
    return (
        f"The stored evidence content {sha256} {what}: the store is damaged. Run "
        "'manage.py audit_ledger' to see which records are affected and put the content back "
        "(e.g. from an earlier backup) before backing up."
    )
