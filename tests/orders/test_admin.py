"""Staff change an order's status in the admin, through the same state machine, with a note."""

import pytest
from django.urls import reverse

from shop.orders.models import OrderStatus
from tests.factories import UserFactory
from tests.factories.orders import OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_staff_move_an_order_with_a_note(staff_client):
    order = OrderFactory()
    url = reverse("admin:orders_order_status", args=[order.pk])
    assert staff_client.get(reverse("admin:orders_order_change", args=[order.pk])).status_code == 200
    response = staff_client.post(url, {"to": "confirmed", "note": "Store confirmed by phone"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
    assert order.events.last().note == "Store confirmed by phone"


def test_staff_cannot_move_without_a_note_or_reopen_a_cancelled_order(staff_client):
    order = OrderFactory()
    url = reverse("admin:orders_order_status", args=[order.pk])
    response = staff_client.post(url, {"to": "confirmed", "note": ""})
    assert response.status_code == 200 and "required" in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING

    cancelled = OrderFactory(status=OrderStatus.CANCELLED)
    page = staff_client.get(reverse("admin:orders_order_status", args=[cancelled.pk])).content.decode()
    assert 'value="confirmed"' not in page  # cash on delivery: nothing to refund either
    assert "cannot change any more" in page


def test_order_list_in_the_admin(staff_client):
    OrderFactory.create_batch(3)
    assert staff_client.get(reverse("admin:orders_order_changelist")).status_code == 200
