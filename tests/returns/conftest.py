"""Delivered orders to return: paid by card through the development gateway, or in cash."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from shop.orders.models import OrderStatus
from shop.orders.services.orders import order_transition
from shop.payments.models import LedgerTransaction, PaymentStatus
from shop.payments.services import attempt_create, attempt_succeeded
from tests.factories import StoreFactory, UserFactory
from tests.factories.catalog import ProductFactory
from tests.factories.orders import CheckoutFactory, OrderFactory
from tests.factories.payments import dev_card_pay

S = OrderStatus


def mpesa_pay(checkout) -> None:
    """Paid by M-Pesa: the push confirmed by Daraja, as the callback ends."""
    attempt = attempt_create(checkout=checkout, gateway="mpesa", provider="mpesa", phone="254712345678")
    attempt_succeeded(
        attempt_id=attempt.pk,
        received_minor=attempt.amount_minor,
        currency=attempt.currency,
        payment_reference="QKA1B2C3D4",
    )


def deliver(order, staff=None):
    staff = staff or UserFactory(is_staff=True)
    for to in (S.CONFIRMED, S.PREPARING, S.READY, S.OUT_FOR_DELIVERY, S.DELIVERED):
        order = order_transition(order=order, to=to, actor=staff, role="staff", note="story")
    return order


def delivered_order(
    *, method: str = "cod", units=(2, 3), prices=("250.00", "100.00"), fee="200.00", store=None, buyer=None
):
    """A delivered order of ``store`` with one line per entry of ``units`` (new products
    with stock 10), paid by ``method`` ("cod", "card" or "mpesa")."""
    store = store or StoreFactory()
    buyer = buyer or UserFactory()
    checkout = CheckoutFactory(
        buyer=buyer,
        payment_method=method,
        payment_status=PaymentStatus.ON_DELIVERY if method == "cod" else PaymentStatus.AWAITING,
        payment_due_by=None if method == "cod" else timezone.now() + timedelta(minutes=30),
    )
    lines = []
    for count, price in zip(units, prices, strict=False):
        product = ProductFactory(store=store, variants__price=Decimal(price), variants__stock=10)
        lines.append((product.variants.get(), count))
    order = OrderFactory(checkout=checkout, buyer=buyer, store=store, delivery_fee=Decimal(fee), items=lines)
    checkout.refresh_from_db()
    if method == "card":
        dev_card_pay(checkout)
    elif method == "mpesa":
        mpesa_pay(checkout)
    return deliver(order)


def balanced() -> bool:
    for posted in LedgerTransaction.objects.all():
        sums = posted.entries.values("account__currency").annotate(total=Sum("amount_minor"))
        assert all(row["total"] == 0 for row in sums), (posted.key, list(sums))
    return True


def member(order):
    return order.store.memberships.get().user


@pytest.fixture
def cash_order(db):
    return delivered_order(method="cod")


@pytest.fixture
def card_order(db):
    return delivered_order(method="card")
