"""Auctions for tests: a live auction of a one-unit product sold by auction."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from shop.auctions.models import Auction
from shop.auctions.services import Terms, auction_create
from shop.catalog.models import Product
from tests.factories.catalog import ProductFactory


def auction_product(**fields) -> Product:
    return ProductFactory(listing_type=Product.Listing.AUCTION, variants=[{"stock": 1, "price": Decimal("100")}], **fields)


def live_auction(
    *,
    start_price="100",
    reserve_price=None,
    buy_now_price=None,
    minutes_left: float = 60,
    product: Product | None = None,
    **fields,
) -> Auction:
    """An auction taking bids now, ending in ``minutes_left`` minutes."""
    product = product or auction_product(**fields)
    now = timezone.now()
    return auction_create(
        product=product,
        terms=Terms(
            start_price=Decimal(start_price),
            reserve_price=Decimal(reserve_price) if reserve_price is not None else None,
            buy_now_price=Decimal(buy_now_price) if buy_now_price is not None else None,
            starts_at=now - timedelta(minutes=1),
            ends_at=now + timedelta(minutes=minutes_left),
        ),
    )


def ended(auction: Auction) -> Auction:
    """Move the end into the past (as the clock would), keeping the auction open for closing."""
    Auction.objects.filter(pk=auction.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    auction.refresh_from_db()
    return auction
