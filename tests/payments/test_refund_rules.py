"""Who may refund how much, checked in one place (``refund_order``) whatever the door:
support staff, whose refund limit is KES 100 here, cannot refund KES 500 from the order
admin's Refund page, a complaint, a return or a cancellation; Finance can; a store's
team refunds its own store's orders only; nobody else refunds at all."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from shop.moderation.complaints.services import ComplaintError, complaint_file, complaint_resolve
from shop.moderation.services.roles import FINANCE, SUPPORT
from shop.orders.models import OrderStatus
from shop.orders.selectors.transitions import Role, TransitionError
from shop.orders.services.orders import order_transition
from shop.payments.models import Refund
from shop.payments.refunds.services import RefundError, refund_order
from tests.factories import StoreFactory, UserFactory
from tests.returns.conftest import delivered_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def limit(settings):
    settings.SOKO_SUPPORT_REFUND_LIMIT = {"KES": Decimal("100")}


def staff_in(group: str):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def order():
    """Delivered, paid by card: 2 × KES 250 and a KES 200 delivery fee."""
    return delivered_order(method="card", units=(2,), prices=("250.00",))


def test_support_staff_cannot_refund_500_from_the_order_admins_refund_page(client, order):
    client.force_login(staff_in(SUPPORT))
    url = reverse("admin:orders_order_refund", args=[order.pk])
    item = order.items.get()
    assert client.get(url).status_code == 200

    response = client.post(url, {f"item_{item.pk}": 2, "reason": "Broken in transit", "key": "k-500"})

    assert response.status_code == 200
    assert "Refunds over KES" in response.content.decode()
    assert not Refund.objects.exists()


def test_support_staff_refund_within_their_limit_from_the_refund_page(client, order, settings):
    settings.SOKO_SUPPORT_REFUND_LIMIT = {"KES": Decimal("300")}
    client.force_login(staff_in(SUPPORT))
    item = order.items.get()

    response = client.post(
        reverse("admin:orders_order_refund", args=[order.pk]),
        {f"item_{item.pk}": 1, "reason": "Broken in transit", "key": "k-250"},
    )

    assert response.status_code == 302
    assert Refund.objects.get().amount_minor == 25000


def test_finance_may_refund_over_the_support_limit(order):
    refund = refund_order(
        order=order, lines={order.items.get().pk: 2}, reason="Broken", actor=staff_in(FINANCE), key="fin"
    )
    assert refund.amount_minor == 50000


def test_support_staff_cannot_refund_500_through_a_complaint(order):
    complaint = complaint_file(
        user=order.buyer, side="buyer", kind="not_as_described", text="Both broken", order=order
    )
    with pytest.raises(ComplaintError, match="Refunds over KES"):
        complaint_resolve(
            complaint=complaint,
            staff=staff_in(SUPPORT),
            resolution="refund",
            note="Refunding both",
            lines={order.items.get().pk: 2},
        )
    assert not Refund.objects.exists()


def test_support_staff_cannot_refund_500_by_cancelling(order):
    with pytest.raises(TransitionError, match="Refunds over KES"):
        order_transition(
            order=order, to=OrderStatus.CANCELLED, actor=staff_in(SUPPORT), role=Role.STAFF, note="Buyer asked"
        )
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED and not Refund.objects.exists()


def test_support_staff_cannot_refund_500_directly_or_as_a_return(order):
    # Returns refund through refund_order with the person deciding as actor.
    with pytest.raises(RefundError, match="Refunds over KES"):
        refund_order(
            order=order, lines={order.items.get().pk: 2}, reason="Return 1", actor=staff_in(SUPPORT), key="return:1"
        )
    assert not Refund.objects.exists()


def test_a_store_refunds_its_own_orders_only(order):
    own = order.store.members.first()
    stranger = StoreFactory().members.first()
    item = order.items.get()

    with pytest.raises(RefundError, match="the store's team"):
        refund_order(order=order, lines={item.pk: 1}, reason="Not theirs", actor=stranger)
    with pytest.raises(RefundError, match="the store's team"):
        refund_order(order=order, lines={item.pk: 1}, reason="Mine, please", actor=order.buyer)
    assert not Refund.objects.exists()

    refund = refund_order(order=order, lines={item.pk: 2}, reason="Inspected: broken", actor=own)
    assert (refund.amount_minor, refund.requested_by) == (50000, own)


def test_soko_itself_has_no_limit(order):
    refund = refund_order(order=order, lines={order.items.get().pk: 2}, delivery=True, reason="Deadline passed")
    assert refund.amount_minor == 70000 and refund.requested_by is None
