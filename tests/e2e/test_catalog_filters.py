"""A shopper narrows the catalog in a real browser, and keeps a favorite.

Filters update the results in place (htmx), the address bar follows, and the address
reloads to the same results; the heart toggles a favorite that is still there after a reload.
"""

from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from shop.catalog.models import Favorite
from tests.e2e.pages import expect, log_in
from tests.factories import UserFactory
from tests.factories.catalog import CategoryFactory, ProductFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def shown_titles(page) -> list[str]:
    return page.locator("#results [data-testid=product-card] .product-card-title").all_inner_texts()


def mark_document(page) -> None:
    page.evaluate("window.__catalogMarker = 'same-document'")


def same_document(page) -> bool:
    return page.evaluate("window.__catalogMarker === 'same-document'")


@pytest.fixture
def catalog(db):
    # Transactional tests flush the migrations' categories between tests: make them here.
    fashion = CategoryFactory(slug="fashion", name="Fashion")
    fabrics = CategoryFactory(slug="fashion-fabrics", name="Fabrics", parent=fashion)
    shoes = CategoryFactory(slug="fashion-shoes", name="Shoes", parent=fashion)
    phones = CategoryFactory(slug="electronics-phones", name="Phones", parent=CategoryFactory(slug="electronics", name="Electronics"))
    ProductFactory(title="Kikoi wrap", category=fabrics, variants__price=Decimal("1200"))
    ProductFactory(title="Kitenge fabric", category=fabrics, variants__price=Decimal("2500"))
    ProductFactory(title="Leather sandals", category=shoes, variants__price=Decimal("900"))
    ProductFactory(title="Galaxy A15", category=phones, variants__price=Decimal("19500"))
    ProductFactory(title="Nokia 105", category=phones, variants__price=Decimal("2600"))


def test_shopper_filters_by_category_and_price_without_reloading(new_page, catalog):
    page = new_page()
    page.goto("/search/")
    expect(page.locator("#results [data-testid=product-card]")).to_have_count(5)
    mark_document(page)

    page.select_option("#id_category", "fashion")
    expect(page.locator("#results [data-testid=product-card]")).to_have_count(3)
    assert sorted(shown_titles(page)) == ["Kikoi wrap", "Kitenge fabric", "Leather sandals"]
    assert parse_qs(urlsplit(page.url).query)["category"] == ["fashion"]

    page.fill("#id_max_price", "2000")
    page.press("#id_max_price", "Enter")
    expect(page.locator("#results [data-testid=product-card]")).to_have_count(2)
    assert sorted(shown_titles(page)) == ["Kikoi wrap", "Leather sandals"]
    query = parse_qs(urlsplit(page.url).query)
    assert query["category"] == ["fashion"] and query["max_price"] == ["2000"]
    assert same_document(page), "the filters reloaded the page instead of swapping the results"

    page.select_option("#id_sort", "-price")
    expect(page.locator("#results [data-testid=product-card]").first).to_contain_text("Kikoi wrap")
    assert shown_titles(page) == ["Kikoi wrap", "Leather sandals"]
    assert same_document(page)
    filtered_url = page.url
    assert parse_qs(urlsplit(filtered_url).query)["sort"] == ["-price"]

    page.reload()
    assert not same_document(page)
    assert shown_titles(page) == ["Kikoi wrap", "Leather sandals"]
    expect(page.locator("#id_category")).to_have_value("fashion")
    expect(page.locator("#id_max_price")).to_have_value("2000")

    page.go_back()
    expect(page.locator("#results [data-testid=product-card]")).to_have_count(2)
    page.go_back()
    expect(page.locator("#results [data-testid=product-card]")).to_have_count(3)


def test_shopper_hearts_a_product_and_it_stays_a_favorite(new_page, catalog):
    shopper = UserFactory(email="wanjiru@example.test")
    page = new_page()
    log_in(page, shopper.email)

    page.goto("/search/?q=kikoi")
    card = page.locator("[data-testid=product-card]", has_text="Kikoi wrap")
    heart = card.locator(".heart-btn")
    expect(heart).to_have_attribute("aria-pressed", "false")
    mark_document(page)

    heart.click()
    expect(card.locator(".heart-btn")).to_have_attribute("aria-pressed", "true")
    assert same_document(page)
    assert Favorite.objects.filter(user=shopper, product__title="Kikoi wrap").exists()

    page.reload()
    card = page.locator("[data-testid=product-card]", has_text="Kikoi wrap")
    expect(card.locator(".heart-btn")).to_have_attribute("aria-pressed", "true")

    page.goto("/favorites/")
    expect(page.locator("[data-testid=favorite-products]")).to_contain_text("Kikoi wrap")
    page.locator("[data-testid=product-card]", has_text="Kikoi wrap").locator(".heart-btn").click()
    expect(page.locator("[data-testid=product-card]", has_text="Kikoi wrap").locator(".heart-btn")).to_have_attribute(
        "aria-pressed", "false"
    )
    assert not Favorite.objects.filter(user=shopper).exists()


def test_anonymous_heart_leads_to_log_in(new_page, catalog):
    page = new_page()
    page.goto("/search/?q=kikoi")

    page.locator("[data-testid=product-card]", has_text="Kikoi wrap").locator(".heart-btn").click()

    page.wait_for_url(lambda url: urlsplit(url).path == "/accounts/login/")
    assert parse_qs(urlsplit(page.url).query)["next"] == ["/search/?q=kikoi"]


def test_choosing_an_option_updates_price_and_stock_in_place(new_page, catalog):
    ProductFactory(
        title="Beaded sandals",
        slug="beaded-sandals",
        variants=[
            {"name": "Size 40", "price": Decimal("2200"), "stock": 9},
            {"name": "Size 41", "price": Decimal("2400"), "compare_at_price": Decimal("3000"), "stock": 2},
            {"name": "Size 42", "price": Decimal("2200"), "stock": 0},
        ],
    )
    page = new_page()
    page.goto("/p/beaded-sandals/")
    mark_document(page)
    expect(page.get_by_test_id("variant-price")).to_have_text("KES 2,200")

    page.locator("label", has_text="Size 41").click()
    expect(page.get_by_test_id("variant-price")).to_have_text("KES 2,400")
    expect(page.get_by_test_id("compare-at")).to_have_text("KES 3,000")
    expect(page.get_by_test_id("stock-state")).to_contain_text("Only 2 left")

    page.locator("label", has_text="Size 42").click()
    expect(page.get_by_test_id("stock-state")).to_contain_text("Sold out")
    assert same_document(page)
    assert "variant=" in page.url
