"""The database part of a backup: which rows, in which form, and how they are put back.

Form: Django's JSON Lines serialization, one row per line, model after model in
``apps.get_models`` order, rows in primary-key order — the same objects ``dumpdata`` would
write, so the file stays readable by any Django tool and portable between SQLite and
PostgreSQL. Four differences, each for a reason:

* Date-times keep their microseconds (Django's encoder cuts them to milliseconds): every
  evidence leaf commits to the deposit time in microseconds, so a millisecond copy would fail
  the ledger audit.
* Keys are sorted (JSON fields included: PostgreSQL's ``jsonb`` reorders them), so the same
  rows give the same bytes on either database.
* Many-to-many links are written as the rows of their (auto-created) through tables instead
  of a list inside each object: no query per object, and the link rows keep their ids.
* Content types and permissions are not copied — ``migrate`` creates them in the target with
  ids of its own — so references to them are natural keys (``["cases", "mediationcase"]``),
  resolved again on load. Sessions are not copied either (everybody signs in again). Every
  other row is, the admin's log and the history tables included: they are the audit trail.

Loading inserts rows in batches with ``raw=True``, exactly as ``loaddata`` saves them (no
``auto_now`` refresh, no signals, so no history rows or notifications are invented), but
without its per-row UPDATE-then-INSERT.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Iterable
from typing import IO, Any

from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.jsonl import Deserializer as JsonlDeserializer
from django.core.serializers.jsonl import Serializer as JsonlSerializer
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Model

BATCH = 2000
PROGRESS_EVERY = 50_000
MAX_INSERT_PARAMETERS = 60_000
"""PostgreSQL allows 65,535 parameters per statement; SQLite's limit is in ``bulk_batch_size``."""

EXCLUDED_MODELS = frozenset({"contenttypes.contenttype", "auth.permission", "sessions.session"})

REFERENCE_DATA_MODELS = frozenset(
    {"alliance.region", "alliance.organization", "alliance.courtjurisdiction", "alliance.indicator"}
)
"""Tables that ``migrate`` itself fills (alliance migrations 0002, 0004 and 0007: regions,
courts, the court-jurisdiction table, the indicator catalogue). A freshly migrated database
has rows there, so restore accepts them and replaces them with the archive's rows (which
include any later edits). ``tests/core/test_backup_restore.py`` checks this set against a
freshly migrated database."""

Progress = Callable[[str], None]


def dumped_models() -> list[type[Model]]:
    """Every table with rows of its own, through tables included, in a stable order."""
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed
        and not model._meta.proxy
        and model._meta.label_lower not in EXCLUDED_MODELS
    ]


def migration_state(using: str) -> dict[str, list[str]]:
    """Applied migrations per installed app (squashes resolved as the loader does)."""
    executor = MigrationExecutor(connections[using])
    installed = {config.label for config in apps.get_app_configs()}
    state: dict[str, list[str]] = {}
    for app_label, name in sorted(executor.loader.applied_migrations):
        if app_label in installed:
            state.setdefault(app_label, []).append(name)
    return state


def unapplied_migrations(using: str) -> list[str]:
    executor = MigrationExecutor(connections[using])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


class _Encoder(DjangoJSONEncoder):
    """Django's encoder, but date-times and times keep their microseconds."""

    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


class _Serializer(JsonlSerializer):
    """One line per row; natural keys only for the models the archive leaves out."""

    def __init__(self, natural_keys: dict[type[Model], dict[Any, list[str]]]) -> None:
        super().__init__()
        self._natural_keys = natural_keys
        self.rows = 0

    def handle_fk_field(self, obj: Model, field: Any) -> None:
        keys = self._natural_keys.get(field.remote_field.model)
        if keys is None:
            super().handle_fk_field(obj, field)  # the primary key (no natural keys asked)
            return
        value = getattr(obj, field.attname)
        self._current[field.name] = None if value is None else keys[value]

    def handle_m2m_field(self, obj: Model, field: Any) -> None:
        """Nothing: the through table's rows are dumped as a model of their own."""

    def end_object(self, obj: Model) -> None:
        line = json.dumps(self.get_dump_object(obj), **self.json_kwargs)
        self.stream.write(line + "\n")
        self._current = None
        self.rows += 1


def _natural_keys(using: str) -> dict[type[Model], dict[Any, list[str]]]:
    content_types = {
        pk: [app_label, model]
        for pk, app_label, model in ContentType.objects.using(using).values_list(
            "pk", "app_label", "model"
        )
    }
    permissions = {
        pk: [codename, *content_types[content_type]]
        for pk, codename, content_type in Permission.objects.using(using).values_list(
            "pk", "codename", "content_type"
        )
    }
    return {ContentType: content_types, Permission: permissions}


def dump(stream: IO[str], *, using: str, progress: Progress | None = None) -> dict[str, int]:
    """Write every row of :func:`dumped_models` to ``stream``; rows per model label."""
    serializer = _Serializer(_natural_keys(using))
    counts: dict[str, int] = {}
    for model in dumped_models():
        before = serializer.rows
        rows = model._base_manager.using(using).order_by("pk").iterator(chunk_size=BATCH)
        serializer.serialize(rows, stream=stream, cls=_Encoder, sort_keys=True)
        counts[model._meta.label_lower] = serializer.rows - before
        if progress and counts[model._meta.label_lower] >= PROGRESS_EVERY:
            progress(f"  {model._meta.label_lower}: {counts[model._meta.label_lower]:,} rows")
    return counts


class LoadError(Exception):
    """A row of the archive cannot be put back into this database."""


def clear_reference_data(using: str) -> None:
    """Empty the tables ``migrate`` fills (the archive carries their rows); no signals, no
    cascade: foreign keys are checked at the end of the restore's transaction."""
    for label in sorted(REFERENCE_DATA_MODELS):
        model = apps.get_model(label)
        model._base_manager.using(using).all()._raw_delete(using)


def _insert(model: type[Model], objects: list[Model], using: str) -> None:
    fields = [f for f in model._meta.local_concrete_fields if not getattr(f, "generated", False)]
    connection = connections[using]
    size = min(
        len(objects),
        connection.ops.bulk_batch_size(fields, objects),
        max(1, MAX_INSERT_PARAMETERS // len(fields)),
    )
    for start in range(0, len(objects), size):
        model._base_manager._insert(
            objects[start : start + size], fields=fields, using=using, raw=True
        )


def load(lines: Iterable[str], *, using: str, progress: Progress | None = None) -> Counter[str]:
    """Insert the rows of a dump; rows per model label. Runs inside the caller's transaction."""
    ContentType.objects.clear_cache()  # ids differ from the cached ones after a flush
    known = {model: model._meta.label_lower for model in dumped_models()}
    counts: Counter[str] = Counter()
    batch: list[Model] = []
    model: type[Model] | None = None
    total = 0
    try:
        for item in JsonlDeserializer(lines, using=using):
            obj = item.object
            if type(obj) is not model or len(batch) >= BATCH:
                if batch:
                    _insert(model, batch, using)
                    batch = []
                model = type(obj)
                if model not in known:
                    raise LoadError(f"rows of {model._meta.label_lower}, which is never backed up")
            if item.m2m_data or item.deferred_fields:
                raise LoadError(f"{known[model]} {obj.pk}: many-to-many data inside a row")
            batch.append(obj)
            counts[known[model]] += 1
            total += 1
            if progress and total % PROGRESS_EVERY == 0:
                progress(f"  {total:,} rows loaded")
        if batch:
            _insert(model, batch, using)
    except DeserializationError as exc:
        raise LoadError(str(exc)) from exc
    return counts


def reset_sequences(using: str) -> None:
    """Move PostgreSQL's id sequences past the restored ids (SQLite needs nothing)."""
    connection = connections[using]
    statements = connection.ops.sequence_reset_sql(no_style(), dumped_models())
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
