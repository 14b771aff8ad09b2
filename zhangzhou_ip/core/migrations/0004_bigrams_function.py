"""``zz_bigrams(VARIADIC text[])``: the two-character pieces of the given texts that hold a
character beyond ASCII, each as one ``integer`` (PostgreSQL only; issue 9, decision 0020 §18).

The cases' and evidence's stored ``search_bigrams`` columns are generated from it, so a
search for a two-character Chinese term (茶业, 店铺) — which has no trigram for pg_trgm — is
one GIN index lookup; the search computes its term's code with the same function.

* A piece is coded ``(first - 32768) * 65536 + second`` from its two code points: exact and
  within ``integer`` for the Basic Multilingual Plane. An array of integers is 2.6 times
  smaller than one of the pieces as text (121 against 320 bytes for a case title: at a
  million evidence records, 120 MB of table instead of 290 MB). Pieces with a character
  beyond it (rare CJK extensions) are left out; the search does not use the column for them.
* Pieces of ASCII only are left out: numbers and URLs would make the arrays several times
  larger, and two-letter ASCII searches are rare and still answered (by a scan).
* PL/pgSQL: ~45 µs for a case's title and number, half the time of the same in SQL.
* ``IMMUTABLE`` because a generated column demands it; it is: the pieces of a text do not
  change.

The definition is frozen here; a change is a new migration (``CREATE OR REPLACE`` and a
rebuild of the columns), never an edit of this one.
"""

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION zz_bigrams(VARIADIC texts text[]) RETURNS integer[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  codes integer[] := '{}';
  t text;
  a integer;
  b integer;
BEGIN
  FOREACH t IN ARRAY texts LOOP
    CONTINUE WHEN t IS NULL OR octet_length(t) = char_length(t);  -- ASCII only
    b := ascii(t);
    FOR i IN 2 .. char_length(t) LOOP
      a := b;
      b := ascii(substr(t, i, 1));
      IF (a > 127 OR b > 127) AND a < 65536 AND b < 65536 THEN
        codes := codes || ((a - 32768) * 65536 + b);
      END IF;
    END LOOP;
  END LOOP;
  RETURN ARRAY(SELECT DISTINCT unnest(codes));
END
$$
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS zz_bigrams(VARIADIC text[])")


class Migration(migrations.Migration):
    dependencies = [("core", "0003_prepared_download")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
