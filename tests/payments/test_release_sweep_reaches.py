"""The release job's sweep sends again the payouts it can send, however many released orders
it cannot: orders paid by M-Pesa or PayPal, and card orders of stores without a connected
account, accrue their payable and stay released-but-unpaid for good. Before, the sweep took
the first 500 released orders without a paid payout, so once that many had piled up a
refused transfer was never sent again."""

# ruff: noqa: F811  (the fixtures imported below are the tests' arguments)

from unittest import mock

import pytest

from shop.orders.models import OrderStatus
from shop.orders.selectors.transitions import Role
from shop.orders.services import payment_flow
from shop.orders.services.orders import order_transition
from shop.payments.models import Payout, Refund
from shop.payments.refunds.services import refund_failed_by_provider
from tests.factories import StoreFactory
from tests.payments.test_payout_amount_current import (  # noqa: F401  (fixtures)
    SHARE,
    _refund,
    _refused_once,
    _transfers,
    fake,
    released,
)
from tests.payments.test_provider_calls_after_commit import _paid_by_card

pytestmark = pytest.mark.django_db


@pytest.fixture
def accruing(fake, django_capture_on_commit_callbacks):
    """Three card orders, received, of stores with no connected account: released, never
    transferred (their payable accrues), made before the order whose transfer was refused."""
    orders = []
    for _n in range(3):
        order = _paid_by_card(fake, store=StoreFactory())
        with django_capture_on_commit_callbacks(execute=False):
            order_transition(order=order, to=OrderStatus.COMPLETED, actor=order.buyer, role=Role.BUYER)
        orders.append(order)
    return orders


def test_a_refused_transfer_is_sent_again_past_orders_no_transfer_can_pay(fake, accruing, released, monkeypatch):
    monkeypatch.setattr(payment_flow, "TRANSFERS_PER_RUN", 2)
    _refused_once(released)
    assert all(order.pk < released.pk for order in accruing)

    with mock.patch.object(payment_flow, "order_transfer_safely", wraps=payment_flow.order_transfer_safely) as visits:
        payment_flow.funds_release_due()

    payout = Payout.objects.get(order=released)
    assert (payout.status, payout.amount_minor) == (Payout.Status.PAID, SHARE)
    assert [transfer["amount"] for transfer in _transfers(fake)] == [SHARE]
    assert not Payout.objects.filter(order__in=accruing).exists()
    # Only what a transfer can pay is visited: the orders that accrue never fill the run.
    assert [call.args for call in visits.call_args_list] == [(released.pk,)]


def test_a_payout_closed_by_a_full_refund_is_sent_when_the_refund_fails_at_the_bank(
    fake, released, django_capture_on_commit_callbacks
):
    _refused_once(released)
    refund = _refund(released, 2, django_capture_on_commit_callbacks, delivery=True)
    payment_flow.funds_release_due()
    payout = Payout.objects.get(order=released)
    assert (payout.status, payout.amount_minor) == (Payout.Status.FAILED, 0)  # closed unsent: nothing owed
    payment_flow.funds_release_due()
    assert _transfers(fake) == []

    refund_failed_by_provider(Refund.objects.get(pk=refund.pk), "The buyer's bank returned it")
    payment_flow.funds_release_due()

    payout.refresh_from_db()
    assert (payout.status, payout.amount_minor) == (Payout.Status.PAID, SHARE)
    assert [transfer["amount"] for transfer in _transfers(fake)] == [SHARE]
