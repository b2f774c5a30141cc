"""Template helpers for catalog pages: discounts, ratings, links that keep the query string."""

from decimal import Decimal, InvalidOperation

from django import template
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from shop.catalog.selectors.shared_hearts import heart_for_page
from shop.catalog.selectors.structured import product_preview_image, product_structured_data
from shop.core.selectors.seo import language_url

register = template.Library()


@register.filter
def percent_off(price, compare_at) -> int:
    try:
        price, compare_at = Decimal(price), Decimal(compare_at)
    except (InvalidOperation, TypeError, ValueError):
        return 0
    if not compare_at or compare_at <= price:
        return 0
    return int(((compare_at - price) / compare_at * 100).to_integral_value())


@register.simple_tag(takes_context=True)
def product_cards(context, products) -> list:
    """``{% product_cards page.object_list as cards %}``: each product's card as HTML, from
    the card cache where nothing it shows has changed (shop.catalog.selectors.cards)."""
    from shop.catalog.selectors.cards import product_cards as cards

    return cards(products, context=context)


@register.filter
def paired_with(items, others) -> list[tuple]:
    """``{% for product, card in products|paired_with:cards %}``: two lists side by side."""
    return list(zip(items, others, strict=True))


@register.filter
def page_numbers(page) -> list[int | None]:
    """The page links to show: the first, the last and two either side of the current one,
    with ``None`` for a gap ("…"). Worked out here, not by looping over every page in the
    template: a search can have hundreds of pages."""
    last, current = page.paginator.num_pages, page.number
    shown = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    numbers: list[int | None] = []
    for number in shown:
        if numbers and number - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


@register.simple_tag
def store_url(store) -> str:
    """The store's public page."""
    return reverse("stores:detail", args=[store.slug])


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (None removes one): for pagination."""
    query = context["request"].GET.copy()
    for name, value in changes.items():
        query.pop(name, None)
        if value is not None and value != "":
            query[name] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def delivery_scope(store) -> str:
    """``Local · National``: how far the store delivers, or pickup only."""
    scopes = [
        label
        for flag, label in (
            ("delivers_local", _("Local")),
            ("delivers_national", _("National")),
            ("delivers_international", _("International")),
            ("delivers_digital", _("Digital")),
        )
        if getattr(store, flag, False)
    ]
    return " · ".join(scopes) if scopes else _("Pickup only")


@register.filter
def store_place(store) -> str:
    """Where the store sells from, in a few words: "Westlands, Nairobi" (select_related
    ``area__parent`` to keep this query-free), else the seller's own street/landmark text."""
    area = getattr(store, "area", None)
    if isinstance(area, str):
        return area
    label = getattr(store, "area_label", "")
    if area is None:
        return label
    parent = area.parent if area.parent_id else None
    place = f"{area.name}, {parent.name}" if parent else area.name
    return f"{label} · {place}" if label else place


@register.filter
def km(value) -> str:
    if value is None:
        return ""
    value = float(value)
    if value < 1:
        return f"{round(value * 1000, -1):.0f} m"
    if value < 10:
        return f"{value:.1f} km"
    return f"{value:,.0f} km"


@register.simple_tag(takes_context=True)
def heart(context, target, *, favorite=None, size: str = ""):
    """The favorite toggle for a product or a store (``target`` is either). ``favorite``
    overrides the ``is_favorite`` annotation the selectors put on listed products."""
    return heart_for_page(
        request=context["request"],
        target=target,
        is_favorite=getattr(target, "is_favorite", False) if favorite is None else favorite,
        next_url=context["request"].get_full_path(),
        csrf_token=context.get("csrf_token"),
        size=size,
    )


@register.simple_tag(takes_context=True)
def product_preview(context):
    """The product page's preview picture (its absolute address), for the head."""
    return product_preview_image(context["request"], list(context.get("images") or ()))


@register.simple_tag(takes_context=True)
def product_social(context, auction_offer=None):
    """The product page's price text and schema.org data, for the head. An auction listing
    offers what its auction does: ``auction_offer`` from ``{% auction_offer %}``."""
    request, product, variant = context["request"], context["product"], context.get("variant")
    images = list(context.get("images") or ())
    url = request.build_absolute_uri(language_url(request.path, get_language()))
    data = product_structured_data(
        request=request, product=product, variant=variant, images=images, url=url, auction_offer=auction_offer
    )
    offer = data.get("offers", {})
    return {"price": offer.get("price") or offer.get("lowPrice", ""), "data": data}
