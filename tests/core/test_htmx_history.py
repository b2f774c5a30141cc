"""Back and reload on pages that htmx updates in place.

A page that pushes (or replaces) its address with htmx can be asked for in three ways: a
plain load (the page), an htmx swap (only the part that changes) and, after Back or
Forward, an htmx *history restore* (``HX-History-Restore-Request``), whose answer replaces
the whole page: it must be the whole page, or the shopper is left with a bare fragment.
"""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import StoreFactory, UserFactory
from tests.factories.catalog import CategoryFactory, ProductFactory
from tests.factories.orders import OrderFactory

pytestmark = pytest.mark.django_db

SWAP = {"HX-Request": "true"}
RESTORE = {"HX-Request": "true", "HX-History-Restore-Request": "true"}

# Every template whose htmx requests change the address bar, with the URLs (as they are
# pushed) and a mark of the part an htmx swap returns. Who: "buyer", "seller" or None.
PUSHED = {
    "catalog/list.html": [
        ("/c/fashion/?brand=&sort=-price&max_price=2000", 'id="results"', None),
        ("/search/?q=kikoi&page=1", 'id="results"', None),
    ],
    "catalog/product.html": [("/p/kikoi-wrap/?variant={variant}", 'id="buy-box"', None)],
    "auctions/list.html": [("/auctions/?show=live&category=", 'id="auction-results"', None)],
    "stores/list.html": [("/stores/?q=duka", 'data-testid="stores-count"', None)],
    "stores/detail.html": [("/s/duka-la-amina/?page=1", 'data-testid="product-card"', None)],
    "orders/list.html": [("/orders/?status=pending", 'id="order-results"', "buyer")],
    "sellers/orders/list.html": [("/dashboard/orders/?status=pending&q=", 'id="order-results"', "seller")],
    "sellers/products/list.html": [("/dashboard/products/?status=active&q=kikoi", 'id="product-results"', "seller")],
    "chat/inbox.html": [("/messages/?q=kikoi", 'data-testid="chat-inbox"', "buyer")],
    "sellers/chat/inbox.html": [("/dashboard/messages/?q=", 'data-testid="store-chat-inbox"', "seller")],
    "sellers/returns/list.html": [("/dashboard/returns/?status=all&q=", 'id="return-results"', "seller")],
    "blog/list.html": [("/blog/?page=1", 'id="posts"', None)],
    "promotions/points.html": [("/points/?page=1", 'id="points-history"', "buyer")],
}
# Partials whose links or forms push the address of the page that includes them.
PUSHING_PARTIALS = ("_pagination.html", "_status_tabs.html", "_list_search.html")
PUSHING = re.compile(r'hx-(?:push-url|replace-url|boost)="true"')


def _templates_that_push() -> set[str]:
    found = set()
    for root in settings.TEMPLATES[0]["DIRS"]:
        for path in Path(root).rglob("*.html"):
            name = path.relative_to(root).as_posix()
            if name in PUSHING_PARTIALS:
                continue
            text = path.read_text()
            if PUSHING.search(text) or any(f'"{partial}"' in text for partial in PUSHING_PARTIALS):
                found.add(name)
    return found


def test_every_template_that_pushes_an_address_is_checked_below():
    assert _templates_that_push() == set(PUSHED), "add the new page's pushed URLs to PUSHED"


@pytest.fixture
def world(db):
    owner = UserFactory(email="amina@example.test")
    store = StoreFactory(name="Duka la Amina", slug="duka-la-amina", owner=owner)
    fashion = CategoryFactory(slug="fashion", name="Fashion")
    product = ProductFactory(title="Kikoi wrap", slug="kikoi-wrap", store=store, category=fashion, variants=2, variants__price=Decimal("1200"))
    buyer = UserFactory(email="wanjiru@example.test")
    OrderFactory(buyer=buyer, store=store)
    return {"buyer": buyer, "seller": owner, "variant": product.variants.first().pk}


CASES = [
    pytest.param(template, url, part, who, id=url.split("?")[0])
    for template, rows in PUSHED.items()
    for url, part, who in rows
]


@pytest.mark.parametrize(("template", "url", "part", "who"), CASES)
def test_back_to_a_pushed_address_gets_the_whole_page(client, world, template, url, part, who):
    if who:
        client.force_login(world[who])
    url = url.format(variant=world["variant"])

    restored = client.get(url, headers=RESTORE)
    swapped = client.get(url, headers=SWAP)

    assert restored.status_code == swapped.status_code == 200
    page, fragment = restored.content.decode(), swapped.content.decode()
    assert "<html" in page and 'id="page"' in page and 'aria-label="Main"' in page, "the navbar must come back"
    assert part in page
    assert "<html" not in fragment and 'aria-label="Main"' not in fragment
    assert part in fragment
    for response in (restored, swapped):
        vary = {header.strip().lower() for header in response["Vary"].split(",")}
        assert {"hx-request", "hx-history-restore-request"} <= vary


def test_a_plain_load_of_a_pushed_address_is_the_whole_page(client, world):
    client.force_login(world["seller"])

    response = client.get("/dashboard/orders/?status=pending")

    assert "<html" in response.content.decode()
    assert "HX-Request" in response["Vary"]
