"""A refund's state shows on the order's open pages as it changes: recorded with a
cancellation ("pending"), then made by the provider after commit ("refunded"), for the
buyer and for every member of the store."""

import re

import pytest

from sellers.models import StoreMember
from shop.orders.models import OrderStatus
from shop.orders.selectors.transitions import Role
from shop.orders.services.orders import order_transition
from shop.payments.models import Refund
from tests.factories import UserFactory
from tests.orders.test_cancel_refunds import _order, paypal  # noqa: F401  (the fake PayPal fixture)

pytestmark = pytest.mark.django_db



def refund_states(pushes, user, order) -> list[list[str]]:
    """The refunds' states in each push of the order's refunds part to ``user``, in order."""
    states = []
    for group, html in pushes:
        part = re.search(rf'<div id="order-refunds-{order.number}" hx-swap-oob="true">.*?</div>\s*$', html, re.S)
        if group == f"user.{user.pk}" and part:
            states.append(re.findall(r'data-testid="order-refund" data-state="(\w+)"', part.group(0)))
    return states


def test_a_card_refund_shows_pending_then_refunded_on_every_open_order_page(
    paypal,  # noqa: F811
    pushes,
    django_capture_on_commit_callbacks,
):
    order = _order("card", paypal)
    teammate = UserFactory()
    StoreMember.objects.create(store=order.store, user=teammate)
    staff = UserFactory(is_staff=True, is_superuser=True)

    with django_capture_on_commit_callbacks(execute=True):  # the provider's refund runs after commit
        order_transition(order=order, to=OrderStatus.CANCELLED, actor=staff, role=Role.STAFF, note="Asked by phone")

    assert Refund.objects.get(order=order).status == Refund.Status.SUCCEEDED
    for person in (order.buyer, *order.store.members.all()):
        assert refund_states(pushes, person, order)[-1] == [Refund.Status.SUCCEEDED], person
    assert teammate in order.store.members.all()
