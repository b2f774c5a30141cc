"""Whole catalog pages cached for visitors without a session (shop.catalog.services.page_cache),
under the catalog's stamp that database triggers move on (shop.catalog.services.stamp)."""

import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shop.auctions.models import Auction
from shop.catalog.models import CatalogChange, Category, Product, Variant
from shop.catalog.services.stamp import catalog_changes_prune, catalog_stamp
from tests.factories.auctions import ended, live_auction
from tests.factories.catalog import ProductFactory

pytestmark = pytest.mark.django_db

CACHED_PAGES = [
    "/",
    "/c/fashion/",
    "/c/fashion/?page=2&sort=price&in_stock=on",
    "/search/?q=kikoi",
    "/search/?q=kikio&sort=distance&lat=-1.28&lng=36.8",
    "/search/?colour=red&brand=Mama+Njeri",
    "/p/{slug}/",
    "/p/{slug}/?variant={variant}",
    "/s/{store}/",
    "/s/{store}/?page=2",
    "/stores/",
    "/stores/?q=kikoi&sort=rating",
]


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def kikoi():
    fashion = Category.objects.get(slug="fashion")
    ProductFactory.create_batch(30, title="Plain kikoi", category=fashion, images=1, brand="Mama Njeri")
    product = ProductFactory(
        title="Striped kikoi", category=fashion, images=1, tags=["beach"], variants=[{"price": Decimal("1200"), "attributes": {"colour": "red"}}]
    )
    live_auction(title="Carved kikoi stand", category=fashion, store=product.store)  # listings show auctions too
    return Product.objects.get(pk=product.pk)


def watched_tables() -> set[str]:
    """The tables the installed triggers watch, read from the database itself."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT event_object_table FROM information_schema.triggers WHERE trigger_name LIKE '%%_changed'")
        else:
            cursor.execute("SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%_changed'")
        return {row[0] for row in cursor.fetchall()}


def url_of(template: str, product) -> str:
    return template.format(slug=product.slug, variant=product.variants.first().pk, store=product.store.slug)


@pytest.mark.parametrize("template", CACHED_PAGES)
@pytest.mark.parametrize("htmx", [False, True])
def test_every_table_a_cached_page_reads_is_watched_by_the_triggers(client, kikoi, template, htmx):
    """A page that starts reading a table the triggers do not watch would be served stale
    after a change there: add the table to catalog 0007's list (and a migration)."""
    headers = {"HX-Request": "true"} if htmx else {}
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url_of(template, kikoi), headers=headers)

    assert response.status_code == 200
    read = {table for query in queries for table in re.findall(r'(?:FROM|JOIN)\s+"(\w+)"', query["sql"])}
    assert read, "the page ran no query: nothing was checked"
    assert read - {"catalog_catalogchange"} <= watched_tables()


@pytest.mark.parametrize("template", CACHED_PAGES)
def test_a_page_asked_for_twice_is_then_served_for_one_query(kikoi, template):
    """One query: the stamp (with a product page's sale counters, which its copy is keyed by)."""
    url = url_of(template, kikoi)
    Client().get(url)  # leaves a marker
    first = Client().get(url)  # stores the page

    with CaptureQueriesContext(connection) as queries:
        second = Client().get(url)

    assert len(queries) == 1
    assert second.status_code == 200
    assert strip_per_response(second.content.decode()) == strip_per_response(first.content.decode())


def strip_per_response(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", html)
    html = re.sub(r'"X-CSRFToken": "\w+"', "", html)
    return re.sub(r'name="click_key" value="[0-9a-f-]+"', "", html)


def test_a_page_asked_for_once_is_not_stored(kikoi):
    Client().get("/search/?q=kikoi+once")

    with CaptureQueriesContext(connection) as queries:
        Client().get("/search/?q=kikoi+once")
    rendered = len(queries)
    with CaptureQueriesContext(connection) as queries:
        Client().get("/search/?q=kikoi+once")

    assert rendered > 1 and len(queries) == 1


def test_a_cached_page_carries_a_working_token_for_this_visitor_and_a_new_click_key(kikoi):
    url = f"/p/{kikoi.slug}/"
    Client().get(url)
    Client().get(url)
    shopper = Client(enforce_csrf_checks=True)

    page = shopper.get(url)
    again = shopper.get(url)
    html = page.content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="(\w+)"', html).group(1)
    click_keys = [re.search(r'name="click_key" value="([0-9a-f-]+)"', p.content.decode()).group(1) for p in (page, again)]
    added = shopper.post(
        "/cart/add/", {"variant": kikoi.variants.first().pk, "quantity": 1, "click_key": click_keys[0], "csrfmiddlewaretoken": token}
    )

    assert "csrftoken" in page.cookies
    assert click_keys[0] != click_keys[1]
    assert added.status_code == 302


def test_signed_in_shoppers_and_visitors_with_a_session_get_their_own_page(client, kikoi, user):
    anonymous = Client().get("/c/fashion/").content.decode()
    client.force_login(user)

    with CaptureQueriesContext(connection) as queries:
        page = client.get("/c/fashion/").content.decode()
    ran = len(queries)  # read now: the next request clears Django's query log
    guest = Client()
    guest.post("/cart/add/", {"variant": kikoi.variants.first().pk, "quantity": 1})

    assert ran > 1
    assert 'action="/accounts/logout/"' in page and 'action="/accounts/logout/"' not in anonymous
    assert 'data-count="1"' in guest.get("/c/fashion/").content.decode()


def test_a_change_by_update_or_f_expression_moves_the_stamp_on(kikoi):
    before = catalog_stamp()
    Variant.objects.filter(product=kikoi).update(price=F("price") - 1)
    after_update = catalog_stamp()
    Product.objects.filter(pk=kikoi.pk).update(title="Red kikoi")

    assert len({before, after_update, catalog_stamp()}) == 3


def test_pruning_keeps_every_stamp_new(kikoi, settings):
    settings.SOKO_CATALOG_CHANGES_KEEP = 1
    seen = {catalog_stamp()}

    deleted = catalog_changes_prune()
    seen.add(catalog_stamp())
    Product.objects.filter(pk=kikoi.pk).update(title="Red kikoi")
    seen.add(catalog_stamp())

    assert deleted > 1
    assert CatalogChange.objects.count() == 2
    assert len(seen) == 3


def test_the_browser_is_told_nothing_changed_until_something_does(kikoi):
    visitor = Client()
    visitor.get("/c/fashion/")  # sets the CSRF cookie
    visitor.get("/c/fashion/")
    first = visitor.get("/c/fashion/")
    etag = first["ETag"]

    unchanged = visitor.get("/c/fashion/", headers={"If-None-Match": etag})
    Variant.objects.filter(product=kikoi).update(price=Decimal("950"))
    changed = visitor.get("/c/fashion/", headers={"If-None-Match": etag})

    assert "no-cache" in first["Cache-Control"] and "private" in first["Cache-Control"]
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_a_product_page_is_never_answered_304(kikoi):
    """A browser's copy would repeat its add-to-cart click key."""
    visitor = Client()
    visitor.get(f"/p/{kikoi.slug}/")
    visitor.get(f"/p/{kikoi.slug}/")
    page = visitor.get(f"/p/{kikoi.slug}/")

    assert "ETag" not in page
    assert visitor.get(f"/p/{kikoi.slug}/", headers={"If-None-Match": '"anything"'}).status_code == 200


def test_a_renamed_category_shows_at_once_to_everyone(client, kikoi, user):
    """The category tree and the filter options are cached under the stamp too: a signed-in
    shopper (no page cache) and a visitor (page cache) both see the new name."""
    visitor = Client()
    client.force_login(user)
    for viewer in (client, visitor):
        viewer.get("/c/fashion/")

    Category.objects.filter(slug="fashion").update(name="Clothing")

    for viewer in (client, visitor):
        page = viewer.get("/c/fashion/").content.decode()
        assert "<title>Clothing" in page
        assert "All of Clothing" in page


def test_a_product_sold_by_auction_always_shows_its_auctions_offer_as_it_is_now():
    """Its page offers the auction's current bid and says whether bidding is open: neither
    moves the stamp (a bid is no catalog change), so the page is never kept."""
    auction = live_auction(start_price="250")
    url = f"/p/{auction.product.slug}/"
    for _ in range(2):
        assert '"250.00"' in Client().get(url).content.decode()

    Auction.objects.filter(pk=auction.pk).update(current_price=Decimal("410"))

    assert '"410.00"' in Client().get(url).content.decode()
    ended(auction)
    assert "https://schema.org/InStock" not in Client().get(url).content.decode()
