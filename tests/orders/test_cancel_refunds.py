"""Every cancellation gives the money back: whoever cancels (the buyer, the store, staff,
the payment deadline), from whatever status the status machine allows, the order's paid
share goes back the way it came (card and PayPal by their provider, M-Pesa and cash as a
refund staff send by hand, with its checklist), the store's held funds reverse in the
ledger, the buyer and the store's team are told, and the order's timeline says so.

The cases are read from the status machine's table (``MOVES``): a new way to cancel is
covered here as soon as it is added there."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from shop.moderation.services.roles import SUPPORT
from shop.notifications.models import Notification
from shop.orders.models import Order, OrderStatus
from shop.orders.selectors.transitions import MAIN_PATH, MOVES, Role
from shop.orders.services.orders import order_transition
from shop.orders.services.payment_flow import checkouts_expire
from shop.payments.ledger import accounts
from shop.payments.ledger import services as ledger
from shop.payments.models import LedgerEntry, PaymentAttempt, PaymentStatus, Refund
from shop.payments.providers.paypal.callbacks import paypal_capture
from shop.payments.providers.paypal.gateway import PaypalGateway
from shop.payments.services import attempt_create, attempt_succeeded
from tests.factories import StoreFactory, UserFactory
from tests.factories.orders import CheckoutFactory, OrderFactory
from tests.factories.payments import dev_card_pay
from tests.fakes.paypal import FakePaypal

pytestmark = pytest.mark.django_db

S = OrderStatus
# (payment method, the ledger's account for the provider that holds the money)
METHODS = {"card": "dev", "paypal": "paypal", "mpesa": "mpesa", "cod": "cash"}
# Every (from status, role) the table lets cancel an order.
CANCELS = sorted((source, role) for (source, to), roles in MOVES.items() if to == S.CANCELLED for role in roles)
NOTES = {Role.BUYER: "", Role.SELLER: "Out of stock, sorry", Role.STAFF: "The buyer asked by phone"}


@pytest.fixture
def paypal(settings):
    with FakePaypal() as fake:
        for name, value in fake.settings().items():
            setattr(settings, name, value)
        yield fake


def _order(method: str, paypal) -> Order:
    """A delivery order of KES 650 (2 × 250 and a 150 delivery fee), paid by ``method``."""
    store, buyer = StoreFactory(), UserFactory()
    checkout = CheckoutFactory(
        buyer=buyer,
        payment_method=method,
        payment_status=PaymentStatus.ON_DELIVERY if method == "cod" else PaymentStatus.AWAITING,
        payment_due_by=None if method == "cod" else timezone.now() + timedelta(minutes=30),
    )
    order = OrderFactory(checkout=checkout, buyer=buyer, store=store, delivery_fee=Decimal("150.00"))
    checkout.refresh_from_db()
    if method == "card":
        dev_card_pay(checkout)
    elif method == "paypal":
        PaypalGateway().start(RequestFactory().get("/", HTTP_HOST="testserver"), checkout)
        attempt = PaymentAttempt.objects.get(checkout=checkout, provider="paypal")
        paypal.approve(attempt.reference)
        paypal_capture(attempt)
    elif method == "mpesa":
        attempt = attempt_create(checkout=checkout, gateway="mpesa", provider="mpesa")
        attempt_succeeded(
            attempt_id=attempt.pk, received_minor=attempt.amount_minor, currency="KES", payment_reference="NLJ7RT61SV"
        )
    order.refresh_from_db()
    assert order.total == Decimal("650.00")
    return order


def _walk_to(order: Order, status: str) -> Order:
    """Staff move the order along the main path until it reaches ``status``."""
    staff = UserFactory(is_staff=True, is_superuser=True)
    assert status in MAIN_PATH, f"the cancel invariant does not know how to reach {status!r}: extend _walk_to"
    for step in MAIN_PATH[1 : MAIN_PATH.index(status) + 1]:
        order = order_transition(order=order, to=step, actor=staff, role=Role.STAFF, note="on its way")
    return order


def _actor(order: Order, role: str):
    if role == Role.BUYER:
        return order.buyer
    if role == Role.SELLER:
        return order.store.members.first()
    if role == Role.STAFF:
        return UserFactory(is_staff=True, is_superuser=True)
    raise AssertionError(f"the cancel invariant has no {role!r} to cancel as: extend _actor")


def _took_money(method: str, source: str) -> bool:
    """Paid online, or cash handed over at the door (delivered before the cancel)."""
    return method != "cod" or MAIN_PATH.index(source) >= MAIN_PATH.index(S.DELIVERED)


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize(("source", "role"), CANCELS)
def test_every_cancel_gives_the_money_back_the_way_it_came(
    source, role, method, paypal, django_capture_on_commit_callbacks
):
    order = _walk_to(_order(method, paypal), source)
    provider = METHODS[method]
    Notification.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):  # the refund's job runs after commit
        cancelled = order_transition(
            order=order, to=S.CANCELLED, actor=_actor(order, role), role=role, note=NOTES[role]
        )

    assert cancelled.status == S.CANCELLED
    refunds = Refund.objects.filter(order=order)
    held = ledger.balance(accounts.store_held(order.store_id), "KES", order=order)
    payable = ledger.balance(accounts.store_payable(order.store_id), "KES", order=order)
    if not _took_money(method, source):
        # Cash not handed over yet: nothing was taken, nothing to give back or book.
        assert not refunds.exists()
        assert not LedgerEntry.objects.filter(order=order).exists()
        return

    # The whole paid amount goes back, in the state its way back allows.
    assert sum(refunds.values_list("amount_minor", flat=True)) == 65000
    if method in ("card", "paypal"):
        assert set(refunds.values_list("status", flat=True)) == {Refund.Status.SUCCEEDED}
        assert all(refund.reference for refund in refunds)
    else:
        refund = refunds.get()
        assert refund.status == Refund.Status.MANUAL and refund.provider == provider
        assert refund.checklist and not any(refund.checklist.values())  # staff tick it off
    # The store keeps nothing of it (held or payable), and the money left the provider.
    assert (held, payable) == (0, 0)
    if method != "cod":
        assert ledger.balance(accounts.provider_account(provider), "KES") == 0
    # Both sides are told, and the timeline shows the refund.
    buyer_news = Notification.objects.filter(user=order.buyer).values_list("text", flat=True)
    assert any("650" in text and order.number in text for text in buyer_news), list(buyer_news)
    for member in order.store.members.all():
        member_news = Notification.objects.filter(user=member).values_list("text", flat=True)
        assert any("650" in text and order.number in text for text in member_news), list(member_news)
    assert order.events.filter(note__contains="650").exists()


def test_the_table_has_cancels_for_every_kind_of_person():
    # The walk above covers these; a role added to a cancel row is walked too.
    assert {role for _source, role in CANCELS} == {Role.BUYER, Role.SELLER, Role.STAFF}
    assert len(CANCELS) >= 13


def test_a_paid_order_cancelled_twice_over_is_refunded_once(paypal, django_capture_on_commit_callbacks):
    order = _walk_to(_order("card", paypal), S.DELIVERED)
    staff = UserFactory(is_staff=True, is_superuser=True)
    with django_capture_on_commit_callbacks(execute=True):
        order_transition(order=order, to=S.CANCELLED, actor=staff, role=Role.STAFF, note="Lost in transit")
        order_transition(order=order, to=S.REFUNDED, actor=staff, role=Role.STAFF, note="Refund confirmed")

    assert Refund.objects.filter(order=order).count() == 1
    assert ledger.balance(accounts.provider_account("dev"), "KES") == 0


def test_staff_moving_a_delivered_order_to_refunded_refund_it(paypal, django_capture_on_commit_callbacks):
    order = _walk_to(_order("paypal", paypal), S.DELIVERED)
    staff = UserFactory(is_staff=True, is_superuser=True)
    with django_capture_on_commit_callbacks(execute=True):
        order_transition(order=order, to=S.REFUNDED, actor=staff, role=Role.STAFF, note="Goods never arrived")

    refund = Refund.objects.get(order=order)
    assert (refund.amount_minor, refund.status) == (65000, Refund.Status.SUCCEEDED)
    assert ledger.balance(accounts.store_held(order.store_id), "KES", order=order) == 0


def test_support_staff_cannot_cancel_a_paid_order_over_their_refund_limit(client, paypal, settings):
    """Cancelling refunds: a cancel that would refund more than the staff member may
    refund is refused on the admin's status page, and nothing changes."""
    settings.SOKO_SUPPORT_REFUND_LIMIT = {"KES": Decimal("100")}
    order = _walk_to(_order("card", paypal), S.CONFIRMED)
    support = UserFactory(is_staff=True)
    support.groups.add(Group.objects.get(name=SUPPORT))
    client.force_login(support)

    response = client.post(
        reverse("admin:orders_order_status", args=[order.pk]), {"to": S.CANCELLED, "note": "Buyer asked"}
    )

    assert response.status_code == 200
    assert "Refunds over KES" in response.content.decode()
    order.refresh_from_db()
    assert order.status == S.CONFIRMED and not Refund.objects.filter(order=order).exists()


def test_the_payment_deadline_cancels_through_the_same_rule_with_nothing_to_refund(paypal):
    """Not paid in time: cancelled with the stock back, and no refund since nothing was taken."""
    store, buyer = StoreFactory(), UserFactory()
    checkout = CheckoutFactory(
        buyer=buyer,
        payment_method="card",
        payment_status=PaymentStatus.AWAITING,
        payment_due_by=timezone.now() - timedelta(seconds=1),
    )
    order = OrderFactory(checkout=checkout, buyer=buyer, store=store)
    variant = order.items.get().variant
    stock = variant.stock

    assert checkouts_expire() == 1

    order.refresh_from_db()
    variant.refresh_from_db()
    assert order.status == S.CANCELLED and order.stock_released_at is not None
    assert variant.stock == stock + 2
    assert not Refund.objects.filter(order=order).exists() and not LedgerEntry.objects.exists()
