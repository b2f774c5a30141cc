from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from shop.demo.selectors import demo_courier_jobs, demo_summary
from shop.demo.services.accounts import DEMO_PASSWORD, seed_accounts
from shop.demo.services.auctions import demo_auctions, seed_auctions
from shop.demo.services.blog import seed_blog
from shop.demo.services.catalog import seed_catalog
from shop.demo.services.chat import demo_chats, seed_chats
from shop.demo.services.deliveries import BUYER_EMAIL, COURIER_EMAIL, seed_deliveries
from shop.demo.services.moderation import seed_moderation
from shop.demo.services.promotions import WELCOME, seed_promotions
from shop.demo.services.returns import demo_returns, seed_returns
from shop.demo.services.reviews import demo_reviews, seed_reviews
from shop.moderation.models import Case, Complaint


class Command(BaseCommand):
    help = (
        "Create Soko's demo accounts, stores, catalog, the demo courier's deliveries, the demo auctions, "
        "the demo buyer's conversations with the stores, and the demo buyers' reviews. "
        "Safe to run again: nothing is duplicated."
    )

    def handle(self, *args, **options):
        if not settings.SOKO_DEMO:
            # The demo's accounts, staff included, share a published password.
            raise CommandError("seed_demo refuses to run: the demo is off (DEBUG=0 without SOKO_DEMO=1).")
        seed_accounts()
        created = seed_catalog()
        deliveries = seed_deliveries()
        auctions = seed_auctions()
        chats = seed_chats()
        returns = seed_returns()
        reviews = seed_reviews()
        moderation = seed_moderation()
        promotions = seed_promotions()
        blog = seed_blog()
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
        self.stdout.write(
            f"Promotions: a sale runs at Mama Njeri Crafts; codes NJERI15 (the store's) and {WELCOME} (a first order) "
            f"({promotions['new_sales']} sales, {promotions['new_codes']} codes new); {BUYER_EMAIL} confirmed {promotions['completed']} collected order(s) and earned points."
        )
        self.stdout.write(f"Blog: Mama Njeri Crafts has posts at /blog/, one featured on the home page ({blog['new_posts']} new).")
        states = ", ".join(f"{count} {status}" for status, count in sorted(demo_returns().items()))
        self.stdout.write(f"Returns: {BUYER_EMAIL} has {states or 'none'} ({returns['new_returns']} new).")
        listed = demo_reviews()
        self.stdout.write(
            f"Reviews: {listed['products']} of products, {listed['stores']} of stores, "
            f"{listed['responses']} answered by the store ({reviews['new_reviews']} new)."
        )
        self.stdout.write(
            f"Trust and safety: {Case.objects.count()} reported item(s) and "
            f"{Complaint.objects.exclude(status=Complaint.Status.CLOSED).count()} open complaint(s) waiting for staff "
            f"({moderation['new_reports']} reports and {moderation['new_complaints']} complaints new)."
        )
