"""Stored two-character pieces of the texts the evidence search matches (PostgreSQL only;
issue 9, decision 0020 §18): a two-character Chinese term has no trigram, so without them
an administrator's search read all the records (~1.1 s at a million). Adding the generated
column rewrites the table — the append-only triggers fire on row updates, not on a
rewrite — under an exclusive lock: ~1 minute per million records, no deposits meanwhile."""

from django.db import migrations

from zhangzhou_ip.core.bigram_columns import AddBigramColumn


class Migration(migrations.Migration):
    dependencies = [
        ("evidence", "0003_search_indexes"),
        ("core", "0004_bigrams_function"),
    ]

    operations = [
        AddBigramColumn(
            "evidence_evidencerecord", ("number", "title", "original_name", "source_url")
        ),
    ]
