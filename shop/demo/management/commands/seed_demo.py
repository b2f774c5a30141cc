from django.core.management.base import BaseCommand

from shop.demo.accounts import DEMO_PASSWORD, seed_accounts
from shop.demo.auctions import demo_auctions, seed_auctions
from shop.demo.catalog import seed_catalog
from shop.demo.chat import demo_chats, seed_chats
from shop.demo.deliveries import BUYER_EMAIL, COURIER_EMAIL, seed_deliveries
from shop.demo.returns import demo_returns, seed_returns
from shop.demo.reviews import demo_reviews, seed_reviews
from shop.demo.selectors import demo_courier_jobs, demo_summary


class Command(BaseCommand):
    help = (
        "Create Soko's demo accounts, stores, catalog, the demo courier's deliveries, the demo auctions, "
        "the demo buyer's conversations with the stores, and the demo buyers' reviews. "
        "Safe to run again: nothing is duplicated."
    )

    def handle(self, *args, **options):
        seed_accounts()
        created = seed_catalog()
        deliveries = seed_deliveries()
        auctions = seed_auctions()
        chats = seed_chats()
        returns = seed_returns()
        reviews = seed_reviews()
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
        inboxes = demo_chats()
        self.stdout.write(
            f"Messages: {BUYER_EMAIL} has {inboxes['buyer_conversations']} conversations "
            f"({inboxes['buyer_unread']} unread messages; open offers: {inboxes['open_offers']}); "
            f"the demo stores' inboxes hold {inboxes['store_conversations']} ({inboxes['store_unread']} unread) "
            f"({chats['new_messages']} messages new)."
        )
        states = ", ".join(f"{count} {status}" for status, count in sorted(demo_returns().items()))
        self.stdout.write(f"Returns: {BUYER_EMAIL} has {states or 'none'} ({returns['new_returns']} new).")
        listed = demo_reviews()
        self.stdout.write(
            f"Reviews: {listed['products']} of products, {listed['stores']} of stores, "
            f"{listed['responses']} answered by the store ({reviews['new_reviews']} new)."
        )
