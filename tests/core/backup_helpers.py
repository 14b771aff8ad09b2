"""Helpers of the backup and restore tests: a freshly migrated database to restore into, stores
in temporary directories, an independent snapshot of every table and stored file, and a tar
rewriter to damage archives with."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, models

from evidence.audit import audit_ledger
from evidence.models import Checkpoint

NOT_BACKED_UP = {"contenttypes.contenttype", "auth.permission", "sessions.session"}


@pytest.fixture(scope="module")
def fresh_state(django_db_setup, django_db_blocker) -> str:
    """The freshly migrated test database (reference data, content types, permissions), as
    Django's serialized rollback keeps it — taken before the module adds anything."""
    with django_db_blocker.unblock():
        return connection.creation.serialize_db_to_string()


def make_fresh(fresh: str) -> None:
    """Empty the database back to what ``migrate`` leaves (inside the test's transaction)."""
    connection.check_constraints()  # PostgreSQL: fire pending FK checks so TRUNCATE may run
    call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
    connection.creation.deserialize_db_from_string(fresh)
    ContentType.objects.clear_cache()


def stores_under(root: Path) -> dict[str, Path]:
    return {"evidence": root / "evidence", "media": root / "media"}


def store_settings(root: Path) -> dict[str, Any]:
    """Settings that put the evidence and the default storage under ``root``."""
    return {
        "STORAGES": {
            **django_settings.STORAGES,
            "evidence": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(stores_under(root)["evidence"])},
            },
        },
        "MEDIA_ROOT": str(stores_under(root)["media"]),
    }


def use_stores(settings: Any, root: Path) -> dict[str, Path]:
    """Point the stores at ``root/evidence`` and ``root/media`` (``settings`` fixture)."""
    for name, value in store_settings(root).items():
        setattr(settings, name, value)
    return stores_under(root)


def stored_files(location: Path) -> dict[str, str]:
    """Every file under ``location`` with its SHA-256."""
    return {
        str(path.relative_to(location)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(location.rglob("*"))
        if path.is_file()
    }


def _natural_keys() -> dict[type[models.Model], dict[int, tuple]]:
    types = {ct.pk: ct.natural_key() for ct in ContentType.objects.all()}
    perms = {
        pk: (codename, *types[ct]) for pk, codename, ct in Permission.objects.values_list(
            "pk", "codename", "content_type"
        )
    }  # fmt: skip
    return {ContentType: types, Permission: perms}


def table_rows() -> dict[str, list[tuple]]:
    """Every column of every row of every table the backup covers, read with the ORM (not
    with the backup's serializer), references to content types and permissions as natural
    keys since their ids are the target's own."""
    natural = _natural_keys()
    tables: dict[str, list[tuple]] = {}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if model._meta.proxy or not model._meta.managed or label in NOT_BACKED_UP:
            continue
        fields = model._meta.local_concrete_fields
        rows = []
        for row in model._base_manager.order_by("pk").values_list(*[f.attname for f in fields]):
            values = []
            for field, value in zip(fields, row, strict=True):
                if isinstance(value, memoryview):
                    value = bytes(value)
                keys = natural.get(field.related_model) if field.is_relation else None
                values.append(keys[value] if keys and value is not None else value)
            rows.append(tuple(values))
        tables[label] = rows
    return tables


def referenced_media() -> dict[str, str]:
    """Each file a FileField names, with the SHA-256 of its content in the default storage."""
    from django.core.files.storage import default_storage

    found = {}
    for model in apps.get_models():
        for field in model._meta.local_concrete_fields:
            if isinstance(field, models.FileField):
                for name in model._base_manager.exclude(**{field.attname: ""}).values_list(
                    field.attname, flat=True
                ):
                    with default_storage.open(name, "rb") as handle:
                        found[name] = hashlib.sha256(handle.read()).hexdigest()
    return found


def snapshot(stores: dict[str, Path]) -> dict[str, Any]:
    report = audit_ledger()
    latest = Checkpoint.objects.order_by("-tree_size", "-pk").first()
    return {
        "rows": table_rows(),
        "evidence": stored_files(stores["evidence"]),
        "media": referenced_media(),
        "audit": (report.tree_size, report.root_hex, [str(f) for f in report.findings]),
        "checkpoint": latest.note if latest else None,
    }


def counts(rows: dict[str, list[tuple]]) -> dict[str, int]:
    return {label: len(values) for label, values in rows.items()}


def domain_rows() -> int:
    """Rows outside the tables a fresh migrate fills (0 in an untouched fresh database)."""
    from zhangzhou_ip.backup.dump import REFERENCE_DATA_MODELS, dumped_models

    return sum(
        model._base_manager.count()
        for model in dumped_models()
        if model._meta.label_lower not in REFERENCE_DATA_MODELS
    )


def read_members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}


def write_members(path: Path, members: dict[str, bytes]) -> Path:
    """A tar with these members in this order (the order of the dict)."""
    with tarfile.open(path, "w:gz" if path.name.endswith(".gz") else "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def manifest_of(members: dict[str, bytes]) -> dict[str, Any]:
    return json.loads(members["manifest.json"])


def rehash(members: dict[str, bytes], name: str) -> None:
    """Make the manifest agree with the (changed) member ``name``."""
    manifest = manifest_of(members)
    data = members[name]
    manifest["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    members["manifest.json"] = json.dumps(manifest, ensure_ascii=False).encode()
