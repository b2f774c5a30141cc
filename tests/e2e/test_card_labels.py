"""A product card's words stay inside the card in every language on a 390 px phone: the
longest labels (a sale badge, "Sold at auction", "Starting bid", a price in large
figures) wrap instead of running past the card's edge, left to right and right to left."""

from decimal import Decimal

import pytest
from django.conf import settings

from shop.catalog.models import Product
from tests.factories import StoreFactory
from tests.factories.catalog import ProductFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Every element of each card, and how far (px) it sticks out of the card's box, if it does.
OUTSIDE = """() => [...document.querySelectorAll("[data-testid=product-card]")].flatMap((card) => {
  const box = card.getBoundingClientRect();
  return [...card.querySelectorAll("*")].map((el) => {
    const r = el.getBoundingClientRect();
    const out = Math.max(box.left - r.left, r.right - box.right);
    return out > 1 && r.width > 0 ? `${card.dataset.slug} <${el.tagName.toLowerCase()}> "${el.textContent.trim().slice(0, 40)}" ${out.toFixed(0)} px` : null;
  }).filter(Boolean);
})"""


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_card_labels_stay_inside_their_cards_on_a_phone(new_page, soko_live, language):
    store = StoreFactory(name="Mama Njeri Crafts")
    ProductFactory(
        store=store, title="Antique kiondo market basket", listing_type=Product.Listing.AUCTION,
        variants=[{"stock": 0, "price": Decimal("3500")}],
    )
    ProductFactory(store=store, title="Kikoi beach wrap", variants=[{"stock": 3, "price": Decimal("1250000"), "compare_at_price": Decimal("1500000")}])
    ProductFactory(
        store=store, title="Soapstone chess set", listing_type=Product.Listing.AUCTION,
        variants=[{"stock": 1, "price": Decimal("48000")}],
    )
    page = new_page()
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": soko_live.url}])
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/s/{store.slug}/")
    assert page.locator("[data-testid=product-card]").count() == 3
    assert page.evaluate("document.documentElement.lang") == language
    assert page.evaluate(OUTSIDE) == []
