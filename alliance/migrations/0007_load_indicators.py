"""Load the city IP indicator catalogue, ``alliance/data/indicators.csv`` (idempotent)."""

from django.db import migrations


def load(apps, schema_editor):
    from alliance.indicators import load_indicator_catalogue

    load_indicator_catalogue(apps.get_model("alliance", "Indicator"))


class Migration(migrations.Migration):
    dependencies = [("alliance", "0006_indicators")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
