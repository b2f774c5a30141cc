"""Low-stock alerts tell the store once per crossing: below a variant's threshold, or a best
seller's stock below its forecast demand for the next two weeks."""

from datetime import date

import pytest

from sellers.analytics.services.stock_alerts import forecast_demand, stock_alerts_sweep
from sellers.models import SalesForecast, StockAlert, StoreMember
from shop.catalog.models import Product, Variant
from shop.notifications.models import Notification
from tests.concurrency import at_once
from tests.factories import StoreFactory, UserFactory
from tests.factories.catalog import ProductFactory


def stock_notes(store):
    return list(
        Notification.objects.filter(kind="stock", user__in=store.members.all()).order_by("pk").values_list("user_id", "text")
    )


def set_stock(variant, stock):
    Variant.objects.filter(pk=variant.pk).update(stock=stock)


@pytest.fixture
def store(db):
    store = StoreFactory(name="Mama Njeri Crafts")
    StoreMember.objects.create(store=store, user=UserFactory())  # a second member hears too
    return store


@pytest.fixture
def basket(store):
    return ProductFactory(store=store, title="Sisal basket", variants__stock=10, variants__low_stock_threshold=3).variants.get()


@pytest.mark.django_db
def test_each_crossing_below_the_threshold_is_told_once(store, basket):
    assert stock_alerts_sweep() == (0, 0)
    set_stock(basket, 3)
    assert stock_alerts_sweep() == (1, 0)
    assert stock_alerts_sweep() == (0, 0)  # still low: nothing new
    notes = stock_notes(store)
    assert len(notes) == 2 and {user for user, _text in notes} == set(store.members.values_list("pk", flat=True))
    assert "Sisal basket" in notes[0][1] and "3 left" in notes[0][1]

    set_stock(basket, 8)
    assert stock_alerts_sweep() == (0, 1)
    set_stock(basket, 0)
    assert stock_alerts_sweep() == (1, 0)
    assert len(stock_notes(store)) == 4 and "sold out" in stock_notes(store)[-1][1]
    assert StockAlert.objects.filter(variant=basket).count() == 2
    assert StockAlert.objects.filter(variant=basket, closed_at__isnull=True).count() == 1


@pytest.mark.django_db
def test_listings_not_on_sale_are_not_watched(store):
    for status in (Product.Status.DRAFT, Product.Status.ARCHIVED, Product.Status.HIDDEN):
        ProductFactory(store=store, status=status, variants__stock=0)
    ProductFactory(store=store, kind=Product.Kind.DIGITAL, variants__stock=0)
    assert stock_alerts_sweep() == (0, 0)
    assert stock_notes(store) == []


def forecast_for(product, per_week):
    weeks = [{"starts": f"2026-06-{1 + 7 * n:02d}", "expected": per_week, "low": "0", "high": "99"} for n in range(4)]
    return SalesForecast.objects.create(store=product.store, product=product, made_on=date(2026, 6, 1), history_days=90, weeks=weeks)


@pytest.mark.django_db
def test_a_best_seller_below_its_forecast_demand_is_told_once(store, basket):
    second = Variant.objects.create(product=basket.product, name="Large", price="900.00", stock=5, low_stock_threshold=0)
    forecast = forecast_for(basket.product, "12.5")
    assert forecast_demand(forecast) == 25  # two weeks
    assert stock_alerts_sweep() == (1, 0)  # 10 + 5 in stock, 25 likely to sell
    assert stock_alerts_sweep() == (0, 0)
    (_user, text), _other = stock_notes(store)
    assert "15 left" in text and "about 25" in text and "14 days" in text

    set_stock(second, 20)
    assert stock_alerts_sweep() == (0, 1)
    alert = StockAlert.objects.get(reason="forecast")
    assert (alert.variant, alert.stock, alert.needed, alert.closed_at is not None) == (None, 15, 25, True)


@pytest.mark.django_db
def test_a_part_week_counts_pro_rata(store, basket, settings):
    settings.SOKO_LOW_STOCK_FORECAST_DAYS = 10
    assert forecast_demand(forecast_for(basket.product, "14")) == 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sweeps_at_once_tell_the_store_once():
    store = StoreFactory()
    variant = ProductFactory(store=store, variants__stock=1, variants__low_stock_threshold=3).variants.get()

    results = at_once([stock_alerts_sweep] * 4)

    assert all(isinstance(result, tuple) for result in results), results
    assert sum(opened for opened, _closed in results) == 1
    assert StockAlert.objects.filter(variant=variant).count() == 1
    assert len(stock_notes(store)) == 1
