"""The ledger over random stories: carts across 1-4 stores and currencies (one checkout
per currency), some with a promo code's discount paid by the store or by Soko, paid by each
method (sometimes twice: the second payment is held in suspense, and perhaps given back),
delivered, partly refunded (a card refund perhaps returned by the bank, and perhaps asked
again), disputed by the buyer's bank (won, lost or still open), released, with Stripe's fees
booked from its balance transactions. Whatever the story, every transaction sums to zero
per currency, each checkout's charge is exactly the stores' share plus the platform's fees
less what Soko paid of the discounts, and each account means what it says: the provider
holds the charge plus what is in suspense less its fees and disputes, suspense is what was
received but not owed nor given back, a failed refund moves nothing, and the ledger agrees
with the development gateway's own balance transactions to the minor unit."""

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Q, Sum
from django.test import RequestFactory
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shop.core.selectors.currencies import money_from_minor, money_quantize, money_to_minor
from shop.devgateway.services import dev_engine
from shop.orders.models import Order, OrderStatus
from shop.orders.services.orders import order_transition
from shop.orders.services.payment_flow import funds_release_due
from shop.payments.ledger import accounts
from shop.payments.ledger.fees import order_fee_minor
from shop.payments.ledger.reconciliation import reconciliation
from shop.payments.ledger.suspense import suspense_refund
from shop.payments.models import (
    LedgerEntry,
    LedgerTransaction,
    PaymentAttempt,
    PaymentStatus,
    Refund,
    SuspenseRefund,
)
from shop.payments.providers.paypal.callbacks import paypal_capture
from shop.payments.providers.paypal.gateway import PaypalGateway
from shop.payments.providers.stripe.callbacks import HANDLERS, ChargeSucceeded
from shop.payments.refunds.services import refund_order
from shop.payments.services import attempt_create, attempt_succeeded
from tests.factories import StoreFactory, UserFactory
from tests.factories.catalog import ProductFactory
from tests.factories.orders import CheckoutFactory, OrderFactory
from tests.factories.payments import dev_card_pay
from tests.fakes.paypal import FakePaypal

pytestmark = pytest.mark.django_db

S = OrderStatus
CURRENCIES = ["KES", "GNF", "PKR"]
# Card goes through the development gateway's engine (Stripe's API in-process), PayPal
# through the fake PayPal over HTTP, M-Pesa refunds are recorded for staff, cash is cash.
METHODS = ["cod", "card", "mpesa", "paypal"]

line = st.tuples(
    st.integers(min_value=1, max_value=3),  # units
    st.integers(min_value=1, max_value=2_000_000),  # unit price, minor units
    st.sampled_from(["fixed", "auction"]),
)
store = st.tuples(
    st.sampled_from(CURRENCIES),
    st.lists(line, min_size=1, max_size=3),
    st.integers(min_value=0, max_value=50_000),  # delivery fee, minor units
    st.data(),
    st.integers(min_value=0, max_value=99),  # promo code discount, % of the items
    st.booleans(),  # the discount paid by Soko (else by the store)
)


def _decimal(minor: int, currency: str) -> Decimal:
    return money_from_minor(minor, currency)


def _place(buyer, currency: str, stores: list, method: str):
    """``stores``: (lines, delivery fee, discount %, paid by Soko) per store."""
    checkout = CheckoutFactory(
        buyer=buyer,
        currency=currency,
        payment_method=method,
        payment_status=PaymentStatus.ON_DELIVERY if method == "cod" else PaymentStatus.AWAITING,
        payment_due_by=None if method == "cod" else timezone.now() + timedelta(minutes=30),
    )
    orders = []
    for lines, delivery_minor, discount_percent, by_platform in stores:
        shop = StoreFactory(currency=currency)
        items = []
        for units, price_minor, kind in lines:
            product = ProductFactory(store=shop, variants__price=_decimal(price_minor, currency), variants__stock=10)
            items.append((product.variants.get(), units, kind))
        order = OrderFactory(
            checkout=checkout,
            buyer=buyer,
            store=shop,
            currency=currency,
            delivery_fee=_decimal(delivery_minor, currency),
            items=[(variant, units) for variant, units, _kind in items],
        )
        for item, (_variant, _units, kind) in zip(order.items.order_by("id"), items, strict=True):
            item.listing_type = kind
            item.save(update_fields=["listing_type"])
        if discount_percent:
            order.discount = money_quantize(order.items_total * discount_percent / 100, currency)
            order.platform_discount = order.discount if by_platform else Decimal("0")
            order.total = order.items_total + order.delivery_fee - order.discount
            order.save(update_fields=["discount", "platform_discount", "total"])
        orders.append(order)
    checkout.total = sum((order.total for order in Order.objects.filter(checkout=checkout)), Decimal("0"))
    checkout.save(update_fields=["total"])
    return checkout


def _deliver(order, staff):
    path = [S.CONFIRMED, S.PREPARING, S.READY, S.OUT_FOR_DELIVERY, S.DELIVERED]
    for to in path:
        order = order_transition(order=order, to=to, actor=staff, role="staff", note="story")
    return order


def _sum(entries) -> int:
    return entries.aggregate(total=Sum("amount_minor"))["total"] or 0


@pytest.fixture
def paypal(settings):
    with FakePaypal() as fake:
        for name, value in fake.settings().items():
            setattr(settings, name, value)
        settings.PAYPAL_CURRENCIES = CURRENCIES
        yield fake


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(stores=st.lists(store, min_size=1, max_size=4), methods=st.data())
def test_every_story_balances_to_the_minor_unit(db, paypal, stores, methods, django_capture_on_commit_callbacks):
    # Each story in a block rolled back afterwards, marked as a test case's own (as
    # Django's TestCase marks its blocks), so the services' durable transactions and
    # after-commit jobs run inside it as they do inside a test.
    story = transaction.atomic()
    story._from_testcase = True
    with story:
        _story(stores, methods, paypal, lambda: django_capture_on_commit_callbacks(execute=True))
        transaction.set_rollback(True)


def _pay(checkout, method: str, paypal) -> None:
    """Pay the way a buyer would: through the provider's page, then its confirmation."""
    if method == "card":
        dev_card_pay(checkout)
    elif method == "paypal":
        PaypalGateway().start(RequestFactory().get("/", HTTP_HOST="testserver"), checkout)
        attempt = PaymentAttempt.objects.get(checkout=checkout, provider="paypal")
        paypal.approve(attempt.reference)
        paypal_capture(attempt)
    else:
        attempt = attempt_create(checkout=checkout, gateway=method, provider=method)
        attempt_succeeded(
            attempt_id=attempt.pk,
            received_minor=attempt.amount_minor,
            currency=checkout.currency,
            payment_reference=f"R{attempt.pk}",
        )


def _stray_payment(checkout, method: str, data, staff, jobs) -> None:
    """The buyer pays a second time (the second is held in suspense), and staff perhaps
    give it back."""
    if method not in ("card", "mpesa") or not data.draw(st.booleans(), label="paid twice"):
        return
    if method == "card":
        dev_card_pay(checkout)
    else:
        attempt = attempt_create(checkout=checkout, gateway=method, provider=method)
        attempt_succeeded(
            attempt_id=attempt.pk,
            received_minor=attempt.amount_minor,
            currency=checkout.currency,
            payment_reference=f"S{attempt.pk}",
        )
    second = PaymentAttempt.objects.get(checkout=checkout, status=PaymentAttempt.Status.FLAGGED)
    if data.draw(st.booleans(), label="given back"):
        with jobs():
            suspense_refund(attempt=second, actor=staff)


def _refund(order, wanted, delivery, staff, data, jobs, method: str) -> None:
    """Refund, as staff would; a card refund perhaps returned by the buyer's bank, and then
    perhaps asked again with the same key."""
    arguments = {"order": order, "lines": wanted, "delivery": delivery, "reason": "story", "key": f"story-{order.pk}"}
    with jobs():
        refund = refund_order(**arguments, actor=staff)
    refund.refresh_from_db()
    if method != "card" or refund.status != Refund.Status.SUCCEEDED:
        return
    if data.draw(st.booleans(), label="bank returns the refund"):
        _stripe_says(dev_engine().refund_fail(refund.reference))
        if data.draw(st.booleans(), label="asked again"):
            with jobs():
                refund_order(**arguments, actor=staff)


def _dispute(checkout, data) -> None:
    outcome = data.draw(st.sampled_from([None, "open", "won", "lost"]), label="dispute")
    if outcome is None:
        return
    attempt = PaymentAttempt.objects.get(checkout=checkout, status=PaymentAttempt.Status.SUCCEEDED)
    engine = dev_engine()
    events = engine.dispute_open(attempt.payment_reference)
    if outcome != "open":
        events += engine.dispute_close(events[0]["data"]["object"]["id"], won=outcome == "won")
    _stripe_says(events)


def _stripe_says(events) -> None:
    """Stripe's webhooks for ``events``, as Soko handles them (the object fetched again)."""
    for event in events:
        handler = HANDLERS.get(event["type"])
        if handler is not None:
            handler.apply(handler.fetch(event["data"]["object"]))


def _stripe_fees(checkout) -> None:
    """``charge.succeeded`` for each card charge of the checkout: Stripe's fee booked."""
    engine = dev_engine()
    for intent in PaymentAttempt.objects.filter(checkout=checkout, provider="dev").values_list(
        "payment_reference", flat=True
    ):
        ChargeSucceeded.apply(ChargeSucceeded.fetch({"id": engine.intent_retrieve({}, intent)["latest_charge"]}))


def _story(stores, methods, paypal, jobs):
    buyer, staff = UserFactory(), UserFactory(is_staff=True, is_superuser=True)
    by_currency = defaultdict(list)
    for currency, lines, delivery_minor, data, discount_percent, by_platform in stores:
        if currency == "GNF":
            lines = [(units, max(price // 100, 1) * 100, kind) for units, price, kind in lines]  # whole francs
            delivery_minor = delivery_minor // 100 * 100
        by_currency[currency].append((lines, delivery_minor, data, discount_percent, by_platform))

    for currency, group in by_currency.items():
        offered = METHODS if currency == "KES" else ["cod", "card", "paypal"]  # M-Pesa takes shillings only
        method = methods.draw(st.sampled_from(offered), label=f"method {currency}")
        checkout = _place(buyer, currency, [(lines, delivery, off, paid) for lines, delivery, _data, off, paid in group], method)
        if method != "cod":
            _pay(checkout, method, paypal)
            _stray_payment(checkout, method, methods, staff, jobs)
        for order, (_lines, _delivery, data, _off, _paid) in zip(
            Order.objects.filter(checkout=checkout).order_by("id"), group, strict=True
        ):
            order = _deliver(order, staff)
            wanted = {
                item.pk: data.draw(st.integers(0, item.quantity), label="refund units") for item in order.items.all()
            }
            delivery = data.draw(st.booleans(), label="refund delivery")
            if any(wanted.values()) or (delivery and order.delivery_fee):
                _refund(order, wanted, delivery, staff, data, jobs, method)
        if method == "card":
            _dispute(checkout, methods)
            _stripe_fees(checkout)
        funds_release_due(now=timezone.now() + timedelta(days=30))
        _check(checkout)

    for posted in LedgerTransaction.objects.all():
        for row in posted.entries.values("account__currency").annotate(total=Sum("amount_minor")):
            assert row["total"] == 0, posted.key
    # The development gateway's balance transactions and the ledger agree, day by day.
    assert [row for row in reconciliation(days=1) if row["provider"] == "dev" and row["difference"]] == []


def _check(checkout):
    checkout.refresh_from_db()
    orders = list(Order.objects.filter(checkout=checkout))
    currency = checkout.currency
    refunds = Refund.objects.filter(order__checkout=checkout).exclude(status=Refund.Status.FAILED)
    refunded = sum(refunds.values_list("amount_minor", flat=True))
    charged = sum(money_to_minor(order.total, currency) for order in orders) - refunded
    entries = LedgerEntry.objects.filter(order__in=orders)
    stores = -_sum(entries.filter(account__code__startswith="store:"))
    fees = -_sum(entries.filter(account__code=accounts.FEES))
    promotions = _sum(entries.filter(account__code=accounts.PROMOTIONS))
    assert fees >= 0
    assert promotions == sum(money_to_minor(order.platform_discount, currency) for order in orders) - sum(
        refunds.values_list("promotion_minor", flat=True)
    )
    _check_provider_accounts(checkout, charged)
    if checkout.payment_status == PaymentStatus.PAID:
        # Everything the buyer paid, net of refunds, is the stores' (now payable) plus the
        # fees, less what Soko paid of the discounts.
        assert charged == stores + fees - promotions
        assert _sum(entries.filter(account__code__endswith=":held")) == 0
    else:
        # Cash: the stores kept what the buyers paid (refunds they hand back themselves) and
        # owe the platform exactly its fees, less what Soko paid of the discounts.
        assert checkout.payment_status == PaymentStatus.ON_DELIVERY
        assert stores == promotions - fees
    for order in orders:
        order_fees = -_sum(entries.filter(order=order, account__code=accounts.FEES))
        assert order_fees == order_fee_minor(order) - sum(
            order.refunds.exclude(status=Refund.Status.FAILED).values_list("fee_minor", flat=True)
        )


def _check_provider_accounts(checkout, charged: int) -> None:
    """What the provider holds for the checkout, what is in suspense, what Stripe charged
    in fees and took back in disputes, each against the providers' own records."""
    currency = checkout.currency
    booked = LedgerEntry.objects.filter(transaction__checkout=checkout, account__currency=currency)
    provider = _sum(booked.filter(account__code__startswith="provider:"))
    suspense = -_sum(booked.filter(account__code=accounts.SUSPENSE))
    provider_fees = _sum(booked.filter(account__code=accounts.PROVIDER_FEES))
    disputed = _sum(booked.filter(account__code=accounts.DISPUTES))
    attempts = PaymentAttempt.objects.filter(checkout=checkout)
    flagged = attempts.filter(status=PaymentAttempt.Status.FLAGGED)
    given_back = SuspenseRefund.objects.filter(attempt__checkout=checkout).exclude(status=SuspenseRefund.Status.FAILED)
    assert suspense == sum(flagged.values_list("received_minor", flat=True)) - sum(
        given_back.values_list("amount_minor", flat=True)
    )
    engine, intents = dev_engine(), set(attempts.filter(provider="dev").values_list("payment_reference", flat=True))
    charges = [engine.store.get(engine.intent_retrieve({}, intent)["latest_charge"]) for intent in intents]
    disputes = [dispute for dispute in engine.store.all("dispute") if dispute["payment_intent"] in intents]
    fee_sources = [charge["balance_transaction"] for charge in charges] + [
        txn["id"] for dispute in disputes for txn in dispute["balance_transactions"]
    ]
    assert provider_fees == sum(engine.balance_transaction_retrieve({}, txn)["fee"] for txn in fee_sources)
    assert disputed == sum(dispute["amount"] for dispute in disputes if dispute["status"] != "won")
    if checkout.payment_status == PaymentStatus.PAID:
        assert provider == charged + suspense - provider_fees - disputed
    # A refund the bank returned moves nothing: its postings and their voids cancel out.
    for refund in Refund.objects.filter(order__checkout=checkout, status=Refund.Status.FAILED):
        key = f"refund:{refund.pk}"
        undone = LedgerEntry.objects.filter(
            Q(transaction__key=key) | Q(transaction__key__startswith=f"{key}@") | Q(transaction__key__startswith=f"void:{key}")
        )
        assert all(row["total"] == 0 for row in undone.values("account").annotate(total=Sum("amount_minor")))
