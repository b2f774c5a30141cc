"""The store's orders as a CSV file: the days asked in the store's zone, the store's own
orders only, cells a spreadsheet will not run, refused ranges said, and a number of
queries that does not grow with the orders."""

import csv
import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shop.orders.models import Order, OrderStatus
from tests.factories import StoreFactory
from tests.factories.orders import OrderFactory

pytestmark = pytest.mark.django_db
NAIROBI = ZoneInfo("Africa/Nairobi")
URL = reverse("sellers:orders_export")


def placed(order, when):
    Order.objects.filter(pk=order.pk).update(created_at=when)
    return order


def download(client, **params):
    response = client.get(URL, {"first_day": "2026-11-01", "last_day": "2026-11-30", "status": "", **params})
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # read as UTF-8 by spreadsheets
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.fixture
def store():
    return StoreFactory(name="Mama Njeri Crafts", time_zone="Africa/Nairobi")


def test_the_days_are_the_store_s_and_each_row_says_the_order(seller_client, store):
    inside = placed(OrderFactory(store=store, delivery_fee=Decimal("200")), datetime(2026, 11, 30, 23, 30, tzinfo=NAIROBI))
    first = placed(OrderFactory(store=store), datetime(2026, 11, 1, 0, 10, tzinfo=NAIROBI))
    placed(OrderFactory(store=store), datetime(2026, 12, 1, 0, 10, tzinfo=NAIROBI))
    placed(OrderFactory(store=store), datetime(2026, 10, 31, 23, 50, tzinfo=NAIROBI))
    placed(OrderFactory(), datetime(2026, 11, 15, 12, 0, tzinfo=NAIROBI))  # another store's

    rows = download(seller_client)

    assert [row["number"] for row in rows] == [first.number, inside.number]
    row = rows[1]
    item = inside.items.get()
    assert row["placed_at"] == "2026-11-30T23:30:00+03:00"
    assert row["items"] == f"2 × {item.product_title} ({item.variant_name})"
    assert (row["items_total"], row["delivery_fee"], row["total"], row["currency"]) == ("500.00", "200.00", "700.00", "KES")
    assert row["status"] == "pending" and row["delivery_mode"] == "delivery" and row["payment_method"] == "cod"
    assert row["recipient"] == inside.checkout.recipient and row["phone"] == inside.checkout.phone


def test_a_status_keeps_only_its_orders(seller_client, store):
    when = datetime(2026, 11, 10, 12, 0, tzinfo=NAIROBI)
    placed(OrderFactory(store=store), when)
    done = placed(OrderFactory(store=store, status=OrderStatus.COMPLETED), when)
    assert [row["number"] for row in download(seller_client, status=OrderStatus.COMPLETED)] == [done.number]


def test_whole_unit_currencies_have_no_cents_and_typed_text_cannot_run(seller_client, store):
    order = placed(OrderFactory(store=store, currency="GNF"), datetime(2026, 11, 10, 12, 0, tzinfo=NAIROBI))
    order.buyer.display_name = '=HYPERLINK("https://evil.example","x")'
    order.buyer.save(update_fields=["display_name"])
    order.checkout.phone = "+254 712 345678"
    order.checkout.street = "@SUM(1+1)"
    order.checkout.save(update_fields=["phone", "street"])
    (row,) = download(seller_client)
    assert row["total"] == "500" and row["currency"] == "GNF"
    assert row["buyer"] == "'" + order.buyer.display_name
    assert row["address"].startswith("'@SUM(1+1)")
    assert row["phone"] == "+254 712 345678"


def test_the_queries_do_not_grow_with_the_orders(seller_client, store):
    when = datetime(2026, 11, 10, 12, 0, tzinfo=NAIROBI)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            download(seller_client)
        return len(captured)

    placed(OrderFactory(store=store, items=2), when)
    queries()  # the first request keeps the store's choice in the session
    few = queries()
    for _ in range(4):
        placed(OrderFactory(store=store, items=2), when)
    assert queries() == few


@pytest.mark.parametrize(
    ("first_day", "last_day", "said"),
    [
        ("2026-11-30", "2026-11-01", "The last day comes before the first."),
        ("2025-01-01", "2026-11-30", "Choose at most 366 days at a time."),
        ("1999-12-31", "2000-01-02", "Choose a day from 2000-01-01 on."),
        ("yesterday", "2026-11-30", "Enter a valid date."),
    ],
)
def test_a_refused_range_is_said_on_the_form(seller_client, store, first_day, last_day, said):
    response = seller_client.get(URL, {"first_day": first_day, "last_day": last_day})
    assert response.status_code == 422
    assert response["Content-Type"].startswith("text/html")
    assert said in response.content.decode()
    assert f'value="{last_day}"' in response.content.decode()


def test_the_form_offers_the_last_thirty_days_and_the_list_links_to_it(seller_client, store):
    html = seller_client.get(URL).content.decode()
    assert 'type="date"' in html and 'name="first_day"' in html and 'data-testid="orders-export-download"' in html
    assert URL in seller_client.get(reverse("sellers:orders")).content.decode()


def test_only_the_store_s_team_may_export(client, store):
    client.force_login(OrderFactory(store=store).buyer)
    response = client.get(URL, {"first_day": "2026-11-01", "last_day": "2026-11-30"})
    assert response.status_code == 403
    assert not response.get("Content-Disposition")
