"""Scheduled sales: the prices drop when the sale starts and come back when it ends, by
themselves, exactly once; every page and checkout see the sale price."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shop.catalog.models import Product, Variant
from shop.promotions.models import Sale, SaleItem
from shop.promotions.services.sales import (
    SaleInput,
    SaleInvalid,
    sale_create,
    sale_end,
    sale_price,
    sale_start,
    sale_stop,
    sales_tick,
)
from tests.factories import StoreFactory
from tests.factories.catalog import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def store():
    return StoreFactory(name="Mama Njeri Crafts", currency="KES")


@pytest.fixture
def basket(store):
    return ProductFactory(store=store, title="Sisal basket", variants=[{"name": "Small", "price": Decimal("1000.00")}, {"name": "Large", "price": Decimal("1500.00"), "compare_at_price": Decimal("1800.00")}])


def schedule(store, products=(), *, kind="percent", amount="20", starts=NOW + HOUR, ends=NOW + 2 * HOUR, category=None, now=NOW):
    data = SaleInput(name="Weekend", kind=kind, amount=Decimal(amount), starts_at=starts, ends_at=ends, products=tuple(products), category=category)
    return sale_create(store=store, user=store.memberships.get().user, data=data, now=now)


def prices(product):
    return [(v.price, v.compare_at_price) for v in Variant.objects.filter(product=product).order_by("pk")]


def test_sale_prices_are_rounded_to_the_currency_and_never_free():
    assert sale_price(Decimal("999.99"), kind="percent", amount=Decimal("15"), currency="KES") == Decimal("849.99")
    assert sale_price(Decimal("25000"), kind="percent", amount=Decimal("33"), currency="GNF") == Decimal("16750")
    assert sale_price(Decimal("10001"), kind="percent", amount=Decimal("33.3"), currency="GNF") == Decimal("6671")
    assert sale_price(Decimal("500"), kind="fixed", amount=Decimal("120.50"), currency="KES") == Decimal("379.50")
    # Never below a whole shilling, nor above the price.
    assert sale_price(Decimal("1.00"), kind="percent", amount=Decimal("99.9"), currency="KES") == Decimal("1.00")
    assert sale_price(Decimal("0.50"), kind="percent", amount=Decimal("50"), currency="KES") == Decimal("0.50")


def test_a_sale_starts_and_ends_by_itself_and_restores_every_price(store, basket):
    sale = schedule(store, [basket])
    assert sales_tick(now=NOW + HOUR - timedelta(seconds=1)) == (0, 0)
    assert prices(basket) == [(Decimal("1000.00"), None), (Decimal("1500.00"), Decimal("1800.00"))]

    assert sales_tick(now=NOW + HOUR) == (1, 0)
    # The struck-through price is the higher of the price and the one already struck through.
    assert prices(basket) == [(Decimal("800.00"), Decimal("1000.00")), (Decimal("1200.00"), Decimal("1800.00"))]
    basket.refresh_from_db()
    assert basket.min_price == Decimal("800.00")
    assert sales_tick(now=NOW + HOUR + timedelta(minutes=1)) == (0, 0)  # once

    assert sales_tick(now=NOW + 2 * HOUR) == (0, 1)
    assert prices(basket) == [(Decimal("1000.00"), None), (Decimal("1500.00"), Decimal("1800.00"))]
    basket.refresh_from_db()
    assert basket.min_price == Decimal("1000.00")
    sale.refresh_from_db()
    assert sale.status == Sale.Status.ENDED and not SaleItem.objects.filter(running=True).exists()


def test_the_exact_moment_jobs_and_the_sweep_do_it_once(store, basket):
    sale = schedule(store, [basket])
    assert sale_start(sale_id=sale.pk, now=NOW + HOUR)
    assert not sale_start(sale_id=sale.pk, now=NOW + HOUR)
    assert sales_tick(now=NOW + HOUR) == (0, 0)
    assert prices(basket)[0] == (Decimal("800.00"), Decimal("1000.00"))
    assert not sale_end(sale_id=sale.pk, now=NOW + HOUR)  # not over yet
    assert sale_end(sale_id=sale.pk, now=NOW + 2 * HOUR)
    assert not sale_end(sale_id=sale.pk, now=NOW + 2 * HOUR)
    assert prices(basket)[0] == (Decimal("1000.00"), None)


def test_a_price_the_seller_changed_during_the_sale_stays(store, basket):
    schedule(store, [basket])
    sales_tick(now=NOW + HOUR)
    small = basket.variants.order_by("pk").first()
    Variant.objects.filter(pk=small.pk).update(price=Decimal("700.00"), compare_at_price=None)
    sales_tick(now=NOW + 2 * HOUR)
    assert prices(basket) == [(Decimal("700.00"), None), (Decimal("1500.00"), Decimal("1800.00"))]


def test_a_variant_is_in_one_running_sale_at_a_time(store, basket):
    schedule(store, [basket], amount="20")
    schedule(store, [basket], amount="50", starts=NOW + HOUR + timedelta(minutes=5), ends=NOW + 3 * HOUR)
    sales_tick(now=NOW + HOUR + timedelta(minutes=5))
    assert prices(basket)[0] == (Decimal("800.00"), Decimal("1000.00"))  # the first sale's
    sales_tick(now=NOW + 2 * HOUR)
    assert prices(basket)[0] == (Decimal("1000.00"), None)  # the second left it out for good


def test_a_category_sale_takes_its_subcategories_and_only_this_stores_products(store):
    baskets = CategoryFactory(name="Baskets")
    small_baskets = CategoryFactory(name="Small baskets", parent=baskets)
    mine = ProductFactory(store=store, category=small_baskets, variants__price=Decimal("100"))
    other_category = ProductFactory(store=store, variants__price=Decimal("100"))
    theirs = ProductFactory(store=StoreFactory(), category=baskets, variants__price=Decimal("100"))
    archived = ProductFactory(store=store, category=baskets, status=Product.Status.ARCHIVED, variants__price=Decimal("100"))
    schedule(store, category=baskets, kind="fixed", amount="10")
    sales_tick(now=NOW + HOUR)
    assert [prices(p)[0][0] for p in (mine, other_category, theirs, archived)] == [Decimal("90.00"), 100, 100, 100]


def test_a_store_stops_its_sale(store, basket):
    running = schedule(store, [basket])
    scheduled = schedule(store, [basket], starts=NOW + 5 * HOUR, ends=NOW + 6 * HOUR)
    sales_tick(now=NOW + HOUR)
    assert sale_stop(sale=running, now=NOW + HOUR + timedelta(minutes=10)).status == Sale.Status.ENDED
    assert running.ends_at == NOW + HOUR + timedelta(minutes=10)
    assert prices(basket)[0] == (Decimal("1000.00"), None)
    assert sale_stop(sale=scheduled, now=NOW + HOUR).status == Sale.Status.CANCELLED
    assert sales_tick(now=NOW + 5 * HOUR) == (0, 0)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ends": NOW + HOUR, "starts": NOW + 2 * HOUR}, "end after it starts"),
        ({"ends": NOW - HOUR, "starts": NOW - 2 * HOUR}, "already past"),
        ({"kind": "percent", "amount": "100"}, "below 100"),
        ({"kind": "fixed", "amount": "1000"}, "more than Sisal basket costs"),
        ({"products": ()}, "either products or a category"),
    ],
)
def test_a_sale_that_cannot_be_is_refused_with_its_reason(store, basket, changes, message):
    arguments = {"products": [basket], **changes}
    with pytest.raises(SaleInvalid, match=message):
        schedule(store, **arguments)
    assert not Sale.objects.exists()


def test_another_stores_product_is_refused(store):
    with pytest.raises(SaleInvalid, match="your own store"):
        schedule(store, [ProductFactory()])


def test_a_sale_that_starts_now_starts_at_once_and_a_later_one_waits(store, basket, django_capture_on_commit_callbacks):
    now = timezone.now()
    later = ProductFactory(store=store, variants__price=Decimal("100"))
    with django_capture_on_commit_callbacks(execute=True):
        schedule(store, [basket], starts=now - timedelta(minutes=1), ends=now + HOUR, now=now)  # "now" on the form
        schedule(store, [later], starts=now + HOUR, ends=now + 2 * HOUR, now=now)
    assert prices(basket)[0] == (Decimal("800.00"), Decimal("1000.00"))
    assert prices(later)[0] == (Decimal("100.00"), None)


def test_every_reason_a_sale_cannot_be_is_said_at_once(store, basket, client):
    """The service gives every reason together, and the dashboard's form shows them all in
    one answer, with the field it refused itself (the name), keeping what was typed."""
    with pytest.raises(SaleInvalid) as refused:
        schedule(store, (), amount="150", starts=NOW + 2 * HOUR, ends=NOW + HOUR)
    assert refused.value.problems == [
        "The sale must end after it starts.",
        "A percentage off must be below 100.",
        "Choose either products or a category for the sale.",
    ]
    client.force_login(store.memberships.get().user)
    start = timezone.localtime() + 2 * HOUR
    page = client.post(
        "/dashboard/promotions/",
        {"name": "", "kind": "percent", "amount": "150", "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
         "ends_at": (start - HOUR).strftime("%Y-%m-%dT%H:%M")},
    )
    html = page.content.decode()
    for said in ("Give the sale a name.", *refused.value.problems):
        assert said in html, said
    for said in refused.value.problems:  # each on a line of its own, not run together
        assert f"<div>{said}</div>" in html, said
    assert 'value="150"' in html and not Sale.objects.exists()
