"""A product sold at auction shows as sold on every page that shows its card (listing,
search, store page, favourites, home, related products, a chat about it), never at its
starting price: every card takes its price from ``catalog/_price.html``."""

from decimal import Decimal

import pytest
from django.urls import reverse

from shop.auctions.services import auction_close, bid_place
from shop.catalog.models import Category, Favorite, Product
from tests.catalog.test_fresh_cards import empty_cache  # noqa: F401 - cards are cached
from tests.factories import UserFactory
from tests.factories.auctions import auction_product, ended, live_auction
from tests.factories.catalog import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def drum():
    """A drum auctioned from 7,350 (a price no other figure on the pages has), won at 8,000."""
    fashion = Category.objects.get(slug="fashion")
    product = auction_product(title="Carved djembe drum", category=fashion, featured=True, images=1)
    product.variants.update(price=Decimal("7350"))
    auction = live_auction(product=product, start_price="7350")
    bid_place(auction_id=auction.pk, bidder=UserFactory(), amount=Decimal("8000"))
    auction_close(auction_id=ended(auction).pk)
    return Product.objects.get(pk=product.pk)


def card_of(page: str, slug: str) -> str:
    start = page.find(f'data-slug="{slug}"')
    assert start >= 0, "the card is missing"
    return page[start : page.find("</article>", start)]


def test_a_sold_auction_item_shows_as_sold_wherever_its_card_is(client, drum):
    neighbour = ProductFactory(title="Woven basket", category=drum.category, store=drum.store)
    shopper = UserFactory()
    Favorite.objects.create(user=shopper, product=drum)
    client.force_login(shopper)
    assert not drum.in_stock

    pages = {
        "listing": reverse("catalog:category", args=[drum.category.slug]),
        "search": reverse("catalog:search") + "?q=djembe",
        "store": reverse("stores:detail", args=[drum.store.slug]),
        "favourites": reverse("catalog:favorites"),
        "home": reverse("catalog:home"),
        "related": reverse("catalog:product", args=[neighbour.slug]),
    }
    for name, url in pages.items():
        card = card_of(client.get(url).content.decode(), drum.slug)
        assert "Sold at auction" in card, f"{name}: {card}"
        assert "7,350" not in card, f"{name} shows the starting price"


def test_a_live_auction_card_names_its_price_the_starting_bid(client):
    product = auction_product(title="Brass lantern", category=Category.objects.get(slug="fashion"))
    product.variants.update(price=Decimal("2450"))
    live_auction(product=product, start_price="2450")
    Product.objects.filter(pk=product.pk).update(min_price=Decimal("2450"))

    card = card_of(client.get(reverse("catalog:search") + "?q=lantern").content.decode(), product.slug)

    assert "Starting bid" in card and "2,450" in card
