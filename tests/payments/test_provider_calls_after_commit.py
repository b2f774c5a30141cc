"""Providers are asked after the commit, never inside a request's transaction: a refund
reads "being refunded" until the fake Stripe has been asked (once, after commit), the
transfer of a confirmed receipt goes out after commit, and the retry wrapper refuses to
run inside an outer transaction (where its retry would run in a doomed transaction)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from shop.core.services.transactions import atomic_retrying
from shop.orders.models import Order, OrderStatus
from shop.orders.selectors.transitions import MAIN_PATH, Role
from shop.orders.services.orders import order_transition
from shop.payments.ledger import accounts
from shop.payments.ledger import services as ledger
from shop.payments.models import ConnectedAccount, LedgerTransaction, PaymentStatus, Payout, Refund
from shop.payments.payouts.services import order_transfer
from shop.payments.refunds.services import refund_order, refund_send
from shop.payments.services import attempt_create, attempt_succeeded
from tests.factories import StoreFactory, UserFactory
from tests.factories.orders import CheckoutFactory, OrderFactory
from tests.fakes.stripe_server import FakeStripe

pytestmark = pytest.mark.django_db
S = OrderStatus


@pytest.fixture
def fake(settings):
    with FakeStripe(webhook_secret="whsec_test_soko") as server:
        settings.STRIPE_SECRET_KEY = "sk_test_soko"
        settings.STRIPE_API_BASE = server.url
        settings.STRIPE_WEBHOOK_SECRET = "whsec_test_soko"
        yield server


def _paid_by_card(fake, *, store=None) -> Order:
    """A KES 650 order paid on the fake Stripe's page, delivered."""
    store, buyer = store or StoreFactory(), UserFactory()
    checkout = CheckoutFactory(
        buyer=buyer,
        payment_method="card",
        payment_status=PaymentStatus.AWAITING,
        payment_due_by=timezone.now() + timedelta(minutes=30),
    )
    order = OrderFactory(checkout=checkout, buyer=buyer, store=store, delivery_fee=Decimal("150.00"))
    checkout.refresh_from_db()
    attempt = attempt_create(checkout=checkout, gateway="card", provider="stripe")
    line = {"price_data": {"currency": "kes", "unit_amount": str(attempt.amount_minor)}, "quantity": "1"}
    session = fake.engine.session_create({"mode": "payment", "line_items": [line]})
    fake.engine.session_pay(session["id"])
    session = fake.engine.session_retrieve({}, session["id"])
    attempt_succeeded(
        attempt_id=attempt.pk,
        received_minor=session["amount_total"],
        currency=session["currency"],
        payment_reference=session["payment_intent"],
    )
    staff = UserFactory(is_staff=True, is_superuser=True)
    for step in MAIN_PATH[1 : MAIN_PATH.index(S.DELIVERED) + 1]:
        order = order_transition(order=order, to=step, actor=staff, role=Role.STAFF, note="on its way")
    return order


def _asked(fake, path: str) -> int:
    return sum(1 for method, asked, _params in fake.requests if (method, asked) == ("POST", path))


def test_a_refund_is_pending_until_the_commit_then_stripe_is_asked_once(fake, django_capture_on_commit_callbacks):
    order = _paid_by_card(fake)
    staff = UserFactory(is_staff=True, is_superuser=True)

    with django_capture_on_commit_callbacks(execute=False) as waiting:
        refund = refund_order(order=order, lines={order.items.get().pk: 1}, reason="Broken", actor=staff, key="r-1")
        # Recorded, not yet asked: the provider is not called inside the transaction.
        assert refund.status == Refund.Status.PENDING and not refund.reference
        assert _asked(fake, "/v1/refunds") == 0
        assert not LedgerTransaction.objects.filter(kind="refund").exists()

    assert _asked(fake, "/v1/refunds") == 0
    for callback in waiting:  # the commit: the job runs (inline in tests)
        callback()

    refund.refresh_from_db()
    assert (refund.status, refund.amount_minor) == (Refund.Status.SUCCEEDED, 25000) and refund.reference
    assert _asked(fake, "/v1/refunds") == 1
    assert LedgerTransaction.objects.filter(kind="refund").count() == 1
    refund_send(refund.pk)  # the job again (a retry, a second worker): nothing more
    assert _asked(fake, "/v1/refunds") == 1


def test_a_cancel_refunds_after_its_commit(fake, django_capture_on_commit_callbacks):
    order = _paid_by_card(fake)
    staff = UserFactory(is_staff=True, is_superuser=True)

    with django_capture_on_commit_callbacks(execute=True):
        order_transition(order=order, to=S.CANCELLED, actor=staff, role=Role.STAFF, note="Lost in transit")
        refund = Refund.objects.get(order=order)
        assert refund.status == Refund.Status.PENDING and _asked(fake, "/v1/refunds") == 0

    refund.refresh_from_db()
    assert (refund.status, refund.amount_minor) == (Refund.Status.SUCCEEDED, 65000)
    assert _asked(fake, "/v1/refunds") == 1
    assert ledger.balance(accounts.store_held(order.store_id), "KES", order=order) == 0


def test_the_transfer_of_a_confirmed_receipt_goes_out_after_commit(fake, django_capture_on_commit_callbacks):
    store = StoreFactory()
    account = fake.engine.account_create({"type": "express"})
    fake.engine.account_onboard(account["id"])
    ConnectedAccount.objects.create(store=store, account_id=account["id"], details_submitted=True, payouts_enabled=True)
    order = _paid_by_card(fake, store=store)

    with django_capture_on_commit_callbacks(execute=True):
        order_transition(order=order, to=S.COMPLETED, actor=order.buyer, role=Role.BUYER)
        assert _asked(fake, "/v1/transfers") == 0 and not Payout.objects.exists()

    payout = Payout.objects.get(order=order)
    assert payout.status == Payout.Status.PAID and payout.reference.startswith("tr_")
    assert _asked(fake, "/v1/transfers") == 1


def test_provider_calls_refuse_to_run_inside_a_transaction(fake):
    order = _paid_by_card(fake)
    with pytest.raises(RuntimeError, match="never inside a transaction"), transaction.atomic():
        order_transfer(order)
    with pytest.raises(RuntimeError, match="never inside a transaction"), transaction.atomic():
        refund_send(0)
    assert not fake.requests or _asked(fake, "/v1/transfers") == 0


def test_the_retry_wrapper_refuses_to_run_inside_an_outer_transaction():
    ran = []
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        atomic_retrying(lambda: ran.append(1), what="inside")
    assert ran == []  # nothing ran, so nothing was retried inside the outer transaction
    assert atomic_retrying(lambda: ran.append(2) or "done", what="alone") == "done" and ran == [2]


def test_service_entry_points_run_their_own_transaction(fake):
    order = _paid_by_card(fake)
    staff = UserFactory(is_staff=True, is_superuser=True)
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        refund_order(order=order, lines={order.items.get().pk: 1}, reason="Broken", actor=staff)
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        order_transition(order=order, to=S.COMPLETED, actor=order.buyer, role=Role.BUYER)
