"""``AddBigramColumn``: the migration operation that gives a table the stored
``search_bigrams`` column and its GIN index (PostgreSQL only; nothing on SQLite). How the
search uses it: ``zhangzhou_ip.core.search``."""

from __future__ import annotations

from django.db import migrations

COLUMN = "search_bigrams"


class AddBigramColumn(migrations.operations.base.Operation):
    """``search_bigrams integer[]``, generated from ``zz_bigrams(UPPER(column::text), …)`` — the
    texts ``icontains`` compares — and a GIN index on it. A table rewrite under an exclusive
    lock (decision 0020 §18 gives the times at 100k cases and 1M evidence records). The model
    does not know the column: Django never writes it, PostgreSQL keeps it."""

    reduces_to_sql = False
    reversible = True

    def __init__(self, table: str, columns: tuple[str, ...]) -> None:
        self.table = table
        self.columns = tuple(columns)

    def deconstruct(self):
        return self.__class__.__qualname__, [self.table, self.columns], {}

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        texts = ", ".join(f"UPPER({column}::text)" for column in self.columns)
        schema_editor.execute("SET LOCAL statement_timeout = 0")
        schema_editor.execute(
            f"ALTER TABLE {self.table} ADD COLUMN IF NOT EXISTS {COLUMN} integer[]"
            f" GENERATED ALWAYS AS (zz_bigrams({texts})) STORED"
        )
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {self.table}_bigrams ON {self.table} USING gin ({COLUMN})"
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE {self.table} DROP COLUMN IF EXISTS {COLUMN}")

    def describe(self):
        return f"Stored search bigrams of {', '.join(self.columns)} on {self.table}"
