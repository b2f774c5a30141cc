"""The dashboard overview tells the seller how the store is doing at a glance: today's
orders, this week's sales and what is running out, with links to act on it."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sellers.analytics.selectors.overview import store_day_and_week_start, store_overview
from shop.catalog.models import Product
from shop.orders.models import Order, OrderStatus
from tests.factories import StoreFactory
from tests.factories.catalog import ProductFactory
from tests.factories.orders import OrderFactory

pytestmark = pytest.mark.django_db


def placed(store, *, total: str, at: datetime, status=OrderStatus.PENDING, currency="KES") -> Order:
    order = OrderFactory(store=store, items=0, status=status, currency=currency)
    Order.objects.filter(pk=order.pk).update(total=Decimal(total), created_at=at)
    return order


@pytest.fixture
def store():
    return StoreFactory(name="Mama Njeri Crafts", time_zone="Africa/Nairobi")


def test_overview_shows_todays_orders_and_this_weeks_sales(seller_client, store):
    now = timezone.now()
    placed(store, total="1250.00", at=now)
    placed(store, total="400.50", at=now, status=OrderStatus.CONFIRMED)
    placed(store, total="999.00", at=now, status=OrderStatus.CANCELLED)  # placed today, but no sale
    placed(store, total="5000.00", at=now - timedelta(days=8), status=OrderStatus.DELIVERED)  # an earlier week
    placed(StoreFactory(), total="7777.00", at=now)  # another store's

    response = seller_client.get(reverse("sellers:dashboard"))

    overview = response.context["overview"]
    assert overview.orders_today == 3
    assert overview.orders_waiting == 1
    assert [(amount.value, amount.currency) for amount in overview.sales_week] == [(Decimal("1650.50"), "KES")]
    page = response.content.decode()
    assert "KES 1,650.50" in page
    assert "1 waiting for you to confirm" in page
    assert "7,777" not in page and "5,000" not in page


def test_a_new_store_sees_zero_figures_not_blanks(seller_client):
    page = seller_client.get(reverse("sellers:dashboard")).content.decode()

    assert '<p class="overview-number mb-0">0</p>' in page
    assert "KES 0" in page
    assert "None waiting to be confirmed" in page
    assert "Every item has more than its low-stock level on hand." in page


def test_sales_in_two_currencies_are_shown_apart(seller_client, store):
    now = timezone.now()
    placed(store, total="100000", at=now, currency="GNF")
    placed(store, total="250", at=now, currency="KES")

    page = seller_client.get(reverse("sellers:dashboard")).content.decode()

    assert "GNF 100,000" in page and "KES 250" in page


def test_today_and_this_week_start_at_midnight_in_the_stores_time_zone(store):
    # Sunday 22:30 in UTC is already Monday 01:30 in Nairobi: a new day and a new week there.
    now = datetime(2026, 11, 22, 22, 30, tzinfo=UTC)
    sunday_evening = placed(store, total="300", at=datetime(2026, 11, 22, 20, 0, tzinfo=UTC))  # 23:00 in Nairobi
    monday_early = placed(store, total="200", at=datetime(2026, 11, 22, 21, 30, tzinfo=UTC))  # 00:30 in Nairobi

    today, week = store_day_and_week_start(store=store, now=now)
    overview = store_overview(store=store, now=now)

    assert today == week == datetime(2026, 11, 22, 21, 0, tzinfo=UTC)
    assert overview.week_starts == date(2026, 11, 23)  # the Monday the seller lives in, not UTC's Sunday
    assert overview.orders_today == 1
    assert [amount.value for amount in overview.sales_week] == [Decimal("200.00")]
    assert sunday_evening.store == monday_early.store == store


def test_low_stock_lists_what_needs_restocking_with_links(seller_client, store):
    ProductFactory(store=store, title="Plenty", variants__stock=50)
    kikoi = ProductFactory(store=store, title="Kikoi", variants=[{"name": "Red", "stock": 2}, {"name": "Blue", "stock": 40}])
    basket = ProductFactory(store=store, title="Sisal basket", variants__stock=0)
    ProductFactory(store=store, title="Old stock", variants__stock=0, status=Product.Status.ARCHIVED)
    ProductFactory(title="Someone else's", variants__stock=0)

    response = seller_client.get(reverse("sellers:dashboard"))

    overview = response.context["overview"]
    assert [(variant.product.title, variant.stock) for variant in overview.restock] == [("Sisal basket", 0), ("Kikoi", 2)]
    assert overview.restock_count == 2
    page = response.content.decode()
    assert f'href="/dashboard/products/{basket.pk}/"><bdi>Sisal basket</bdi></a>' in page
    assert f'href="/dashboard/products/{kikoi.pk}/"><bdi>Kikoi</bdi><span class="text-body-secondary"> · <bdi>Red</bdi></span></a>' in page
    assert "Sold out" in page and "2 left" in page
    assert "Old stock" not in page and "Someone else" not in page


def test_a_long_low_stock_list_shows_the_emptiest_and_links_to_all(seller_client, store):
    for n in range(7):
        ProductFactory(store=store, title=f"Item {n}", variants__stock=n % 3)

    response = seller_client.get(reverse("sellers:dashboard"))

    assert len(response.context["overview"].restock) == 5
    assert [variant.stock for variant in response.context["overview"].restock] == [0, 0, 0, 1, 1]
    assert 'href="/dashboard/products/">7 in all</a>' in response.content.decode()


def queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("sellers:dashboard")).status_code == 200
    return len(captured)


def test_the_overview_costs_the_same_queries_for_a_busy_store_as_for_a_quiet_one(client, django_assert_max_num_queries):
    now = timezone.now()
    quiet, busy = StoreFactory(), StoreFactory()
    placed(quiet, total="100", at=now)
    ProductFactory(store=quiet, variants__stock=1)
    for n in range(12):
        placed(busy, total="100", at=now - timedelta(days=n % 3), currency=("KES", "GNF")[n % 2])
        ProductFactory(store=busy, variants=[{"stock": 0}, {"stock": 1}, {"stock": 2}])
    client.force_login(quiet.memberships.get().user)
    baseline = queries(client)
    client.force_login(busy.memberships.get().user)

    with django_assert_max_num_queries(baseline):
        response = client.get(reverse("sellers:dashboard"))

    assert response.context["overview"].restock_count == 36


def test_a_week_without_sales_is_nought_in_the_stores_own_currency(seller_client):
    lahore = StoreFactory(currency="PKR", time_zone="Asia/Karachi")
    placed(lahore, total="500", at=timezone.now() - timedelta(days=8), currency="PKR")  # an earlier week

    overview = store_overview(store=lahore, now=timezone.now())

    assert [(amount.value, amount.currency) for amount in overview.sales_week] == [(Decimal("0"), "PKR")]
