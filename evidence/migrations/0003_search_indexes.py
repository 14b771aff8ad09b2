"""PostgreSQL-only trigram indexes for the evidence list's search box (issue 9; decision 0020).

``EvidenceRecordFilterSet.filter_q`` matches the record number, title, original file name
and source URL with ``icontains`` (``UPPER(col::text) LIKE UPPER('%term%')``); without an
index an administrator's or a busy service point's search read all 1M records (7.6 s for a
term found nowhere). pg_trgm GIN indexes on the same expressions answer terms of three
characters or more, Chinese included (see cases 0008). The SHA-256 prefix already has its
``varchar_pattern_ops`` index.

Built ``CONCURRENTLY`` (so outside a transaction): deposits keep working while an existing
ledger is indexed; without the statement timeout, and an invalid index an interrupted run
left behind is built again. SQLite has no pg_trgm, so nothing happens there.
"""

from django.db import migrations

TABLE = "evidence_evidencerecord"
INDEXES = [
    (f"evidence_{column}_trgm", f"USING gin (UPPER({column}::text) gin_trgm_ops)")
    for column in ("number", "title", "original_name", "source_url")
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension; the cases' migrations may not have run yet. It is left
    # in place when this migration is reversed: the cases' indexes need it too.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # ~13 s an index per million records: longer than the app's statement timeout. Outside a
    # transaction SET lasts as long as the session, so the connection's own timeout (its
    # startup option) is restored afterwards: the test run migrates on the connection it then
    # uses for the tests.
    schema_editor.execute("SET statement_timeout = 0")
    try:
        for name, definition in INDEXES:
            _build(schema_editor, name, definition)
    finally:
        schema_editor.execute("RESET statement_timeout")


def _build(schema_editor, name: str, definition: str) -> None:
    # an interrupted concurrent build leaves an invalid index that IF NOT EXISTS would keep
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)", [name]
        )
        row = cursor.fetchone()
    if row and row[0]:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
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

    operations = [migrations.RunPython(create, drop, elidable=False)]
