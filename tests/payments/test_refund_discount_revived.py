"""The discount given back by partial refunds adds up to the discount given, whatever failed
on the way: a refund gives back what was paid for every unit refunded so far, these
included, less what the refunds not failed gave back before, and Soko's part of the
discount the same way. A refund the buyer's bank returned and that is asked again later
(revived) has its part worked out again against the refunds made since, and so has a new
refund recorded after an earlier one failed. Refunding an order in any steps returns
exactly what was paid for it and exactly Soko's part of its discount, never a cent more or
less, and leaves the store's and the promotions' accounts for it at zero.

KES 30.00 of items (3 x 10.00) with a discount of 1.00 paid by Soko: the buyer paid 29.00.
Refunding one unit first gives back 9.67 (Soko's part 0.33), the second 19.33 - 9.67 = 9.66
(0.67 - 0.33 = 0.34), the last 29.00 - 19.33 = 9.67 (1.00 - 0.67 = 0.33)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shop.core.selectors.currencies import money_quantize, money_to_minor
from shop.devgateway.services import dev_engine
from shop.orders.models import Order
from shop.payments.ledger import accounts
from shop.payments.ledger import services as ledger
from shop.payments.models import PaymentStatus, Refund
from shop.payments.providers.stripe.callbacks import HANDLERS
from shop.payments.refunds.services import refund_order
from tests.factories import StoreFactory, UserFactory
from tests.factories.catalog import ProductFactory
from tests.factories.orders import CheckoutFactory, OrderFactory
from tests.factories.payments import dev_card_pay
from tests.payments.test_fee_returned_rounding import fee_returned, fees_held, store_accounts
from tests.returns.conftest import deliver

pytestmark = pytest.mark.django_db


def discounted_order(*, lines=(("10.00", 3),), currency="KES", discount_percent="0", by_soko=True, delivery_fee="0"):
    """A delivered order of a new store in ``currency``, paid by card, one line per (unit
    price, quantity) of ``lines``, with a discount of ``discount_percent`` of its items
    (rounded to the currency's unit) paid by Soko when ``by_soko``, else by the store."""
    store, buyer = StoreFactory(currency=currency), UserFactory()
    checkout = CheckoutFactory(
        buyer=buyer,
        payment_method="card",
        currency=currency,
        payment_status=PaymentStatus.AWAITING,
        payment_due_by=timezone.now() + timedelta(minutes=30),
    )
    variants = [
        (ProductFactory(store=store, variants__price=Decimal(price), variants__stock=10).variants.get(), quantity)
        for price, quantity in lines
    ]
    order = OrderFactory(
        checkout=checkout, buyer=buyer, store=store, currency=currency, delivery_fee=Decimal(delivery_fee), items=variants
    )
    order.discount = money_quantize(order.items_total * Decimal(discount_percent) / 100, currency)
    order.platform_discount = order.discount if by_soko else Decimal("0")
    order.total = order.items_total + order.delivery_fee - order.discount
    order.save(update_fields=["discount", "platform_discount", "total"])
    checkout.total = order.total
    checkout.save(update_fields=["total"])
    dev_card_pay(checkout)
    return deliver(Order.objects.get(pk=order.pk))


def bank_returns(refund: Refund) -> None:
    """The buyer's bank returns the card refund: Stripe fails it, and says so by webhook."""
    refund.refresh_from_db()
    for event in dev_engine().refund_fail(refund.reference):
        handler = HANDLERS.get(event["type"])
        if handler is not None:
            handler.apply(handler.fetch(event["data"]["object"]))
    refund.refresh_from_db()
    assert refund.status == Refund.Status.FAILED


def unit_refunder(order, capture):
    """``refund(key)``: staff refund one unit of ``order`` under ``key`` (the provider is
    asked after the commit), the refund read again."""
    item = order.items.get()
    staff = UserFactory(is_staff=True, is_superuser=True)

    def refund(key):
        with capture(execute=True):
            made = refund_order(order=order, lines={item.pk: 1}, reason=f"Unit {key}", actor=staff, key=key)
        made.refresh_from_db()
        return made

    return refund


def refunded(order) -> int:
    """What the refunds not failed gave back, in minor units."""
    return sum(order.refunds.exclude(status=Refund.Status.FAILED).values_list("amount_minor", flat=True))


def promotion_returned(order) -> int:
    return sum(order.refunds.exclude(status=Refund.Status.FAILED).values_list("promotion_minor", flat=True))


def promotions_spent(order) -> int:
    """What Soko's promotions account still counts as spent on ``order``, by the ledger."""
    return ledger.balance(accounts.PROMOTIONS, order.currency, order=order)


def test_a_refund_returned_by_the_bank_and_asked_again_after_the_rest_gives_back_what_is_left(
    django_capture_on_commit_callbacks,
):
    order = discounted_order(discount_percent="3.3333")  # 1.00 of 30.00, paid by Soko
    assert (money_to_minor(order.total, "KES"), promotions_spent(order)) == (2900, 100)
    refund = unit_refunder(order, django_capture_on_commit_callbacks)

    refund("first")
    second = refund("second")
    assert (second.amount_minor, second.promotion_minor) == (966, 34)  # the second unit's part
    bank_returns(second)
    refund("third")  # the second unit's part again: the second refund's unit is not refunded now
    again = refund("second")

    assert again.pk == second.pk and again.status == Refund.Status.SUCCEEDED and again.reference
    assert (again.amount_minor, again.promotion_minor) == (967, 33)  # now the last unit's part
    assert refunded(order) == 2900
    assert promotion_returned(order) == 100
    assert promotions_spent(order) == 0
    assert fee_returned(order) == 75 and fees_held(order) == 0
    assert set(store_accounts(order).values()) == {0}, store_accounts(order)


def test_a_new_refund_after_an_earlier_one_was_returned_by_the_bank_gives_back_what_is_left(
    django_capture_on_commit_callbacks,
):
    """The first refund's unit is refunded again by a new refund (another key): the refunds
    worked out on top of the first one's part add up all the same."""
    order = discounted_order(discount_percent="3.3333")
    item = order.items.get()
    staff = UserFactory(is_staff=True, is_superuser=True)
    made = []
    for n in range(4):
        with django_capture_on_commit_callbacks(execute=True):
            made.append(refund_order(order=order, lines={item.pk: 1}, reason=f"Unit {n}", actor=staff))
        if n == 1:
            bank_returns(made[0])

    assert [refund.status for refund in Refund.objects.filter(order=order).order_by("pk")] == [
        Refund.Status.FAILED,
        Refund.Status.SUCCEEDED,
        Refund.Status.SUCCEEDED,
        Refund.Status.SUCCEEDED,
    ]
    assert refunded(order) == 2900
    assert promotion_returned(order) == 100
    assert promotions_spent(order) == 0
    assert set(store_accounts(order).values()) == {0}, store_accounts(order)


# (currency, lines (unit price, quantity), discount % of the items, paid by Soko, steps):
# each step refunds units of each line under a name (the refund's key; a name ending in
# "+" refunds the delivery fee too); ("returned", name) is that refund returned by the
# buyer's bank, ("again", name) that refund asked again under its key. At the end every
# unit and the delivery fee are refunded.
CASES = {
    "kes-soko-revived-last": (
        "KES", [("10.00", 3)], "3.3333", True,
        [("a+", (1,)), ("b", (1,)), ("returned", "b"), ("c", (1,)), ("again", "b")],
    ),
    "kes-soko-revived-twice": (
        "KES", [("10.00", 3), ("0.35", 4)], "7", True,
        [
            ("a+", (1, 1)), ("b", (1, 2)), ("returned", "a"), ("c", (0, 1)), ("again", "a"),
            ("returned", "c"), ("d", (1, 0)), ("again", "c"),
        ],
    ),
    "kes-store-returned-then-new": (
        "KES", [("33.33", 5), ("10.10", 3)], "9.5", False,
        [("a", (2, 1)), ("b", (1, 1)), ("returned", "a"), ("c", (1, 1)), ("d+", (3, 1))],
    ),
    "kes-soko-returned-first-revived-after-all": (
        "KES", [("0.30", 7)], "33", True,
        [("a+", (3,)), ("b", (2,)), ("returned", "a"), ("c", (1,)), ("d", (1,)), ("again", "a")],
    ),
    "gnf-soko-returned-and-revived": (
        "GNF", [("333", 5), ("1001", 3)], "11", True,
        [("a+", (1, 1)), ("b", (2, 0)), ("returned", "a"), ("c", (1, 1)), ("again", "a"), ("d", (1, 1))],
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_discount_given_back_in_any_steps_with_refunds_failed_and_asked_again_adds_up(
    case, django_capture_on_commit_callbacks
):
    currency, lines, discount_percent, by_soko, steps = case
    order = discounted_order(
        lines=lines,
        currency=currency,
        discount_percent=discount_percent,
        by_soko=by_soko,
        delivery_fee="5000" if currency == "GNF" else "150.00",
    )
    paid, discount_by_soko = money_to_minor(order.total, currency), money_to_minor(order.platform_discount, currency)
    assert order.discount > 0 and promotions_spent(order) == discount_by_soko
    items = list(order.items.order_by("pk"))
    staff = UserFactory(is_staff=True, is_superuser=True)
    asked = {}
    for n, (name, units) in enumerate(steps):
        if name == "returned":
            bank_returns(Refund.objects.get(idempotency_key=units))
            continue
        key = units if name == "again" else name.removesuffix("+")
        with django_capture_on_commit_callbacks(execute=True):
            refund_order(
                order=order,
                lines={} if name == "again" else {item.pk: count for item, count in zip(items, units, strict=True) if count},
                delivery=name.endswith("+"),
                reason=f"Step {n}",
                actor=staff,
                key=key,
            )
        asked[key] = Refund.objects.get(idempotency_key=key)
        assert asked[key].status == Refund.Status.SUCCEEDED
        assert 0 <= refunded(order) <= paid
        assert 0 <= promotion_returned(order) <= discount_by_soko

    assert refunded(order) == paid
    assert promotion_returned(order) == discount_by_soko
    assert promotions_spent(order) == 0
    assert fees_held(order) == 0
    assert set(store_accounts(order).values()) == {0}, store_accounts(order)
