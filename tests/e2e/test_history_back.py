"""A shopper on a phone filters the catalog in the filter drawer, then presses Back.

The drawer closes (and opens and closes again as usual), the page is whole, the form shows
what the address and the results show, and the next change keeps the earlier filters.
"""

from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.pages import expect
from tests.factories.catalog import CategoryFactory, ProductFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phones(db):
    category = CategoryFactory(slug="electronics-phones", name="Phones")
    ProductFactory(title="Galaxy A15", brand="Samsung", category=category, variants__price=Decimal("19500"))
    ProductFactory(title="Galaxy A05", brand="Samsung", category=category, variants__price=Decimal("12500"))
    ProductFactory(title="Nokia 105", brand="Nokia", category=category, variants__price=Decimal("2600"))
    ProductFactory(title="Nokia G22", brand="Nokia", category=category, variants__price=Decimal("16000"))


def cards(page):
    return page.locator("#results [data-testid=product-card]")


def query(page) -> dict:
    """The filters in the address bar (the sort select sends its default, "newest", too)."""
    params = parse_qs(urlsplit(page.url).query)
    if params.get("sort") == ["newest"]:
        del params["sort"]
    return params


def watch_console(page) -> list[str]:
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def test_back_with_the_filter_drawer_open_closes_it_and_the_form_matches(new_page, phones):
    page = new_page()
    page.set_viewport_size(PHONE)
    problems = watch_console(page)
    page.goto("/c/electronics-phones/")
    expect(cards(page)).to_have_count(4)
    drawer = page.locator("#filters")

    page.get_by_role("button", name="Filters").click()
    expect(drawer).to_be_visible()
    page.select_option("#id_brand", "Samsung")
    expect(cards(page)).to_have_count(2)
    page.fill("#id_max_price", "15000")
    page.press("#id_max_price", "Tab")
    expect(cards(page)).to_have_count(1)
    assert query(page) == {"brand": ["Samsung"], "max_price": ["15000"]}
    expect(drawer).to_be_visible()

    page.go_back()  # the drawer is still open

    page.wait_for_function("() => !new URLSearchParams(location.search).has('max_price')")
    assert query(page) == {"brand": ["Samsung"]}
    expect(cards(page)).to_have_count(2)
    expect(drawer).not_to_be_visible()
    expect(page.locator(".offcanvas-backdrop")).to_have_count(0)
    page.wait_for_function("() => getComputedStyle(document.body).overflow !== 'hidden'")  # the page scrolls again
    expect(page.locator("#id_brand")).to_have_value("Samsung")
    expect(page.locator("#id_max_price")).to_have_value("")
    expect(page.locator("nav[aria-label=Main]")).to_have_count(1)

    # The drawer works again: it opens, and its ✕ closes it.
    page.get_by_role("button", name="Filters").click()
    expect(drawer).to_be_visible()
    drawer.get_by_role("button", name="Close").click()
    expect(drawer).not_to_be_visible()

    # The next change keeps the brand the form shows.
    page.select_option("#id_sort", "-price")
    expect(cards(page).first).to_contain_text("Galaxy A15")
    assert query(page) == {"brand": ["Samsung"], "sort": ["-price"]}
    expect(cards(page)).to_have_count(2)

    page.go_back()
    page.go_back()
    page.wait_for_function("() => !new URLSearchParams(location.search).has('brand')")
    expect(cards(page)).to_have_count(4)
    expect(page.locator("#id_brand")).to_have_value("")
    expect(page.locator("#id_sort")).to_have_value("newest")
    page.go_forward()
    page.wait_for_function("() => new URLSearchParams(location.search).get('brand') === 'Samsung'")
    expect(page.locator("#id_brand")).to_have_value("Samsung")
    expect(cards(page)).to_have_count(2)
    assert problems == []
