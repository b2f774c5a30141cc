from django.core.management.base import BaseCommand

from shop.demo.accounts import DEMO_PASSWORD, seed_accounts
from shop.demo.catalog import seed_catalog
from shop.demo.selectors import demo_summary


class Command(BaseCommand):
    help = "Create Soko's demo accounts, stores and catalog. Safe to run again: nothing is duplicated."

    def handle(self, *args, **options):
        seed_accounts()
        created = seed_catalog()
        summary = demo_summary()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {summary['accounts']} demo accounts, {summary['stores']} stores, "
                f"{summary['products']} live products ({created['new_products']} new). "
                f"Password for every account: {DEMO_PASSWORD}"
            )
        )
