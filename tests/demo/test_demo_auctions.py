"""The demo auctions that `make run` shows: one ending in minutes, others in hours and days,
one starting later, one won by the demo buyer; listed again only once they ended unsold."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from shop.auctions.models import Auction, Bid, Watch
from shop.auctions.selectors.auctions import auctions_live, auctions_upcoming, buy_now_available
from shop.catalog.models import Product
from shop.demo.services.auctions import LOTS
from shop.orders.models import Order
from shop.payments.models import PaymentStatus

pytestmark = pytest.mark.django_db

A, OUT = Auction.Status, Auction.Outcome
SELLERS = {"seller@soko.test", "seller2@soko.test"}


@pytest.fixture
def seeded(demo):
    return demo.at


def owners(auctions) -> set[str]:
    return {member.user.email for auction in auctions for member in auction.store.memberships.select_related("user")}


def test_the_demo_sellers_have_auctions_in_every_state(seeded):
    now = seeded
    auctions = Auction.objects.select_related("product", "store", "winner", "order__checkout")
    live = list(auctions_live(now=now))
    assert len(live) == 6 and owners(live) == SELLERS

    # One ends within minutes of seeding: bids below its reserve, the demo buyer watching.
    ending = live[0]
    assert now < ending.ends_at <= now + timedelta(minutes=6)
    assert ending.bid_count >= 3 and not ending.reserve_met
    assert Watch.objects.filter(auction=ending, user__email="buyer@soko.test").exists()
    # Others end within hours, and in one to three days.
    ends = [auction.ends_at - now for auction in live[1:]]
    assert any(timedelta(hours=1) < left < timedelta(hours=12) for left in ends)
    assert any(timedelta(days=1) <= left <= timedelta(days=3) for left in ends)
    # Bids on most, so their histories are not empty; one still offers buy it now.
    assert sum(auction.bid_count > 0 for auction in live) >= 4
    assert any(buy_now_available(auction) for auction in live)
    # The demo buyer has been outbid somewhere, and leads somewhere.
    leaders = {auction.leader.email for auction in live if auction.leader_id}
    assert "buyer@soko.test" in leaders and leaders - {"buyer@soko.test"}

    upcoming = list(auctions_upcoming(now=now))
    assert len(upcoming) == 1 and upcoming[0].starts_at > now + timedelta(hours=1)

    # Won by the demo buyer before seeding: her order awaits payment, the unit is hers.
    won = auctions.get(status=A.ENDED)
    assert (won.outcome, won.winner.email) == (OUT.SOLD, "buyer@soko.test")
    assert won.ends_at < now and won.closed_at == won.ends_at
    assert won.order.buyer == won.winner and won.order.checkout.payment_status == PaymentStatus.AWAITING
    assert won.order.total >= won.final_price == won.current_price
    assert won.product.variants.get().stock == 0


def test_each_auction_item_is_one_unit_with_a_picture_and_its_bids_are_dated(seeded):
    products = Product.objects.filter(listing_type=Product.Listing.AUCTION)

    assert products.count() == len(LOTS)
    assert all(product.is_visible for product in products)
    for product in products.prefetch_related("variants", "images"):
        assert len(product.variants.all()) == 1 and len(product.images.all()) >= 1
    assert sorted(products.values_list("variants__stock", flat=True)) == [0] + [1] * (len(LOTS) - 1)
    # Bids are dated when the story placed them, inside their auction's time.
    for bid in Bid.objects.select_related("auction"):
        assert bid.auction.starts_at <= bid.created_at <= seeded - timedelta(minutes=5)
    # The GNF stores' auctions are in francs, bid in steps the francs allow.
    assert set(Auction.objects.filter(store__slug="kaloum-electronique").values_list("currency", flat=True)) == {"GNF"}


def test_a_later_run_lists_the_ended_unsold_auction_again_and_nothing_else(seeded):
    short = auctions_live(now=seeded).first()
    before = {
        "auctions": Auction.objects.count(),
        "orders": Order.objects.count(),
        "bids": Bid.objects.exclude(auction=short).count(),
    }
    # Its time ran out while the demo was not running.
    Auction.objects.filter(pk=short.pk).update(ends_at=timezone.now() - timedelta(minutes=1))

    call_command("seed_demo")

    short.refresh_from_db()
    assert (short.status, short.outcome) == (A.ENDED, OUT.RESERVE_NOT_MET)
    again = Auction.objects.get(relisted_from=short)
    now = timezone.now()
    assert again.status == A.LIVE and now < again.ends_at <= now + timedelta(minutes=6)
    assert again.bid_count == short.bid_count
    assert Auction.objects.count() == before["auctions"] + 1
    assert Order.objects.count() == before["orders"]
    assert Bid.objects.exclude(auction__in=[short, again]).count() == before["bids"]

    # Sold or still running: left alone.
    call_command("seed_demo")
    assert Auction.objects.count() == before["auctions"] + 1
