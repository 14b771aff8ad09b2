"""Load the IP court-jurisdiction routing table (STYLE rule 18; idempotent)."""

from django.db import migrations


def load(apps, schema_editor):
    from alliance.reference_data import load_court_jurisdiction

    load_court_jurisdiction(
        apps.get_model("alliance", "CourtJurisdiction"),
        apps.get_model("alliance", "Organization"),
        apps.get_model("alliance", "Region"),
    )


class Migration(migrations.Migration):
    dependencies = [("alliance", "0003_court_jurisdiction")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
