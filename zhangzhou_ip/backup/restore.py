"""Put a backup archive back (``manage.py restore PATH``) — all of it, or nothing.

Before writing anything:

1. the manifest is read (the archive's first member) and the target is checked: every
   migration applied and the same ones the archive was made with; no rows in any table
   except those ``migrate`` fills itself (``dump.REFERENCE_DATA_MODELS``); the archive's
   checkpoint verifies with this installation's signing key (the key is not in the archive);
2. the whole archive is read once: every member must be listed in the manifest with the same
   size and SHA-256, every listed file must be present, and a file already in a storage under
   the same name must have the same content (it is then skipped; content-addressed evidence
   blobs usually are).

Then, in one database transaction: the reference tables are emptied, the rows inserted, the
files copied (hashed again on the way: the archive may not change between the two reads), the
row counts compared with the manifest, the foreign keys checked, and the ledger audit run over
the restored rows and content. Its tree size and root must equal the manifest's, and the
manifest's signed checkpoint must be among the restored ones (the audit has then checked it
against the rebuilt tree). Any difference rolls the transaction back and deletes the files
this run wrote, so a failed restore leaves the target as it found it.

What this guarantees: damage to any member is refused before writing. A row changed *and*
re-hashed in the manifest loads, but is caught by the audit when it is evidence (its leaf no
longer matches, and the signed checkpoint pins the leaves); other rows are protected only by
the manifest, i.e. against damage, not against someone who rewrites the archive.
"""

from __future__ import annotations

import io
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction

from evidence.audit import audit_ledger
from evidence.keys import ledger_verifier, public_key
from evidence.models import Checkpoint
from evidence.services import evidence_storage
from evidence.tlog.note import NoteError, open_checkpoint
from zhangzhou_ip.backup import archive, dump
from zhangzhou_ip.backup.backup import file_fields

Progress = Callable[[str], None]
MAX_LISTED = 20


class RestoreError(Exception):
    """The archive cannot be restored into this database; the message says why and what to do."""


@dataclass
class RestoreResult:
    rows: int = 0
    models: int = 0
    files_written: int = 0
    files_skipped: int = 0
    content_bytes: int = 0
    tree_size: int = 0
    root: str = ""
    seconds: float = 0.0


def _listing(problems: list[str]) -> str:
    lines = [f"  {problem}" for problem in problems[:MAX_LISTED]]
    if len(problems) > MAX_LISTED:
        lines.append(f"  … and {len(problems) - MAX_LISTED} more")
    return "\n".join(lines)


def _storages() -> dict[str, Storage]:
    media = {field.storage for _model, field in file_fields()}
    if len(media) > 1:
        raise RestoreError("Uploaded files live in more than one storage; restore handles one.")
    return {"media": media.pop() if media else default_storage, "evidence": evidence_storage()}


# --- checks before writing ---------------------------------------------------------------


def check_target(manifest: dict[str, Any], using: str = DEFAULT_DB_ALIAS) -> None:
    """Refuse unless this database can take the archive's rows (see the module docstring)."""
    pending = dump.unapplied_migrations(using)
    if pending:
        raise RestoreError(
            "The database is not fully migrated (pending: "
            f"{', '.join(pending[:5])}{' …' if len(pending) > 5 else ''}). Run "
            "'manage.py migrate' first, then restore."
        )
    _check_migrations(manifest["migrations"], dump.migration_state(using))
    models = {model._meta.label_lower: model for model in dump.dumped_models()}
    unknown = sorted(set(manifest["models"]) - models.keys())
    if unknown:
        raise RestoreError(
            f"The archive has tables this version does not know ({', '.join(unknown[:5])}): "
            f"restore it with the version that made it ({manifest.get('app_version')})."
        )
    occupied = [
        f"{label}: {model._base_manager.using(using).count():,}"
        for label, model in models.items()
        if label not in dump.REFERENCE_DATA_MODELS and model._base_manager.using(using).exists()
    ]
    if occupied:
        raise RestoreError(
            "The database already holds data (rows per table), and restore only fills an "
            "empty one:\n"
            f"{_listing(occupied)}\nRestore into a new database: create it, run "
            "'manage.py migrate', then restore."
        )
    _check_signing_key(manifest["ledger"])


def _check_migrations(archived: dict[str, list[str]], current: dict[str, list[str]]) -> None:
    differences = []
    for app_label in sorted(set(archived) | set(current)):
        made, here = set(archived.get(app_label, [])), set(current.get(app_label, []))
        if made != here:
            latest = sorted(made)[-1] if made else "none"
            differences.append(
                f"{app_label}: the archive was made at {latest}, this database is at "
                f"{sorted(here)[-1] if here else 'none'}"
            )
    if differences:
        raise RestoreError(
            "The archive was made with other database migrations than this database has:\n"
            f"{_listing(differences)}\nRestore with the application version that made the "
            "archive (then upgrade with 'manage.py migrate'), or, when this version knows the "
            "archive's migrations, migrate the empty database back to them first "
            "('manage.py migrate <app> <migration>')."
        )


def _check_signing_key(summary: dict[str, Any]) -> None:
    checkpoint = summary.get("checkpoint")
    if not checkpoint:
        return
    try:
        verifier = ledger_verifier()
    except ImproperlyConfigured as exc:
        raise RestoreError(f"The ledger signing key is not available: {exc}") from exc
    try:
        signed = open_checkpoint(checkpoint["note"], verifier, verifier.name)
    except NoteError as exc:
        raise RestoreError(
            "The archive's ledger checkpoint does not verify with this installation's signing "
            f"key ({exc}). The archive was signed by {summary.get('public_key')!r}, this "
            f"installation has {public_key()!r}. Configure the backed-up installation's "
            "key (EVIDENCE_SIGNING_KEY or EVIDENCE_SIGNING_KEY_FILE) before restoring."
        ) from exc
    if signed.size != checkpoint["tree_size"] or signed.root.hex() != checkpoint["root"]:
        raise RestoreError("The manifest's checkpoint figures differ from its signed note.")
    if signed.size > summary["tree_size"]:
        raise RestoreError("The manifest's checkpoint covers more leaves than its ledger has.")


def verify_archive(
    tar: Any, manifest: dict[str, Any], storages: dict[str, Storage], say: Progress
) -> set[str]:
    """Read every member after the manifest and compare it with the manifest; the names of
    the files the storages already hold with the same content (to skip)."""
    expected: dict[str, dict[str, Any]] = manifest["files"]
    seen: set[str] = set()
    problems: list[str] = []
    skip: set[str] = set()
    for member in archive.members(tar):
        name = member.name
        if name not in expected:
            problems.append(f"{name}: in the archive but not in the manifest")
            continue
        if name in seen:
            problems.append(f"{name}: twice in the archive")
            continue
        seen.add(name)
        if not member.isfile():
            problems.append(f"{name}: not a regular file")
            continue
        handle = tar.extractfile(member)
        sha256, size = archive.hash_stream(handle)
        entry = expected[name]
        if size != entry["size"] or sha256 != entry["sha256"]:
            problems.append(
                f"{name}: {size} bytes with SHA-256 {sha256}, but the manifest says "
                f"{entry['size']} bytes with {entry['sha256']}"
            )
            continue
        if name != archive.DATA:
            kind, storage_name = archive.storage_name(name)
            if kind == "evidence" and sha256 != storage_name.rsplit("/", 1)[1]:
                problems.append(f"{name}: its content does not hash to its name")
            elif _already_stored(storages[kind], storage_name, sha256, problems):
                skip.add(name)
        if len(seen) % 10_000 == 0:
            say(f"  {len(seen):,} of {len(expected):,} files checked")
    problems.extend(
        f"{name}: listed in the manifest but missing from the archive"
        for name in sorted(expected.keys() - seen)
    )
    if problems:
        raise RestoreError(
            "The archive does not match its manifest (damaged or altered); nothing was "
            f"written:\n{_listing(problems)}"
        )
    return skip


def _already_stored(storage: Storage, name: str, sha256: str, problems: list[str]) -> bool:
    if not storage.exists(name):
        return False
    with storage.open(name, "rb") as handle:
        existing, _size = archive.hash_stream(handle)
    if existing != sha256:
        problems.append(
            f"{name}: the storage already holds a different file under this name (SHA-256 "
            f"{existing}); move it away first"
        )
        return False
    return True


# --- writing -------------------------------------------------------------------------------


def restore_backup(
    path: Path | str, *, check_blobs: bool = True, progress: Progress | None = None
) -> RestoreResult:
    started = time.perf_counter()
    path = Path(path)
    say = progress or (lambda message: None)
    storages = _storages()
    with archive.open_for_reading(path) as tar:
        manifest = archive.read_manifest(tar)
        check_target(manifest)
        say(f"Verifying {len(manifest['files']):,} files against the manifest …")
        skip = verify_archive(tar, manifest, storages, say)
    result = RestoreResult()
    written: list[tuple[Storage, str]] = []
    try:
        with transaction.atomic():
            with archive.open_for_reading(path) as tar:
                archive.read_manifest(tar)
                counts = _write(tar, manifest, storages, skip, written, result, say)
            _check_counts(manifest["models"], counts)
            _check_foreign_keys()
            say("Auditing the restored ledger …")
            _check_ledger(manifest["ledger"], check_blobs, say, result)
            dump.reset_sequences(DEFAULT_DB_ALIAS)
    except BaseException:
        for storage, name in written:
            storage.delete(name)
        raise
    from zhangzhou_ip.stats.cache import invalidate

    invalidate()
    result.rows = sum(counts.values())
    result.models = len(manifest["models"])
    result.seconds = time.perf_counter() - started
    return result


def _write(
    tar: Any,
    manifest: dict[str, Any],
    storages: dict[str, Storage],
    skip: set[str],
    written: list[tuple[Storage, str]],
    result: RestoreResult,
    say: Progress,
) -> Counter[str]:
    expected = manifest["files"]
    counts: Counter[str] | None = None
    for member in archive.members(tar):
        entry = expected[member.name]
        reader = archive.HashingReader(tar.extractfile(member))
        if member.name == archive.DATA:
            say(f"Loading {sum(manifest['models'].values()):,} rows …")
            dump.clear_reference_data(DEFAULT_DB_ALIAS)
            lines = io.TextIOWrapper(io.BufferedReader(reader), encoding="utf-8")
            try:
                counts = dump.load(lines, using=DEFAULT_DB_ALIAS, progress=say)
            except (dump.LoadError, IntegrityError) as exc:
                raise RestoreError(f"A row of the archive cannot be loaded: {exc}") from exc
            reader.drain()
            say(f"Copying {len(expected) - 1:,} files …")
        elif member.name in skip:
            result.files_skipped += 1
            reader.drain()
        else:
            kind, name = archive.storage_name(member.name)
            content = File(reader, name=name)
            content.size = member.size
            storage = storages[kind]
            written.append((storage, name))  # so that a half-written file is removed too
            saved = storage.save(name, content)
            if saved != name:  # someone else's file took the name meanwhile: leave it
                written[-1] = (storage, saved)
                raise RestoreError(f"{name}: the storage saved it as {saved} (name taken).")
            result.files_written += 1
            result.content_bytes += member.size
            if result.files_written % 10_000 == 0:
                say(f"  {result.files_written:,} files copied")
        if reader.size != entry["size"] or reader.hexdigest() != entry["sha256"]:
            raise RestoreError(f"{member.name}: the archive changed while it was restored.")
    if counts is None:
        raise RestoreError(f"The archive has no {archive.DATA}.")
    return counts


def _check_counts(expected: dict[str, int], loaded: Counter[str]) -> None:
    problems = []
    for label, count in expected.items():
        actual = apps.get_model(label)._base_manager.count()
        if loaded[label] != count or actual != count:
            problems.append(f"{label}: the manifest says {count}, the database has {actual}")
    if problems:
        raise RestoreError(f"Row counts differ from the manifest:\n{_listing(problems)}")


def _check_foreign_keys() -> None:
    try:
        connections[DEFAULT_DB_ALIAS].check_constraints()
    except IntegrityError as exc:
        raise RestoreError(f"The restored rows break a foreign key: {exc}") from exc


def _check_ledger(
    summary: dict[str, Any], check_blobs: bool, say: Progress, result: RestoreResult
) -> None:
    report = audit_ledger(
        check_blobs=check_blobs,
        progress=lambda stage, done, total: say(f"  {stage}: {done:,} of {total:,}"),
    )
    if report.findings:
        raise RestoreError(
            "The ledger audit of the restored data has findings; nothing was restored:\n"
            + _listing([str(finding) for finding in report.findings])
        )
    if report.tree_size != summary["tree_size"] or report.root_hex != summary["root"]:
        raise RestoreError(
            f"The restored ledger has {report.tree_size} leaves with root {report.root_hex}, "
            f"but the manifest says {summary['tree_size']} with root {summary['root']}."
        )
    checkpoint = summary.get("checkpoint")
    if (
        checkpoint
        and not Checkpoint.objects.filter(
            tree_size=checkpoint["tree_size"], note=checkpoint["note"]
        ).exists()
    ):
        raise RestoreError("The manifest's signed checkpoint is not among the restored ones.")
    result.tree_size = report.tree_size
    result.root = report.root_hex
