"""PostgreSQL-only indexes for the case list at scale (issue 9; decision 0020).

* ``cases_list_order_idx`` matches the list's default order exactly (received date newest
  first with undated drafts last, then creation time and id): PostgreSQL reads the first
  page from it and stops, instead of sorting every visible case. ``cases_created_idx`` does
  the same for the API's default order.
* Trigram GIN indexes (pg_trgm) on the texts the list's search box matches, written on
  ``UPPER(col::text)`` because that is what ``icontains`` compares. With a UTF-8 ``C.UTF-8``
  or other UTF-8 locale pg_trgm makes trigrams of Chinese characters too (checked with
  ``show_trgm('商标侵权纠纷')``), so a search of three characters or more uses the indexes.

SQLite has neither pg_trgm nor ``NULLS LAST`` in index definitions, so nothing happens there.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = [
    (
        "cases_list_order_idx",
        "cases_mediationcase",
        "(received_on DESC NULLS LAST, created_at DESC, id DESC)",
    ),
    # the API's default order (newest first), read by keyset pages
    ("cases_created_idx", "cases_mediationcase", "(created_at DESC, id DESC)"),
    ("cases_title_trgm", "cases_mediationcase", "USING gin (UPPER(title::text) gin_trgm_ops)"),
    ("cases_number_trgm", "cases_mediationcase", "USING gin (UPPER(number::text) gin_trgm_ops)"),
    ("cases_party_name_trgm", "cases_party", "USING gin (UPPER(name::text) gin_trgm_ops)"),
    ("cases_right_number_trgm", "cases_caseright", "USING gin (UPPER(number::text) gin_trgm_ops)"),
    (
        "cases_right_description_trgm",
        "cases_caseright",
        "USING gin (UPPER(description::text) gin_trgm_ops)",
    ),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, definition in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _definition in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("cases", "0007_safe_upload_names")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create, drop, elidable=False),
    ]
