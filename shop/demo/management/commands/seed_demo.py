from django.core.management.base import BaseCommand

from shop.demo.accounts import DEMO_PASSWORD, seed_accounts
from shop.demo.auctions import demo_auctions, seed_auctions
from shop.demo.catalog import seed_catalog
from shop.demo.deliveries import COURIER_EMAIL, seed_deliveries
from shop.demo.selectors import demo_courier_jobs, demo_summary


class Command(BaseCommand):
    help = (
        "Create Soko's demo accounts, stores, catalog, the demo courier's deliveries and the demo auctions. "
        "Safe to run again: nothing is duplicated."
    )

    def handle(self, *args, **options):
        seed_accounts()
        created = seed_catalog()
        deliveries = seed_deliveries()
        auctions = seed_auctions()
        summary = demo_summary()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {summary['accounts']} demo accounts, {summary['stores']} stores, "
                f"{summary['products']} live products ({created['new_products'] + auctions['new_products']} new). "
                f"Password for every account: {DEMO_PASSWORD}"
            )
        )
        jobs = demo_courier_jobs(email=COURIER_EMAIL)
        if jobs:
            held = ", ".join(f"{count} {status}" for status, count in jobs["held"].items())
            self.stdout.write(
                f"Courier {COURIER_EMAIL}: {jobs['board']} open jobs on the board; its own: {held or 'none'} "
                f"({deliveries['new_jobs']} jobs new)."
            )
        listed = demo_auctions()
        ending = f", the first ends at {listed['next_end']:%H:%M}" if listed["next_end"] else ""
        self.stdout.write(
            f"Auctions: {listed['live']} taking bids{ending}; {listed['upcoming']} starting later; "
            f"{listed['ended']} ended ({auctions['new_auctions']} listed now)."
        )
