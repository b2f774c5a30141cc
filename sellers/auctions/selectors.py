"""Reads for the store's auction pages: whether a product's unit is already promised to
bidders (an auction that has not ended, or an offer still waiting for an answer)."""

from django.utils import timezone

from shop.auctions.models import Auction, SecondChanceOffer
from shop.catalog.models import Product


def product_open_auction(product: Product) -> Auction | None:
    """The product's auction that has not ended (scheduled or live), if any."""
    if product.pk is None:
        return None
    return Auction.objects.filter(product=product, status__in=Auction.OPEN).order_by("-created_at").first()


def product_open_offer(product: Product) -> SecondChanceOffer | None:
    """An offer of the product's unit to a bidder still waiting for an answer: the unit is
    promised until it is answered or expires."""
    if product.pk is None:
        return None
    return (
        SecondChanceOffer.objects.filter(
            auction__product=product, status=SecondChanceOffer.Status.OPEN, expires_at__gt=timezone.now()
        )
        .order_by("-expires_at")
        .first()
    )
