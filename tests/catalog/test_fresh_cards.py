"""Cached product cards are never stale: each change a shopper could see shows at once on
the category listing, the search results and the product page, though the cards were
cached a moment before (shop.catalog.selectors.cards)."""

from decimal import Decimal

import pytest
from django.core.cache import cache

from sellers.models import Store
from shop.catalog.models import Category, Product, ProductImage, Variant
from shop.catalog.services.products import product_summary_refresh
from tests.factories.catalog import ProductFactory, ReadyImageFactory

pytestmark = pytest.mark.django_db

PAGES = ["/c/fashion/", "/search/?q=kikoi", "/p/{slug}/"]


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def kikoi():
    product = ProductFactory(
        title="Striped kikoi", category=Category.objects.get(slug="fashion"), images=1, variants=[{"price": Decimal("1200"), "stock": 5}]
    )
    return Product.objects.get(pk=product.pk)


def pages_of(client, product) -> dict[str, str]:
    return {url: client.get(url.format(slug=product.slug)).content.decode() for url in PAGES}


def card_of(page: str, slug: str) -> str:
    """The listing card of ``slug`` (the product page itself has no card of it: all of it)."""
    start = page.find(f'data-slug="{slug}"')
    return page[start : page.find("</article>", start)] if start >= 0 else page


def assert_every_page_shows(client, product, text):
    for url, page in pages_of(client, product).items():
        assert text in card_of(page, product.slug), f"{url} does not show {text!r}"


def test_the_listing_cards_come_from_the_cache_the_second_time(client, kikoi):
    first = client.get("/c/fashion/").content.decode()
    # A cached card is still the whole card, with this viewer's heart put back in.
    second = client.get("/c/fashion/").content.decode()

    assert card_of(first, kikoi.slug).split("csrfmiddlewaretoken")[0] == card_of(second, kikoi.slug).split("csrfmiddlewaretoken")[0]
    assert 'data-testid="heart-product-' in card_of(second, kikoi.slug)
    assert any(key.startswith("catalog:card:") or ":catalog:card:" in key for key in _cache_keys())


def _cache_keys() -> list[str]:
    """The keys in the test run's cache (LocMem in the embedded mode, Redis in scale mode)."""
    store = getattr(cache, "_cache", None)
    if isinstance(store, dict):
        return list(store)
    client = cache._cache.get_client()  # django's RedisCache
    return [key.decode() for key in client.scan_iter("*catalog:card:*")]


def test_a_new_price_shows_at_once(client, kikoi):
    assert_every_page_shows(client, kikoi, "1,200")

    Variant.objects.filter(product=kikoi).update(price=Decimal("950"))
    product_summary_refresh(product=kikoi)

    assert_every_page_shows(client, kikoi, "950")


def test_selling_out_shows_at_once(client, kikoi):
    pages_of(client, kikoi)

    Variant.objects.filter(product=kikoi).update(stock=0)
    product_summary_refresh(product=kikoi)

    listing, search, _product = pages_of(client, kikoi).values()
    assert "Sold out" in card_of(listing, kikoi.slug)
    assert "Sold out" in card_of(search, kikoi.slug)


def test_a_new_title_shows_at_once(client, kikoi):
    pages_of(client, kikoi)

    Product.objects.filter(pk=kikoi.pk).update(title="Checked kikoi")

    listing, search, product_page = pages_of(client, kikoi).values()
    assert "<bdi>Checked kikoi</bdi></a>" in card_of(listing, kikoi.slug)
    assert "<bdi>Checked kikoi</bdi></a>" in card_of(search, kikoi.slug)
    assert "<title>Checked kikoi" in product_page


def test_a_new_picture_shows_at_once(client, kikoi):
    pages_of(client, kikoi)
    picture = ReadyImageFactory()

    ProductImage.objects.filter(product=kikoi).update(image=picture)

    assert_every_page_shows(client, kikoi, picture.sha256)


def test_a_renamed_store_shows_at_once(client, kikoi):
    pages_of(client, kikoi)

    Store.objects.filter(pk=kikoi.store_id).update(name="Kikoi House")

    assert_every_page_shows(client, kikoi, "Kikoi House")


def test_another_language_gets_its_own_cards(client, kikoi):
    Variant.objects.filter(product=kikoi).update(stock=0)
    product_summary_refresh(product=kikoi)
    listing_en = card_of(client.get("/c/fashion/").content.decode(), kikoi.slug)

    client.cookies["soko_language"] = "fr"
    listing_fr = card_of(client.get("/c/fashion/").content.decode(), kikoi.slug)

    assert "Sold out" in listing_en
    assert "Épuisé" in listing_fr and "Sold out" not in listing_fr
