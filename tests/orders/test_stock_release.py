"""Cancelling returns the order's units to stock exactly once, however often and however
concurrently it is tried."""


import pytest

from shop.catalog.models import Variant
from shop.orders.models import OrderEvent, OrderStatus
from shop.orders.selectors.transitions import Role, TransitionError
from shop.orders.services.orders import order_transition
from tests.concurrency import at_once
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

    def cancel(actor, role):
        return lambda: order_transition(order=order, to=OrderStatus.CANCELLED, actor=actor, role=role, note="at once")

    outcomes = at_once([cancel(order.buyer, Role.BUYER), cancel(seller, Role.SELLER)])

    refused = [outcome for outcome in outcomes if isinstance(outcome, TransitionError)]
    cancelled = [outcome.pk for outcome in outcomes if not isinstance(outcome, Exception)]
    assert len(refused) == 1 and cancelled == [order.pk], outcomes
    assert "already cancelled" in str(refused[0])
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.stock, second.stock) == (5, 1)
    assert OrderEvent.objects.filter(order=order, to_status=OrderStatus.CANCELLED).count() == 1
