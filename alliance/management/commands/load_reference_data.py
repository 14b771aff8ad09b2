"""Re-load the versioned reference data files (regions, courts) after they change.

The same loaders run in migration ``0002_load_reference_data``; both are idempotent."""

from django.core.management.base import BaseCommand

from alliance.models import CourtJurisdiction, Organization, Region
from alliance.reference_data import load_court_jurisdiction, load_courts, load_regions


class Command(BaseCommand):
    help = (
        "Load alliance/data/regions.csv, courts.csv and court_jurisdiction.csv (idempotent upsert)."
    )

    def handle(self, *args, **options):
        regions = load_regions(Region)
        courts = load_courts(Organization, Region)
        routes = load_court_jurisdiction(CourtJurisdiction, Organization, Region)
        self.stdout.write(
            self.style.SUCCESS(
                f"regions: {regions} rows, courts: {courts} rows, jurisdiction: {routes} rows"
            )
        )
