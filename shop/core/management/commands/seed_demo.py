from django.core.management.base import BaseCommand

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
