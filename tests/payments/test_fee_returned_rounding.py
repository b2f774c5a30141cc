"""The platform's fee given back by partial refunds adds up to the fee charged: the fee on
every unit refunded so far less the fee on those refunded before (as the discount's share
is), from the units counted under the order's lock, whether or not the provider has
answered the earlier refunds yet. Refunding an order in any steps returns exactly the fee
charged on it, never more, and leaves the store's accounts for it at zero."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from shop.core.selectors.currencies import money_to_minor
from shop.payments.ledger import accounts
from shop.payments.ledger import services as ledger
from shop.payments.ledger.fees import order_fee_minor
from shop.payments.models import LedgerEntry, PaymentStatus, Refund
from shop.payments.refunds.services import refund_failed_by_provider, refund_order
from tests.factories import StoreFactory, UserFactory
from tests.factories.catalog import ProductFactory
from tests.factories.orders import CheckoutFactory, OrderFactory
from tests.factories.payments import dev_card_pay
from tests.returns.conftest import deliver, mpesa_pay

pytestmark = pytest.mark.django_db


def paid_order(*, method="card", lines=(("10.10", 3),), currency="KES", delivery_fee="0", listing_types=()):
    """A delivered order of a new store in ``currency``, one line per (unit price,
    quantity) of ``lines`` (sold as ``listing_types``, fixed price by default), paid by
    ``method`` ("card", "mpesa" or "cod")."""
    store, buyer = StoreFactory(currency=currency), UserFactory()
    checkout = CheckoutFactory(
        buyer=buyer,
        payment_method=method,
        currency=currency,
        payment_status=PaymentStatus.ON_DELIVERY if method == "cod" else PaymentStatus.AWAITING,
        payment_due_by=None if method == "cod" else timezone.now() + timedelta(minutes=30),
    )
    variants = [
        (ProductFactory(store=store, variants__price=Decimal(price), variants__stock=10).variants.get(), quantity)
        for price, quantity in lines
    ]
    order = OrderFactory(
        checkout=checkout, buyer=buyer, store=store, currency=currency, delivery_fee=Decimal(delivery_fee), items=variants
    )
    for item, listing_type in zip(order.items.order_by("pk"), listing_types, strict=False):
        item.listing_type = listing_type
        item.save(update_fields=["listing_type"])
    checkout.refresh_from_db()
    if method == "card":
        dev_card_pay(checkout)
    elif method == "mpesa":
        mpesa_pay(checkout)
    return deliver(order)


def fees_held(order) -> int:
    """What the platform still holds of its fee on ``order``, by the ledger."""
    return -ledger.balance(accounts.FEES, order.currency, order=order)


def fee_returned(order) -> int:
    return sum(order.refunds.exclude(status=Refund.Status.FAILED).values_list("fee_minor", flat=True))


def store_accounts(order) -> dict[str, int]:
    """Each of the store's accounts' balance for ``order``."""
    rows = (
        LedgerEntry.objects.filter(order=order, account__code__startswith="store:")
        .values("account__code")
        .annotate(total=Sum("amount_minor"))
    )
    return {row["account__code"]: row["total"] for row in rows}


def test_refunding_every_unit_one_at_a_time_gives_back_the_whole_fee(django_capture_on_commit_callbacks):
    order = paid_order(lines=(("10.10", 3),))
    charged = fees_held(order)
    assert charged == 76  # 2.5 % of 30.30 = 0.7575, rounded once
    item = order.items.get()
    staff = UserFactory(is_staff=True, is_superuser=True)
    for n in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            refund_order(order=order, lines={item.pk: 1}, reason=f"Unit {n}", actor=staff)

    assert sum(Refund.objects.filter(order=order).values_list("amount_minor", flat=True)) == 3030
    assert fee_returned(order) == charged
    assert fees_held(order) == 0
    assert set(store_accounts(order).values()) == {0}


def test_refunds_recorded_before_their_jobs_run_never_give_back_more_fee_than_was_charged(
    django_capture_on_commit_callbacks,
):
    """The card refunds reach the ledger only once the provider answers: three recorded
    before any was sent each count the others' fee all the same."""
    order = paid_order(lines=(("10.20", 3),))
    charged = fees_held(order)
    assert charged == 77  # 2.5 % of 30.60 = 0.765, rounded once
    item = order.items.get()
    staff = UserFactory(is_staff=True, is_superuser=True)
    jobs = []
    for n in range(3):
        with django_capture_on_commit_callbacks(execute=False) as waiting:
            refund_order(order=order, lines={item.pk: 1}, reason=f"Unit {n}", actor=staff)
        jobs += waiting
    assert fee_returned(order) == charged
    for job in jobs:
        job()

    assert set(Refund.objects.filter(order=order).values_list("status", flat=True)) == {Refund.Status.SUCCEEDED}
    assert fee_returned(order) == charged
    assert fees_held(order) == 0
    assert set(store_accounts(order).values()) == {0}


# (currency, method, lines (unit price, quantity), listing types, fee rates, steps): each
# step refunds units of each line, its provider job run at once ("now") or only after
# the last step ("later"); the first step refunds the delivery fee too.
CASES = {
    "kes-card-one-by-one-now": ("KES", "card", [("10.10", 3)], [], {}, [((1,), "now")] * 3),
    "kes-card-one-by-one-later": ("KES", "card", [("10.20", 3)], [], {}, [((1,), "later")] * 3),
    "kes-card-uneven-mixed": (
        "KES", "card", [("0.30", 7)], [], {},
        [((2,), "now"), ((1,), "later"), ((3,), "later"), ((1,), "now")],
    ),
    "kes-card-two-lines-auction": (
        "KES", "card", [("10.10", 3), ("33.33", 5)], ["fixed", "auction"], {"fixed": "3.3", "auction": "1.75"},
        [((1, 2), "later"), ((0, 1), "now"), ((1, 0), "later"), ((1, 2), "now")],
    ),
    "kes-cash-two-lines": (
        "KES", "cod", [("10.10", 3), ("33.33", 5)], ["fixed", "auction"], {"fixed": "3.3", "auction": "1.75"},
        [((1, 1), "now"), ((1, 0), "now"), ((0, 3), "now"), ((1, 1), "now")],
    ),
    "kes-mpesa-one-by-one": ("KES", "mpesa", [("0.99", 4)], [], {"fixed": "12.5"}, [((1,), "now")] * 4),
    "gnf-card-one-by-one-mixed": (
        "GNF", "card", [("333", 5), ("1001", 3)], [], {},
        [((1, 0), "later"), ((0, 1), "now"), ((1, 1), "later"), ((1, 0), "now"), ((2, 1), "later")],
    ),
    "gnf-cash-uneven": ("GNF", "cod", [("333", 5)], [], {}, [((1,), "now"), ((3,), "now"), ((1,), "now")]),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_fee_returned_in_any_steps_adds_up_to_the_fee_charged(case, settings, django_capture_on_commit_callbacks):
    currency, method, lines, listing_types, rates, steps = case
    settings.SOKO_PLATFORM_FEES = {"fixed": Decimal("2.5"), "auction": Decimal("2")} | {
        kind: Decimal(rate) for kind, rate in rates.items()
    }
    order = paid_order(
        method=method,
        lines=lines,
        currency=currency,
        delivery_fee="5000" if currency == "GNF" else "150.00",
        listing_types=listing_types,
    )
    charged = fees_held(order)
    assert charged == order_fee_minor(order) > 0
    items = list(order.items.order_by("pk"))
    assert [sum(step[i] for step, _ in steps) for i in range(len(items))] == [item.quantity for item in items]
    staff = UserFactory(is_staff=True, is_superuser=True)
    jobs = []
    for n, (units, when) in enumerate(steps):
        with django_capture_on_commit_callbacks(execute=when == "now") as waiting:
            refund_order(
                order=order,
                lines={item.pk: count for item, count in zip(items, units, strict=True) if count},
                delivery=n == 0,
                reason=f"Step {n}",
                actor=staff,
            )
        if when == "later":
            jobs += waiting
        assert fee_returned(order) <= charged
        assert 0 <= fees_held(order) <= charged
    for job in jobs:
        job()

    assert Refund.objects.filter(order=order, status=Refund.Status.FAILED).count() == 0
    assert sum(Refund.objects.filter(order=order).values_list("amount_minor", flat=True)) == money_to_minor(order.total, currency)
    assert fee_returned(order) == charged
    assert fees_held(order) == 0
    assert set(store_accounts(order).values()) == {0}, store_accounts(order)


def test_a_refund_failed_and_asked_again_after_others_never_gives_back_more_fee(django_capture_on_commit_callbacks):
    """Its fee is worked out again against the units refunded since: asked again last, it
    gives back what is left of the fee."""
    order = paid_order(lines=(("0.30", 3),))
    charged = fees_held(order)
    assert charged == 2  # 2.5 % of 0.90 = 0.0225; of one unit 0.0075 -> 1, of two 0.015 -> 2
    item = order.items.get()
    staff = UserFactory(is_staff=True, is_superuser=True)
    with django_capture_on_commit_callbacks(execute=True):
        first = refund_order(order=order, lines={item.pk: 1}, reason="Unit 0", actor=staff, key="unit-0")
    assert refund_failed_by_provider(first, "returned by the bank")
    for n in (1, 2):
        with django_capture_on_commit_callbacks(execute=True):
            refund_order(order=order, lines={item.pk: 1}, reason=f"Unit {n}", actor=staff)
    with django_capture_on_commit_callbacks(execute=True):
        again = refund_order(order=order, lines={item.pk: 1}, reason="Unit 0", actor=staff, key="unit-0")

    again.refresh_from_db()
    assert again.pk == first.pk and again.reference  # asked again, and in the ledger
    assert fee_returned(order) == charged
    assert fees_held(order) == 0
    assert set(store_accounts(order).values()) == {0}
