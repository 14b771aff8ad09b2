"""Load the versioned reference data files (regions, courts) — STYLE rule 18.

Uses historical models through ``apps.get_model``; the loaders are idempotent, so the
``load_reference_data`` command can re-run them after a data-file update."""

from django.db import migrations


def load(apps, schema_editor):
    from alliance.reference_data import load_courts, load_regions

    Region = apps.get_model("alliance", "Region")
    Organization = apps.get_model("alliance", "Organization")
    load_regions(Region)
    load_courts(Organization, Region)


class Migration(migrations.Migration):
    dependencies = [("alliance", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
