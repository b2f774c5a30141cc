"""``{% load auctions %}``: what auction pages, and the pages of products sold by auction,
tell search engines."""

from django import template
from django.urls import reverse
from django.utils.translation import get_language

from shop.catalog.selectors.structured import product_structured_data
from shop.core.selectors.seo import language_url

from ..selectors.structured import auction_latest, auction_offer

register = template.Library()


def _offer(request, auction) -> dict:
    url = request.build_absolute_uri(language_url(reverse("auctions:detail", args=[auction.pk]), get_language()))
    return auction_offer(auction=auction, url=url)


@register.simple_tag(takes_context=True)
def auction_product_offer(context, product):
    """``{% auction_product_offer product as offer %}``: the offer of the auction a product
    sold by auction is listed in (None for a product sold at a fixed price, or not listed)."""
    if not product.is_auction:
        return None
    auction = auction_latest(product)
    return _offer(context["request"], auction) if auction else None


@register.simple_tag(takes_context=True)
def auction_data(context):
    """The auction page's schema.org ``Product``, offered as the auction offers it."""
    request, auction = context["request"], context["auction"]
    url = request.build_absolute_uri(language_url(request.path, get_language()))
    return product_structured_data(
        request=request,
        product=auction.product,
        variant=None,
        images=context.get("images") or (),
        url=url,
        auction_offer=_offer(request, auction),
    )
