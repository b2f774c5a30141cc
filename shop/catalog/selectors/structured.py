"""What a product page tells search engines and link previews: schema.org ``Product`` with
its ``Offer`` and ``AggregateRating`` (JSON-LD), and the OpenGraph picture and price. An
auction listing's offer is its auction's (shop.auctions.selectors.structured)."""

from shop.catalog.models import Product, Variant
from shop.core.selectors.currencies import money_quantize
from shop.core.selectors.seo import aggregate_rating

# Link previews want a large JPEG (WebP is not read everywhere).
PREVIEW_WIDTH = 960
AVAILABILITY = {True: "https://schema.org/InStock", False: "https://schema.org/OutOfStock"}
CONDITION = {
    Product.Condition.NEW: "https://schema.org/NewCondition",
    Product.Condition.USED: "https://schema.org/UsedCondition",
    Product.Condition.HANDMADE: "https://schema.org/NewCondition",
}


def product_preview_image(request, images) -> str:
    """The absolute address of the page's first picture, or empty."""
    return request.build_absolute_uri(images[0].image.url(PREVIEW_WIDTH, "jpeg")) if images else ""


def product_price_text(product: Product, variant: Variant | None) -> str:
    """The variant's price as a plain decimal in the store's currency ("25000" GNF)."""
    return str(money_quantize(variant.price, product.store.currency)) if variant else ""


def product_structured_data(
    *, request, product: Product, variant: Variant | None, images, url: str, auction_offer: dict | None = None
) -> dict:
    """Empty when there is nothing to read: a product rich result needs an offer or a rating."""
    data = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.title,
        "url": url,
        "description": product.description[:5000],
        "category": product.category.label,
        "brand": {"@type": "Brand", "name": product.store.name},
    }
    pictures = [request.build_absolute_uri(picture.image.url(PREVIEW_WIDTH, "jpeg")) for picture in images]
    if pictures:
        data["image"] = pictures
    if variant is not None:
        data["sku"] = variant.sku or str(variant.pk)
    if product.is_auction:
        if auction_offer:
            data["offers"] = auction_offer
    elif variant is not None:
        data["offers"] = {
            "@type": "Offer",
            "url": url,
            "price": product_price_text(product, variant),
            "priceCurrency": product.store.currency,
            "availability": AVAILABILITY[variant.stock > 0],
            "itemCondition": CONDITION.get(product.condition, CONDITION[Product.Condition.NEW]),
            "seller": {"@type": "Organization", "name": product.store.name},
        }
    if product.rating_count:
        data["aggregateRating"] = aggregate_rating(product.rating_avg, product.rating_count)
    return data if "offers" in data or "aggregateRating" in data else {}
