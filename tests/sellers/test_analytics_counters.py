"""Product views and cart adds are counted in the cache on the request path and moved into
the daily figures by the flush, which neither loses nor doubles a click."""

import uuid
from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shop.catalog.models import Product, ProductDayStats
from shop.catalog.services import activity
from shop.catalog.services.activity import CART_ADD, VIEW, product_activity_count, product_activity_flush
from tests.factories import StoreFactory
from tests.factories.catalog import ProductFactory

pytestmark = pytest.mark.django_db

STATS_TABLE = ProductDayStats._meta.db_table


def figures(product) -> tuple[int, int]:
    rows = ProductDayStats.objects.filter(product=product)
    return sum(r.views for r in rows), sum(r.cart_adds for r in rows)


@pytest.fixture
def basket():
    return ProductFactory(store=StoreFactory(time_zone="Africa/Nairobi"), title="Sisal basket", status=Product.Status.ACTIVE, variants__stock=50)


def test_every_product_page_shown_is_counted_cached_or_not_without_touching_the_stats_table(client, basket):
    url = reverse("catalog:product", args=[basket.slug])
    with CaptureQueriesContext(connection) as captured:
        for _ in range(7):  # the third and later come from the page cache
            assert client.get(url).status_code == 200
        client.get(url, headers={"HX-Request": "true"})  # another variant's buy box: the same view
        client.get(reverse("catalog:product", args=["no-such-product"]))

    assert not any(STATS_TABLE in query["sql"] for query in captured.captured_queries)
    assert figures(basket) == (0, 0)
    assert product_activity_flush() == 7
    assert figures(basket) == (7, 0)


def test_an_add_to_cart_is_counted_once_per_click(client, basket, django_capture_on_commit_callbacks):
    variant = basket.variants.get()
    key = str(uuid.uuid4())
    with CaptureQueriesContext(connection) as captured, django_capture_on_commit_callbacks(execute=True):
        client.post("/cart/add/", {"variant": variant.pk, "quantity": 1, "click_key": key})
        client.post("/cart/add/", {"variant": variant.pk, "quantity": 1, "click_key": key})  # the same click again
        client.post("/cart/add/", {"variant": variant.pk, "quantity": 2, "click_key": str(uuid.uuid4())})

    assert not any(STATS_TABLE in query["sql"] for query in captured.captured_queries)
    product_activity_flush()
    assert figures(basket) == (0, 2)


def test_a_second_flush_finds_nothing_more(basket):
    for _ in range(3):
        product_activity_count(slug=basket.slug, kind=VIEW)
    product_activity_count(slug=basket.slug, kind=CART_ADD)

    assert product_activity_flush() == 4
    assert product_activity_flush() == 0
    product_activity_count(slug=basket.slug, kind=VIEW)
    assert product_activity_flush() == 1
    assert figures(basket) == (4, 1)


def test_two_flushes_reading_the_same_count_claim_it_once():
    cache.set("activity:test", 5)
    first = activity._claim("activity:test", 5)
    cache.incr("activity:test")  # a view lands between the two flushes
    second = activity._claim("activity:test", 5)  # it too had read 5

    assert (first, second) == (5, 1)
    assert cache.get("activity:test") == 0


def test_overlapping_flushes_neither_lose_nor_double_a_view(basket):
    for _ in range(5):
        product_activity_count(slug=basket.slug, kind=VIEW)
    real_get_many = cache.get_many
    inner = {}

    def get_many_then_flush_again(keys):
        found = real_get_many(keys)
        if any(key.startswith("activity:view:") for key in found) and not inner:
            inner["moved"] = 0
            inner["moved"] = product_activity_flush()  # a second flush that read the same counters
        return found

    with mock.patch.object(cache, "get_many", side_effect=get_many_then_flush_again):
        outer = product_activity_flush()

    assert inner["moved"] + outer == 5
    assert figures(basket) == (5, 0)


def test_a_failed_write_gives_the_counts_back(basket):
    product_activity_count(slug=basket.slug, kind=VIEW)
    with (
        mock.patch.object(activity.ProductDayStats.objects, "bulk_create", side_effect=RuntimeError("database gone")),
        pytest.raises(RuntimeError),
    ):
        product_activity_flush()

    assert product_activity_flush() == 1
    assert figures(basket) == (1, 0)


def test_a_view_counts_on_the_stores_own_calendar_day(basket):
    late = datetime(2026, 11, 22, 22, 30, tzinfo=UTC)  # already the 23rd in Nairobi
    product_activity_count(slug=basket.slug, kind=VIEW, at=late)
    product_activity_count(slug=basket.slug, kind=VIEW, at=late - timedelta(hours=3))

    product_activity_flush(now=late + timedelta(minutes=1))

    assert dict(ProductDayStats.objects.values_list("day", "views")) == {date(2026, 11, 22): 1, date(2026, 11, 23): 1}


def test_a_finished_hour_is_not_read_again(basket):
    at = datetime(2026, 11, 22, 10, 15, tzinfo=UTC)
    product_activity_count(slug=basket.slug, kind=VIEW, at=at)
    product_activity_flush(now=at + timedelta(hours=1))

    assert cache.get("activity:2026112210:done") is True
    assert product_activity_flush(now=at + timedelta(hours=1, minutes=1)) == 0
    assert figures(basket) == (1, 0)


def test_the_analytics_page_shows_the_flushed_views(client, basket):
    for _ in range(4):
        product_activity_count(slug=basket.slug, kind=VIEW)
    product_activity_count(slug=basket.slug, kind=CART_ADD)
    product_activity_flush()
    client.force_login(basket.store.memberships.get().user)

    response = client.get(reverse("sellers:analytics"))

    conversion = response.context["figures"].conversion
    assert (conversion.views, conversion.cart_adds, conversion.added_rate) == (4, 1, 25)
