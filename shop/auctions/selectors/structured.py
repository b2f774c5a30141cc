"""What an auction tells search engines, as the ``offers`` of its product's schema.org data:
the price it stands at (what it sold for, once sold), whether it takes bids, and from when
to when. While buy-it-now is still offered, an ``AggregateOffer`` from that price to the
buy-it-now price."""

from datetime import datetime

from django.utils import timezone

from shop.core.selectors.currencies import money_quantize

from ..models import Auction
from .auctions import auction_is_open, buy_now_available

IN_STOCK = "https://schema.org/InStock"
UPCOMING = "https://schema.org/PreOrder"
SOLD = "https://schema.org/SoldOut"
CLOSED = "https://schema.org/OutOfStock"


def auction_latest(product) -> Auction | None:
    """The auction a product's page points to: its latest listing."""
    return Auction.objects.filter(product=product).order_by("-created_at").first()


def auction_availability(auction: Auction, *, now: datetime | None = None) -> str:
    now = now or timezone.now()
    if auction.outcome == Auction.Outcome.SOLD:
        return SOLD
    if auction_is_open(auction, now=now):
        return IN_STOCK
    if auction.status in Auction.OPEN and now < auction.starts_at:
        return UPCOMING
    return CLOSED


def auction_offer(*, auction: Auction, url: str, now: datetime | None = None) -> dict:
    """schema.org ``Offer`` (or ``AggregateOffer``) of ``auction``, whose page is at ``url``."""
    availability = auction_availability(auction, now=now)
    if availability == SOLD:
        price = auction.final_price or auction.current_price or auction.start_price
    else:
        price = auction.current_price or auction.start_price
    offer = {
        "@type": "Offer",
        "url": url,
        "price": str(money_quantize(price, auction.currency)),
        "priceCurrency": auction.currency,
        "availability": availability,
        "availabilityStarts": auction.starts_at.isoformat(),
        "availabilityEnds": auction.ends_at.isoformat(),
    }
    buy_now = auction.buy_now_price
    if availability in (IN_STOCK, UPCOMING) and buy_now_available(auction) and buy_now > price:
        offer["@type"] = "AggregateOffer"
        offer["lowPrice"] = offer.pop("price")
        offer["highPrice"] = str(money_quantize(buy_now, auction.currency))
        offer["offerCount"] = 2
    return offer
