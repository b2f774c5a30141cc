"""Stock comes back only for goods that are back in the store. Staff cancelling an order
that went out for delivery, was delivered or completed restocks nothing unless they tick
"goods returned to stock"; before the goods leave, cancelling always restocks."""

import pytest
from django.urls import reverse

from shop.orders.models import OrderStatus
from shop.orders.selectors.transitions import Role, TransitionError
from shop.orders.services.orders import order_transition
from tests.factories import UserFactory
from tests.factories.catalog import ProductFactory
from tests.factories.orders import OrderFactory

pytestmark = pytest.mark.django_db

S = OrderStatus
LEFT_THE_STORE = [S.OUT_FOR_DELIVERY, S.DELIVERED, S.COMPLETED]


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def order_of_two_baskets(status):
    """An order (paid by card) for 2 baskets, 5 more of which are on the shelf."""
    variant = ProductFactory(title="Kiondo basket", variants=[{"name": "Red", "stock": 5}]).variants.get()
    return OrderFactory(store=variant.product.store, items=[(variant, 2)], status=status, payment_method="card"), variant


def staff_move(client, order, **data):
    return client.post(reverse("admin:orders_order_status", args=[order.pk]), data)


@pytest.mark.parametrize("status", LEFT_THE_STORE)
def test_staff_cancel_after_the_goods_left_restocks_nothing_by_default(staff_client, status):
    order, variant = order_of_two_baskets(status)
    page = staff_client.get(reverse("admin:orders_order_status", args=[order.pk])).content.decode()
    assert "Goods returned to stock" in page

    response = staff_move(staff_client, order, to=S.CANCELLED, note="Buyer disputes the delivery")

    assert response.status_code == 302
    order.refresh_from_db()
    variant.refresh_from_db()
    assert order.status == S.CANCELLED and order.stock_released_at is None
    assert variant.stock == 5
    shown = staff_client.get(response["Location"]).content.decode()
    assert "No stock was returned." in shown


@pytest.mark.parametrize("status", LEFT_THE_STORE)
def test_staff_ticking_goods_returned_restocks_once(staff_client, status):
    order, variant = order_of_two_baskets(status)

    response = staff_move(staff_client, order, to=S.CANCELLED, note="Returned unopened", goods_returned="on")

    assert response.status_code == 302
    variant.refresh_from_db()
    order.refresh_from_db()
    assert variant.stock == 7 and order.stock_released_at is not None
    assert "Its units are back on sale." in staff_client.get(response["Location"]).content.decode()

    staff_move(staff_client, order, to=S.REFUNDED, note="Refund the card")
    with pytest.raises(TransitionError):
        order_transition(order=order, to=S.CANCELLED, actor=UserFactory(is_staff=True), role=Role.STAFF, note="again",
                         goods_returned=True)
    variant.refresh_from_db()
    order.refresh_from_db()
    assert order.status == S.REFUNDED and variant.stock == 7


@pytest.mark.parametrize("status", [S.PENDING, S.CONFIRMED, S.PREPARING, S.READY])
def test_staff_cancel_before_the_goods_left_restocks_without_asking(staff_client, status):
    order, variant = order_of_two_baskets(status)
    page = staff_client.get(reverse("admin:orders_order_status", args=[order.pk])).content.decode()
    assert "Goods returned to stock" not in page

    staff_move(staff_client, order, to=S.CANCELLED, note="Store closed for the holidays")

    variant.refresh_from_db()
    assert variant.stock == 7


def test_goods_returned_is_refused_with_any_move_but_cancel(staff_client):
    order, variant = order_of_two_baskets(S.DELIVERED)

    response = staff_move(staff_client, order, to=S.COMPLETED, note="Buyer confirmed by phone", goods_returned="on")

    assert response.status_code == 200
    assert "Goods go back to stock only when you cancel the order." in response.content.decode()
    order.refresh_from_db()
    variant.refresh_from_db()
    assert order.status == S.DELIVERED and variant.stock == 5


def test_staff_moves_are_the_tables_not_anything_but_terminal(staff_client):
    order, _ = order_of_two_baskets(S.PENDING)

    with pytest.raises(TransitionError, match="one step at a time"):
        order_transition(order=order, to=S.DELIVERED, actor=UserFactory(is_staff=True), role=Role.STAFF, note="skip")

    page = staff_client.get(reverse("admin:orders_order_status", args=[order.pk])).content.decode()
    assert 'value="confirmed"' in page and 'value="cancelled"' in page
    assert 'value="delivered"' not in page and 'value="completed"' not in page
