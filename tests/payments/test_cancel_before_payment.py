"""An order cancelled while its checkout awaits payment is never charged: the checkout costs
what its other orders do from that moment, a payment already under way for the old total
ends (Stripe's page is closed), money that still arrives for it is held, not captured, and
a checkout with every order cancelled awaits nothing. Every move of the transition table
that cancels an order before payment is walked."""

import pytest
from django.test import Client

from shop.core.selectors.currencies import money_to_minor
from shop.core.selectors.money import money_format
from shop.devgateway.services import ApiError
from shop.orders.models import OrderStatus
from shop.orders.selectors.transitions import MOVES, Role
from shop.orders.services.orders import order_transition
from shop.payments.ledger import accounts
from shop.payments.ledger import services as ledger
from shop.payments.models import LedgerTransaction, PaymentAttempt, PaymentFlag, PaymentStatus
from shop.payments.services import PaymentRefused, payment_gateway_for
from tests.factories.orders import member_of
from tests.factories.payments import dev_card_pay
from tests.payments.test_stripe_webhook import deliver, event_of

pytestmark = pytest.mark.django_db

S = OrderStatus

# Who cancels a pending order, per the transition table (a new role there is walked too).
CANCELLERS = sorted(MOVES[(S.PENDING, S.CANCELLED)])


def _actor(order, role):
    if role == Role.BUYER:
        return order.buyer
    if role == Role.SELLER:
        return member_of(order)
    from tests.factories import UserFactory

    return UserFactory(is_staff=True, is_superuser=True)


def _cancel(order, role, capture):
    with capture(execute=True):
        order_transition(order=order, to=S.CANCELLED, actor=_actor(order, role), role=role, note="Out of stock")


def _orders(placed):
    kept, cancelled = sorted(placed.orders.all(), key=lambda order: -order.total)
    return kept, cancelled


def _held_for(order) -> int:
    return -ledger.balance(accounts.store_held(order.store_id), order.currency, order=order)


def test_the_transition_table_lets_someone_cancel_before_payment():
    assert CANCELLERS


@pytest.mark.parametrize("role", CANCELLERS)
def test_a_payment_after_a_cancel_charges_only_the_orders_left(placed, role, django_capture_on_commit_callbacks):
    kept, cancelled = _orders(placed)
    _cancel(cancelled, role, django_capture_on_commit_callbacks)
    placed.refresh_from_db()
    assert placed.payment_status == PaymentStatus.AWAITING and placed.total == kept.total

    with django_capture_on_commit_callbacks(execute=True):
        dev_card_pay(placed)

    placed.refresh_from_db()
    paid = PaymentAttempt.objects.get(checkout=placed, status=PaymentAttempt.Status.SUCCEEDED)
    assert placed.payment_status == PaymentStatus.PAID
    assert paid.amount_minor == money_to_minor(kept.total, "KES")
    assert _held_for(kept) > 0 and _held_for(cancelled) == 0
    capture = LedgerTransaction.objects.get(kind=LedgerTransaction.Kind.CAPTURE)
    assert not capture.entries.filter(order=cancelled).exists()
    cancelled.refresh_from_db()
    assert cancelled.status == S.CANCELLED and not cancelled.fee


def test_the_payment_page_asks_the_new_total_and_counts_the_orders_left(placed, django_capture_on_commit_callbacks):
    kept, cancelled = _orders(placed)
    _cancel(cancelled, Role.BUYER, django_capture_on_commit_callbacks)
    client = Client()
    client.force_login(placed.buyer)

    page = client.get(f"/payments/{placed.idempotency_key}/").content.decode()

    assert "for your order." in page and "for your 2 orders" not in page
    assert "2,601" in page and "3,451" not in page
    # What the total pays for: the order left, its lines, its delivery and its totals; not the one cancelled.
    paying_for = page.split('data-testid="paying-for"', 1)[1]
    assert paying_for.count('data-testid="paying-for-order"') == 1
    assert kept.number in paying_for and cancelled.number not in paying_for
    assert all(item.product_title in paying_for for item in kept.items.all())
    assert ("Pick-up at the store" if kept.delivery_mode == "pickup" else "Home delivery to") in paying_for
    assert money_format(kept.items_total, "KES") in paying_for and money_format(kept.total, "KES") in paying_for


def test_a_stripe_page_open_at_the_cancel_is_closed_and_the_buyer_pays_the_new_total(
    started, placed, fake, django_capture_on_commit_callbacks
):
    kept, cancelled = _orders(placed)

    _cancel(cancelled, Role.SELLER, django_capture_on_commit_callbacks)

    started.refresh_from_db()
    assert started.status == PaymentAttempt.Status.CANCELLED
    assert "new total" in started.message
    assert ("POST", f"/v1/checkout/sessions/{started.reference}/expire") in [r[:2] for r in fake.requests]
    with pytest.raises(ApiError, match="expired"):  # the closed page takes no payment
        fake.engine.session_pay(started.reference)
    placed.refresh_from_db()
    assert payment_gateway_for(checkout=placed, method="card")  # still awaiting, for the new total


def test_money_that_still_arrives_for_the_old_total_is_held_not_captured(
    started, placed, fake, django_capture_on_commit_callbacks
):
    kept, cancelled = _orders(placed)
    with django_capture_on_commit_callbacks(execute=False):  # Stripe's page is paid before it closes
        order_transition(order=cancelled, to=S.CANCELLED, actor=placed.buyer, role=Role.BUYER)
    completed = event_of(fake.engine.session_pay(started.reference), "checkout.session.completed")

    assert deliver(Client(), completed).status_code == 200

    started.refresh_from_db()
    placed.refresh_from_db()
    assert started.status == PaymentAttempt.Status.FLAGGED and started.received_minor == 345100
    assert PaymentFlag.objects.get(attempt=started).kind == PaymentFlag.Kind.MISMATCH
    assert placed.payment_status == PaymentStatus.AWAITING  # the kept order is still to be paid
    assert not LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.CAPTURE).exists()
    assert ledger.balance(accounts.SUSPENSE, "KES") == -345100
    assert _held_for(kept) == 0 and _held_for(cancelled) == 0


@pytest.mark.parametrize("role", CANCELLERS)
def test_a_checkout_with_every_order_cancelled_awaits_nothing(placed, role, django_capture_on_commit_callbacks):
    for order in placed.orders.all():
        _cancel(order, role, django_capture_on_commit_callbacks)

    placed.refresh_from_db()
    assert placed.payment_status == PaymentStatus.CANCELLED and placed.total == 0
    with pytest.raises(PaymentRefused):
        payment_gateway_for(checkout=placed, method="card")
    client = Client()
    client.force_login(placed.buyer)
    page = client.get(f"/payments/{placed.idempotency_key}/").content.decode()
    assert 'data-testid="payment-cancelled"' in page and "for your" not in page


def test_money_for_a_checkout_cancelled_whole_is_held(started, placed, fake, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        for order in placed.orders.all():
            order_transition(order=order, to=S.CANCELLED, actor=placed.buyer, role=Role.BUYER)
    completed = event_of(fake.engine.session_pay(started.reference), "checkout.session.completed")

    deliver(Client(), completed)

    started.refresh_from_db()
    assert started.status == PaymentAttempt.Status.FLAGGED
    assert PaymentFlag.objects.get(attempt=started).kind == PaymentFlag.Kind.LATE
    assert not LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.CAPTURE).exists()
