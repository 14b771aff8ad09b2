"""PostgreSQL-only trigram indexes for the evidence list's search box (issue 9; decision 0020).

``EvidenceRecordFilterSet.filter_q`` matches the record number, title, original file name
and source URL with ``icontains`` (``UPPER(col::text) LIKE UPPER('%term%')``); without an
index an administrator's or a busy service point's search read all 1M records (7.6 s for a
term found nowhere). pg_trgm GIN indexes on the same expressions answer terms of three
characters or more, Chinese included (see cases 0008). The SHA-256 prefix already has its
``varchar_pattern_ops`` index.

Built ``CONCURRENTLY`` (so outside a transaction): deposits keep working while an existing
ledger is indexed. SQLite has no pg_trgm, so nothing happens there.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

TABLE = "evidence_evidencerecord"
INDEXES = [
    (f"evidence_{column}_trgm", f"USING gin (UPPER({column}::text) gin_trgm_ops)")
    for column in ("number", "title", "original_name", "source_url")
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {TABLE} {definition}"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _definition in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("evidence", "0002_append_only_triggers")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create, drop, elidable=False),
    ]
