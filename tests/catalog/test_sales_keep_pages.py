"""A sale moves no catalog stamp (shop.catalog.services.change_triggers ``SALE_COUNTERS``):
the cached pages of every other listing stay cached, and the sold product's own page, keyed
by its sale counters, shows the units left and the orders counted at once."""

import re
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sellers.models import Store
from shop.catalog.models import Category, Product, Variant
from shop.catalog.services.change_triggers import SALE_COUNTERS, watched_columns
from shop.catalog.services.stamp import catalog_stamp
from shop.inventory.services import stock_lock, stock_release, stock_reserve
from shop.orders.services.orders import order_popularity_count
from tests.catalog.test_page_cache import empty_cache, watched_tables  # noqa: F401 - the cache emptied around each test
from tests.factories.catalog import ProductFactory
from tests.factories.orders import OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def kikoi():
    fashion = Category.objects.get(slug="fashion")
    ProductFactory.create_batch(3, title="Plain kikoi", category=fashion, images=1)
    product = ProductFactory(title="Striped kikoi", category=fashion, images=1, variants=[{"price": Decimal("1200"), "stock": 4}])
    return Product.objects.get(pk=product.pk)


def sell(variant: Variant, units: int = 1) -> None:
    """What a checkout writes to the catalog: the units off the variant's stock."""
    with transaction.atomic():
        stock_reserve(locked=stock_lock(variant_ids=[variant.pk]), quantities={variant.pk: units})


def cached(url: str) -> str:
    """``url`` asked for twice by visitors, so that its copy is kept."""
    Client().get(url)
    return Client().get(url).content.decode()


def queries_of(url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        page = Client().get(url).content.decode()
    return len(queries), page


def test_a_sale_leaves_the_other_cached_pages_cached_and_shows_on_its_own_page(kikoi):
    variant = kikoi.variants.get()
    order = OrderFactory(store=kikoi.store, items=[(variant, 1)])
    other = Product.objects.filter(title="Plain kikoi").first()
    pages = {url: cached(url) for url in ("/", "/c/fashion/", "/search/?q=kikoi", f"/p/{other.slug}/", f"/p/{kikoi.slug}/")}
    stamp = catalog_stamp()
    assert "Only 3 left" not in pages[f"/p/{kikoi.slug}/"] and "1 sold" not in pages[f"/p/{kikoi.slug}/"]

    sell(variant)
    order_popularity_count(order=order)  # the order completed: the product's and the store's counts

    assert catalog_stamp() == stamp
    assert Product.objects.get(pk=kikoi.pk).orders_count == 1 and Store.objects.get(pk=kikoi.store_id).orders_count == 1
    for url in ("/", "/c/fashion/", "/search/?q=kikoi"):
        assert queries_of(url)[0] == 1, f"{url} was rendered again after a sale"
    assert queries_of(f"/p/{other.slug}/")[0] == 1
    ran, page = queries_of(f"/p/{kikoi.slug}/")
    assert ran > 1  # rendered again, with what the sale changed
    assert "Only 3 left" in page and "1 sold" in page
    assert 'max="3"' in page


def test_units_back_on_sale_show_on_the_product_page(kikoi):
    variant = kikoi.variants.get()
    sell(variant, 2)
    assert "Only 2 left" in cached(f"/p/{kikoi.slug}/")

    stock_release(quantities={variant.pk: 2})

    page = Client().get(f"/p/{kikoi.slug}/").content.decode()
    assert "Only 2 left" not in page and 'max="4"' in page


def test_selling_the_last_unit_moves_the_stamp_so_every_listing_says_sold_out(kikoi):
    """The product's ``in_stock`` flag is not a sale counter: the cards show it."""
    cached("/c/fashion/")
    stamp = catalog_stamp()

    sell(kikoi.variants.get(), 4)

    card = re.search(rf'data-slug="{kikoi.slug}".*?</article>', Client().get("/c/fashion/").content.decode(), re.S).group(0)
    assert catalog_stamp() != stamp
    assert "Sold out" in card


def test_an_edit_saved_with_the_stock_still_moves_the_stamp(kikoi):
    """Only an update of the sale counters alone is a sale; a whole row saved (the seller's
    form, the admin) may change anything."""
    variant = kikoi.variants.get()
    stamp = catalog_stamp()

    variant.stock = 9
    variant.save()

    assert catalog_stamp() != stamp


def test_every_column_of_a_watched_table_but_its_sale_counters_moves_the_stamp():
    """A column added to a watched table must be watched: a migration that adds one to a
    table with sale counters calls ``triggers_remake`` (PostgreSQL keeps the old column list)."""
    tables = watched_tables()
    assert set(SALE_COUNTERS) <= tables
    with connection.cursor() as cursor:
        for table in tables:
            everything = {column.name for column in connection.introspection.get_table_description(cursor, table)}
            expected = everything - set(SALE_COUNTERS.get(table, ()))
            assert _update_watches(cursor, table, everything) == expected, table
            assert set(watched_columns(connection, table)) == expected


def _update_watches(cursor, table: str, everything: set[str]) -> set[str]:
    """The columns whose update fires one of ``table``'s change triggers (the shared one, and
    a store's own columns' ``STORE_SCOPED``), read from the database."""
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT DISTINCT trigger_name FROM information_schema.triggers "
            "WHERE event_object_table = %s AND event_manipulation = 'UPDATE' AND trigger_name LIKE '%%_changed'",
            [table],
        )
        triggers = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT trigger_name, event_object_column FROM information_schema.triggered_update_columns WHERE event_object_table = %s",
            [table],
        )
        listed = {}
        for trigger, column in cursor.fetchall():
            listed.setdefault(trigger, set()).add(column)
        watched = [listed.get(trigger) or everything for trigger in triggers]
    else:
        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s AND name LIKE '%%_changed'", [table])
        watched = []
        for (sql,) in cursor.fetchall():
            if " AFTER UPDATE" not in sql:
                continue
            columns = re.search(r"UPDATE OF (.*?) ON ", sql)
            watched.append({name.strip().strip('"') for name in columns.group(1).split(",")} if columns else everything)
    assert watched, f"no trigger watches an update of {table}"
    return set().union(*watched)
