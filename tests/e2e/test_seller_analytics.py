"""The analytics page in a real browser: the charts are drawn from the page's figures,
the period can be changed, and nothing goes wrong in the console, at desktop and phone size."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bench.forecast import seasonal_days
from sellers.analytics.services.forecast import store_forecast
from shop.orders.models import Order, OrderStatus
from tests.e2e.pages import assert_charts_fit, console_errors, expect, log_in, shot
from tests.factories import StoreFactory
from tests.factories.catalog import ProductFactory
from tests.factories.orders import OrderFactory, orders_bulk_create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_seller_sees_the_charts_drawn_and_changes_the_period(new_page):
    store = StoreFactory(name="Mama Njeri Crafts")
    basket = ProductFactory(store=store, title="Sisal basket", variants__stock=20)
    for days_ago, currency in ((1, "KES"), (3, "KES"), (10, "GNF")):
        order = OrderFactory(store=store, items=[(basket.variants.get(), 2)], status=OrderStatus.DELIVERED, currency=currency)
        Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    page = new_page()
    errors = console_errors(page)
    log_in(page, store.memberships.get().user.email)

    page.goto("/dashboard/analytics/")
    canvases = page.locator("canvas[data-chart]")
    expect(canvases).to_have_count(3)  # orders, revenue in GNF, revenue in KES
    drawn = page.evaluate("() => [...document.querySelectorAll('canvas[data-chart]')].map(c => Boolean(window.Chart.getChart(c)))")
    assert drawn == [True, True, True]
    expect(page.get_by_test_id("orders-total")).to_have_text("3")
    # No view or add to cart was recorded: the funnel counts none of the 3, and says so.
    expect(page.get_by_test_id("funnel-orders")).to_have_text("0")
    expect(page.get_by_test_id("orders-elsewhere")).to_contain_text("And 3 orders")
    expect(page.get_by_test_id("early-estimate")).to_contain_text("Early estimate")
    shot(page, "analytics-new-store-1280")

    page.locator("select[name=days]").select_option("7")  # shown at once, no button needed
    page.wait_for_url("**/dashboard/analytics/?days=7*")
    expect(page.get_by_test_id("orders-total")).to_have_text("2")
    assert page.evaluate("() => Boolean(window.Chart.getChart(document.querySelector('canvas[data-chart=orders]')))")

    page.set_viewport_size({"width": 390, "height": 844})
    assert_charts_fit(page, 390)
    expect(page.get_by_test_id("dashboard-tabs").get_by_role("link", name="Analytics")).to_be_in_viewport()
    shot(page, "analytics-new-store-390")
    assert errors == []


def test_a_seller_with_months_of_sales_sees_the_forecast_drawn(new_page):
    store = StoreFactory(name="Mama Njeri Crafts", time_zone="Africa/Nairobi")
    basket = ProductFactory(store=store, title="Sisal basket", variants__stock=20).variants.get()
    now = timezone.now()
    units = seasonal_days(3, days=120, level=4)
    orders_bulk_create(
        store, [(now - timedelta(days=120 - n), OrderStatus.DELIVERED, "KES", [(basket, u + 1, "250.00")]) for n, u in enumerate(units)]
    )
    store_forecast(store_id=store.pk)
    for viewport in ({"width": 1280, "height": 900}, {"width": 390, "height": 844}):
        page = new_page()
        page.set_viewport_size(viewport)
        errors = console_errors(page)
        log_in(page, store.memberships.get().user.email)
        page.goto("/dashboard/analytics/")
        forecast = page.get_by_test_id("forecast")
        expect(forecast.locator("canvas[data-chart=forecast]")).to_be_visible()
        assert page.evaluate("() => Boolean(window.Chart.getChart(document.querySelector('canvas[data-chart=forecast]')))")
        expect(forecast.get_by_test_id("product-forecasts")).to_contain_text("Sisal basket")
        shot(page, f"analytics-forecast-{viewport['width']}")
        assert_charts_fit(page, viewport["width"])
        assert errors == []
