"""Cancelling returns the order's units to stock exactly once, however often and however
concurrently it is tried."""

import threading

import pytest
from django.db import connection

from shop.catalog.models import Variant
from shop.orders.models import OrderEvent, OrderStatus
from shop.orders.selectors.transitions import Role, TransitionError
from shop.orders.services.orders import order_transition
from tests.factories.catalog import ProductFactory, VariantFactory
from tests.factories.orders import OrderFactory, member_of


def _order_with_two_lines():
    product = ProductFactory(variants=[{"stock": 3}, {"stock": 0}])
    first, second = product.variants.order_by("pk")
    order = OrderFactory(store=product.store, items=[(second, 1), (first, 2)])
    return order, first, second


@pytest.mark.django_db
def test_cancelling_returns_each_line_to_stock():
    order, first, second = _order_with_two_lines()
    order_transition(order=order, to=OrderStatus.CANCELLED, actor=order.buyer, role=Role.BUYER)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.stock, second.stock) == (5, 1)
    second.product.refresh_from_db()
    assert second.product.in_stock
    order.refresh_from_db()
    assert order.stock_released_at is not None


@pytest.mark.django_db
def test_cancelling_twice_returns_stock_once():
    order, first, second = _order_with_two_lines()
    order_transition(order=order, to=OrderStatus.CANCELLED, actor=order.buyer, role=Role.BUYER)
    with pytest.raises(TransitionError, match="already cancelled"):
        order_transition(order=order, to=OrderStatus.CANCELLED, actor=member_of(order), role=Role.SELLER, note="again")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.stock, second.stock) == (5, 1)
    assert OrderEvent.objects.filter(order=order, to_status=OrderStatus.CANCELLED).count() == 1


@pytest.mark.django_db
def test_a_line_whose_variant_was_deleted_is_skipped():
    variant = VariantFactory(stock=1)
    order = OrderFactory(store=variant.product.store, items=[(variant, 1)])
    Variant.objects.filter(pk=variant.pk).delete()
    order_transition(order=order, to=OrderStatus.CANCELLED, actor=order.buyer, role=Role.BUYER)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_buyer_and_store_cancelling_at_the_same_moment_return_stock_once():
    order, first, second = _order_with_two_lines()
    seller = member_of(order)
    barrier = threading.Barrier(2)
    outcomes = []

    def cancel(actor, role):
        try:
            barrier.wait(5)
            order_transition(order=order, to=OrderStatus.CANCELLED, actor=actor, role=role, note="at once")
            outcomes.append("cancelled")
        except TransitionError as error:
            outcomes.append(str(error))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=cancel, args=(order.buyer, Role.BUYER)),
        threading.Thread(target=cancel, args=(seller, Role.SELLER)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    assert outcomes.count("cancelled") == 1, outcomes
    assert any("already cancelled" in outcome for outcome in outcomes)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.stock, second.stock) == (5, 1)
    assert OrderEvent.objects.filter(order=order, to_status=OrderStatus.CANCELLED).count() == 1
