"""Order pages cost the same number of queries for 2 orders (or lines) as for 10."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shop.orders.models import OrderStatus
from shop.orders.selectors.transitions import Role
from shop.orders.services.orders import order_transition
from tests.factories import StoreFactory, UserFactory
from tests.factories.orders import OrderFactory, member_of

pytestmark = pytest.mark.django_db


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _walk(order, *statuses):
    for status in statuses:
        order_transition(order=order, to=status, actor=member_of(order), role=Role.SELLER)


def test_buyer_history_queries_do_not_grow_with_orders(client, django_assert_max_num_queries):
    few, many = UserFactory(), UserFactory()
    store = StoreFactory()
    for _ in range(2):
        OrderFactory(buyer=few, store=store, items=2)
    for _ in range(10):
        OrderFactory(buyer=many, store=StoreFactory(), items=3)
    client.force_login(few)
    baseline = queries(client, reverse("orders:list"))
    client.force_login(many)
    with django_assert_max_num_queries(baseline):
        client.get(reverse("orders:list"))


def test_buyer_order_page_queries_do_not_grow_with_lines_or_events(client, django_assert_max_num_queries):
    small = OrderFactory(items=2)
    big = OrderFactory(items=10)
    _walk(big, OrderStatus.CONFIRMED, OrderStatus.PREPARING, OrderStatus.READY)
    client.force_login(small.buyer)
    baseline = queries(client, reverse("orders:detail", args=[small.number]))
    client.force_login(big.buyer)
    with django_assert_max_num_queries(baseline):
        client.get(reverse("orders:detail", args=[big.number]))


def test_store_order_list_queries_do_not_grow_with_orders(client, django_assert_max_num_queries):
    few, many = StoreFactory(), StoreFactory()
    for _ in range(2):
        OrderFactory(store=few, items=2)
    for _ in range(10):
        OrderFactory(store=many, items=3)
    client.force_login(few.memberships.get().user)
    baseline = queries(client, reverse("sellers:orders"))
    client.force_login(many.memberships.get().user)
    with django_assert_max_num_queries(baseline):
        client.get(reverse("sellers:orders"))


def test_store_order_page_and_slip_queries_do_not_grow_with_lines(client, django_assert_max_num_queries):
    small, big = OrderFactory(items=2), OrderFactory(items=10)
    _walk(big, OrderStatus.CONFIRMED, OrderStatus.PREPARING)
    for name in ("sellers:order_detail", "sellers:packing_slip"):
        client.force_login(member_of(small))
        baseline = queries(client, reverse(name, args=[small.number]))
        client.force_login(member_of(big))
        with django_assert_max_num_queries(baseline):
            client.get(reverse(name, args=[big.number]))
