from django.core.management.base import BaseCommand

from shop.catalog.demo import seed_catalog
from shop.core.demo import DEMO_PASSWORD, seed_accounts


class Command(BaseCommand):
    help = "Create Soko's demo accounts and data. Safe to run again: nothing is duplicated."

    def handle(self, *args, **options):
        result = seed_accounts()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {result['users']} demo accounts, {result['stores']} stores "
                f"(password {DEMO_PASSWORD})."
            )
        )
        catalog = seed_catalog()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo catalog ready: {catalog['products']} live products in {catalog['stores']} stores "
                f"({catalog['new_products']} new)."
            )
        )
