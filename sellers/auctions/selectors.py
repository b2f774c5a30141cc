"""Reads for the store's auction pages: whether a product's unit is already promised to
bidders (an auction that has not ended, or an offer still waiting for an answer), why a
product cannot go up for auction or an auction cannot be relisted, in the seller's words."""

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from shop.auctions.models import Auction, SecondChanceOffer
from shop.catalog.models import Product

A = Auction.Status
O = Auction.Outcome  # noqa: E741


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


def auction_product_problem(product: Product) -> str | None:
    """Why this product cannot go up for auction now, in the seller's words."""
    if not product.is_auction:
        return _("“%(title)s” is sold at a fixed price. Change it to “Sold by: auction” on its product page first.") % {
            "title": product.title
        }
    open_auction = product_open_auction(product)
    if open_auction is not None:
        return _("“%(title)s” already has an auction that has not ended (auction %(id)s).") % {
            "title": product.title,
            "id": open_auction.pk,
        }
    offer = product_open_offer(product)
    if offer is not None:
        return _("“%(title)s” is offered to a bidder until %(due)s: wait until they answer or the offer expires.") % {
            "title": product.title,
            "due": date_format(timezone.localtime(offer.expires_at), "SHORT_DATETIME_FORMAT"),
        }
    variants = list(product.variants.all())
    if len(variants) != 1 or variants[0].stock < 1:
        return _("“%(title)s” needs exactly one variant with one unit in stock to be auctioned.") % {"title": product.title}
    return None


def auction_relist_refusal(auction: Auction) -> str | None:
    """Why the page does not offer the relist form (None: it does). Only an auction that
    ended unsold, and only its latest relist, while no bidder holds an open offer of the unit."""
    if auction.status != A.ENDED or auction.outcome == O.SOLD:
        return _("Only an auction that ended unsold can be relisted.")
    latest = auction.relists.order_by("-created_at").first()
    if latest is not None:
        return _("This auction was already relisted as auction %(id)s.") % {"id": latest.pk}
    offer = product_open_offer(auction.product)
    if offer is not None:
        return _("The item is offered to a bidder until %(due)s: relist it once they answer or the offer expires.") % {
            "due": date_format(timezone.localtime(offer.expires_at), "SHORT_DATETIME_FORMAT")
        }
    return None


def auction_store_id(*, auction_id: int) -> int | None:
    return Auction.objects.filter(pk=auction_id).values_list("store_id", flat=True).first()

