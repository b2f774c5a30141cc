"""A completed order makes its store and products more popular, once."""

import pytest

from shop.orders.models import OrderStatus
from shop.orders.selectors.transitions import Role
from shop.orders.services.orders import order_transition
from tests.factories import UserFactory
from tests.factories.orders import OrderFactory

pytestmark = pytest.mark.django_db


def test_buyer_confirming_receipt_counts_once_for_store_and_products():
    order = OrderFactory(items=2, status=OrderStatus.DELIVERED)
    staff = UserFactory(is_staff=True)
    products = [item.variant.product for item in order.items.all()]

    order_transition(order=order, to=OrderStatus.COMPLETED, actor=order.buyer, role=Role.BUYER)
    order_transition(order=order, to=OrderStatus.DELIVERED, actor=staff, role=Role.STAFF, note="Reopened by mistake")
    order_transition(order=order, to=OrderStatus.COMPLETED, actor=staff, role=Role.STAFF, note="Done again")

    order.store.refresh_from_db()
    assert order.store.orders_count == 1
    for product in products:
        product.refresh_from_db()
        assert product.orders_count == 1
