"""A store's page and the stores directory are kept for visitors like the catalog's pages
(shop.catalog.services.page_cache): under the catalog's stamp and the orders counted, and never
past the next moment the hours they show say something else ("Open now", the week's "today")."""

import zoneinfo
from datetime import datetime, time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sellers.hours import store_hours_change_next
from sellers.models import StoreHours
from shop.orders.services.orders import order_popularity_count
from tests.catalog.test_page_cache import empty_cache  # noqa: F401 - the cache emptied around each test
from tests.factories import StoreFactory
from tests.factories.catalog import ProductFactory
from tests.factories.orders import OrderFactory
from tests.factories.stores import store_hours_week

pytestmark = pytest.mark.django_db

NAIROBI = zoneinfo.ZoneInfo("Africa/Nairobi")


@pytest.fixture
def store():
    store = StoreFactory(name="Mama Njeri Crafts", time_zone="Africa/Nairobi")
    store_hours_week(store, opens=time(8), closes=time(17))
    ProductFactory(store=store, title="Sisal basket")
    return store


def visit(url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        page = Client().get(url).content.decode()
    return len(queries), page


def test_a_visitor_gets_the_kept_copy_until_the_store_closes(store, time_machine):
    url = f"/s/{store.slug}/"
    time_machine.move_to(datetime(2026, 11, 25, 16, 58, tzinfo=NAIROBI), tick=False)
    visit(url)
    visit(url)  # kept from the second request

    ran, page = visit(url)
    assert ran == 1 and "Open now" in page

    time_machine.move_to(datetime(2026, 11, 25, 17, 0, 1, tzinfo=NAIROBI), tick=False)
    ran, page = visit(url)
    assert ran > 1
    assert "Closed now" in page and "Open now" not in page


def test_the_kept_copy_ends_with_the_stores_day(store, time_machine):
    """The week's "today" is the store's: a copy made late on Wednesday is not Thursday's."""
    StoreHours.objects.filter(store=store).update(opens=time(8), closes=time(2))  # open past midnight
    url = f"/s/{store.slug}/"
    time_machine.move_to(datetime(2026, 11, 25, 23, 59, tzinfo=NAIROBI), tick=False)  # a Wednesday
    visit(url)
    visit(url)

    time_machine.move_to(datetime(2026, 11, 26, 0, 0, 1, tzinfo=NAIROBI), tick=False)
    ran, page = visit(url)

    assert ran > 1
    assert 'class="is-today" aria-current="date"><th scope="row" class="ps-0">Thursday' in page


def test_new_hours_show_at_once(store, time_machine):
    url = f"/s/{store.slug}/"
    time_machine.move_to(datetime(2026, 11, 25, 12, 0, tzinfo=NAIROBI), tick=False)
    visit(url)
    assert "Open now" in visit(url)[1]

    StoreHours.objects.filter(store=store).update(closed=True)

    assert "Closed now" in visit(url)[1]


def test_a_sale_shows_in_the_stores_orders_at_once_and_leaves_other_stores_kept(store):
    order = OrderFactory(store=store, items=1)
    other = StoreFactory(name="Duka la Pwani")
    ProductFactory(store=other)
    for url in (f"/s/{store.slug}/", f"/s/{other.slug}/"):
        visit(url)
        visit(url)

    order_popularity_count(order=order)

    ran, page = visit(f"/s/{store.slug}/")
    assert ran > 1 and "1 order" in page
    assert visit(f"/s/{other.slug}/")[0] == 1


def test_hours_change_next_is_the_next_opening_closing_or_midnight(store):
    at = datetime(2026, 11, 25, 7, 0, tzinfo=NAIROBI)

    assert store_hours_change_next(store=store, at=at) == datetime(2026, 11, 25, 8, 0, tzinfo=NAIROBI)
    assert store_hours_change_next(store=store, at=at.replace(hour=9)) == datetime(2026, 11, 25, 17, 0, tzinfo=NAIROBI)
    assert store_hours_change_next(store=store, at=at.replace(hour=18)) == datetime(2026, 11, 26, 0, 0, tzinfo=NAIROBI)


def test_the_directory_is_kept_until_a_store_on_it_opens_or_closes(store, time_machine):
    time_machine.move_to(datetime(2026, 11, 25, 16, 58, tzinfo=NAIROBI), tick=False)
    visit("/stores/")
    visit("/stores/")

    ran, page = visit("/stores/")
    assert ran == 1 and 'data-testid="card-open">Open now<' in page

    time_machine.move_to(datetime(2026, 11, 25, 17, 0, 1, tzinfo=NAIROBI), tick=False)
    ran, page = visit("/stores/")
    assert ran > 1 and 'data-testid="card-open">Closed<' in page


def test_the_directory_filtered_to_open_stores_is_never_kept(store, time_machine):
    """Which stores are open changes with any store's hours, shown or not."""
    time_machine.move_to(datetime(2026, 11, 25, 12, 0, tzinfo=NAIROBI), tick=False)
    for _ in range(3):
        ran, page = visit("/stores/?open_now=on")

    assert ran > 1 and store.name in page


def test_a_sale_shows_in_the_directory_at_once(store):
    order = OrderFactory(store=store, items=1)
    visit("/stores/")
    visit("/stores/")

    order_popularity_count(order=order)

    ran, page = visit("/stores/")
    assert ran > 1 and "1 order" in page
