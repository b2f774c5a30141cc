"""Product cards, rendered once and reused until something they show changes.

A listing page shows 24 cards, and rendering them was most of its time. Each card's HTML
is cached under a key made of **every value the card shows**: the product's title, slug,
price, stock flag, rating and distance, the first picture (its stored renditions
included), the cheapest variant's prices, the store's name and currency, plus the
language, the shopper's display currency (and the rates when it converts) and a digest of
the card's template. A change to any of them is a new key, so a card can never be stale:
the old entry is simply not read again and expires. Nothing in the cached HTML depends on
the viewer; the favourite heart (per user, with its CSRF token) is rendered per request
and put in place of a marker. All cards of a page are read from the cache in one round
trip.
"""

import hashlib
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.template.loader import get_template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from shop.catalog.selectors.shared_hearts import heart_for_page
from shop.core.selectors.currencies import display_currency
from shop.core.selectors.rates import rates_current

CARD_TEMPLATE = "catalog/_card.html"
HEART_MARKER = "<!--soko:heart-->"
CARD_CACHE_SECONDS = 60 * 60


def _template_digest() -> str:
    """Changes when the card's template does, so a release never shows yesterday's markup."""
    origin = get_template(CARD_TEMPLATE).origin.name
    return hashlib.sha256(Path(origin).read_bytes()).hexdigest()[:12]


def _shown_values(product) -> tuple:
    """Everything the card template reads, as plain values."""
    images = product.card_images
    variants = product.card_variants
    image = images[0] if images else None
    variant = variants[0] if variants else None
    stored = image.image if image else None
    return (
        product.pk, product.slug, product.title, product.listing_type, product.in_stock, str(product.min_price),
        str(product.rating_avg), product.rating_count, str(getattr(product, "distance_km", None)),
        product.store.name, product.store.currency,
        (image.pk, image.alt, stored.pk, stored.status, stored.width, stored.height, stored.renditions) if image else None,
        (variant.pk, str(variant.price), str(variant.compare_at_price)) if variant else None,
    )


def _page_values() -> tuple:
    """What every card on the page shares: language, display currency and its rates."""
    target = display_currency()
    rates = sorted((code, str(rate)) for code, (rate, _as_of) in rates_current().items()) if target else None
    return (get_language(), target, rates, _template_digest(), settings.MEDIA_URL, settings.STATIC_URL)


def card_key(product, page_values: tuple) -> str:
    digest = hashlib.sha256(repr((page_values, _shown_values(product))).encode()).hexdigest()
    return f"catalog:card:{digest}"


def product_cards(products, *, context) -> list:
    """The cards of ``products`` (prefetched by ``product_list_for_cards``) as safe HTML, in
    order: cached ones from one ``get_many``, the others rendered and stored with one ``set_many``."""
    products = list(products)
    if not products:
        return []
    page_values = _page_values()
    keys = [card_key(product, page_values) for product in products]
    found = cache.get_many(keys)
    missing = {}
    card = get_template(CARD_TEMPLATE)
    for product, key in zip(products, keys, strict=True):
        if key not in found:
            # No request: nothing viewer-specific (and no context processor) reaches the card.
            missing[key] = card.render({"product": product, "heart_marker": HEART_MARKER})
    if missing:
        cache.set_many(missing, CARD_CACHE_SECONDS)
        found |= missing
    hearts = _hearts(products, context)
    return [mark_safe(found[key].replace(HEART_MARKER, heart, 1)) for key, heart in zip(keys, hearts, strict=True)]  # noqa: S308 - both rendered by templates that escape


def _hearts(products, context) -> list[str]:
    """Each card's favourite toggle, for this viewer (``is_favorite`` comes annotated)."""
    request = context["request"]
    next_url = request.get_full_path()
    csrf_token = context.get("csrf_token")
    return [
        heart_for_page(
            request=request, target=product, is_favorite=getattr(product, "is_favorite", False), next_url=next_url, csrf_token=csrf_token
        )
        for product in products
    ]
