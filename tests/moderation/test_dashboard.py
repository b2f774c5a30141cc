"""The staff dashboard on the admin's landing page: today's orders, sales per currency (never
added across currencies), payments pending, the queue, orders and reports per day; its
figures equal sums taken independently, read by a fixed number of queries."""

import json
import re
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shop.moderation.models import Report
from shop.moderation.selectors.dashboard import DAYS, dashboard_for_user
from shop.orders.models import Order, OrderStatus
from shop.payments.models import PaymentStatus
from tests.factories import UserFactory
from tests.factories.catalog import ProductFactory
from tests.factories.orders import CheckoutFactory, OrderFactory

from .waiting import backdate, case_on, payment_flag, pending_product, staff_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def at(days_ago: int, hour: int = 12) -> datetime:
    day = timezone.localdate() - timedelta(days=days_ago)
    return timezone.make_aware(datetime.combine(day, time(hour, 30)))


def order(*, days_ago=0, hour=12, total="500.00", currency="KES", status=OrderStatus.PENDING):
    made = OrderFactory(status=status, currency=currency, items=0, handover=False)
    Order.objects.filter(pk=made.pk).update(total=Decimal(total), items_total=Decimal(total))
    return backdate(made, at(days_ago, hour))


def history():
    """Orders in two currencies over three weeks, some not counted (cancelled, refunded)."""
    made = [
        order(total="1200.00"),
        order(total="300.50", hour=0),
        order(total="19.99", currency="USD"),
        order(total="999.00", status=OrderStatus.CANCELLED),
        order(days_ago=1, hour=23, total="700.00"),
        order(days_ago=3, total="45.00", currency="USD", status=OrderStatus.DELIVERED),
        order(days_ago=6, total="250.00"),
        order(days_ago=7, total="5000.00"),  # eight days counting today: not in the week
        order(days_ago=2, total="80.00", status=OrderStatus.REFUNDED),
        order(days_ago=10, total="60.00", currency="USD"),
        order(days_ago=20, total="60.00", currency="USD"),
    ]
    product = ProductFactory()
    for days_ago in (0, 0, 4, 13, 14):
        case = case_on(product, reporters=0) if not Report.objects.exists() else Report.objects.first().case
        report = Report.objects.create(case=case, reporter=UserFactory(), reason=Report.Reason.SPAM)
        backdate(report, at(days_ago))
    return made


def expected(orders, *, since_days: int, until_days: int = 0):
    """Totals and counts per currency, summed here without the database."""
    sums: dict[str, list] = {}
    first, last = timezone.localdate() - timedelta(days=since_days), timezone.localdate() - timedelta(days=until_days)
    for made in orders:
        day = timezone.localtime(made.created_at).date()
        if made.status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED) or not first <= day <= last:
            continue
        total = Order.objects.get(pk=made.pk).total
        count, amount = sums.get(made.currency, [0, Decimal("0")])
        sums[made.currency] = [count + 1, amount + total]
    return sums


def test_the_figures_equal_sums_taken_independently(superuser):
    orders = history()
    CheckoutFactory(payment_method="card", payment_status=PaymentStatus.AWAITING, total=Decimal("1500.00"))
    CheckoutFactory(payment_method="card", payment_status=PaymentStatus.AWAITING, total=Decimal("12.50"), currency="USD")
    CheckoutFactory(payment_method="card", payment_status=PaymentStatus.PAID, total=Decimal("99.00"))
    figures = dashboard_for_user(superuser)

    today, week = expected(orders, since_days=0), expected(orders, since_days=6)
    assert today == {"KES": [2, Decimal("1500.50")], "USD": [1, Decimal("19.99")]}
    assert figures["orders_today"] == sum(count for count, _amount in today.values()) == 3
    assert {row["currency"]: [row["today_count"], row["today"]] for row in figures["gmv"]} == today
    assert {row["currency"]: [row["week_count"], row["week"]] for row in figures["gmv"]} == week
    assert all(isinstance(row["week"], Decimal) for row in figures["gmv"])

    per_day = [sum(count for count, _amount in expected(orders, since_days=n, until_days=n).values()) for n in range(DAYS - 1, -1, -1)]
    assert figures["orders_series"]["values"] == per_day and sum(per_day) == 8
    assert figures["reports_series"]["values"] == [1] + [0] * 8 + [1] + [0] * 3 + [2]  # 13 days ago … today; 14 is out

    assert {row["currency"]: (row["count"], row["total"]) for row in figures["payments_pending"]} == {
        "KES": (1, Decimal("1500.00")), "USD": (1, Decimal("12.50")),
    }


def test_the_landing_page_shows_the_dashboard_above_the_apps(client, superuser):
    history()
    pending_product()
    payment_flag()
    page = client.get("/admin/").content.decode()
    dashboard = page.index('data-testid="staff-dashboard"')
    assert dashboard < page.index('id="app-list"' if 'id="app-list"' in page else 'class="app-')
    assert re.search(r'data-figure="orders-today">\s*<h3>[^<]+</h3>\s*<a class="figure-value" href="[^"]+">3</a>', page)
    assert 'data-currency="KES"' in page and 'data-currency="USD"' in page
    assert '/admin/moderation/queue/?kind=product' in page and '/admin/moderation/queue/?kind=flag' in page
    data = json.loads(re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', page, re.S).group(1))
    assert set(data) == {"orders_series", "reports_series"} and len(data["orders_series"]["values"]) == DAYS
    assert "vendor/chartjs/chart.umd.min.js" in page and "js/admin_dashboard.js" in page
    # Every chart has its table, read without the script.
    assert page.count("<details>") == 2 and "<script>" not in page.replace('<script id="dashboard-data"', "")


def test_staff_see_the_parts_they_may(client):
    history()
    moderator = staff_with("moderation.view_report", "moderation.decide_case")
    figures = dashboard_for_user(moderator)
    assert "gmv" not in figures and "payments_pending" not in figures
    assert [row["key"] for row in figures["queue"]] == ["case"] and "reports_series" in figures
    client.force_login(moderator)
    page = client.get("/admin/").content.decode()
    assert 'data-figure="gmv"' not in page and 'data-chart="reports_series"' in page
    assert 'data-chart="orders_series"' not in page
    nobody = staff_with()
    assert set(dashboard_for_user(nobody)) == {"today"}


def test_the_dashboard_reads_a_fixed_number_of_queries(client, superuser):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/admin/").status_code == 200
        return len(captured)

    order()
    few = queries()
    history()
    for days_ago in range(5):
        order(days_ago=days_ago, currency="EUR", total="10.00")
    CheckoutFactory(payment_method="card", payment_status=PaymentStatus.AWAITING, total=Decimal("5.00"))
    assert queries() == few
