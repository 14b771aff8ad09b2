"""Stored two-character pieces of the texts the case search matches (PostgreSQL only;
issue 9, decision 0020 §18): a two-character Chinese term has no trigram, so without them
the search read every party and every case title (~300 ms at 100k cases)."""

from django.db import migrations

from zhangzhou_ip.core.bigram_columns import AddBigramColumn


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_share_in_force_index"),
        ("core", "0004_bigrams_function"),
    ]

    operations = [
        AddBigramColumn("cases_mediationcase", ("number", "title")),
        AddBigramColumn("cases_party", ("name",)),
        AddBigramColumn("cases_caseright", ("number", "description")),
    ]
