"""Many shoppers at once, in real threads, each with its own database connection.

The row-lock stories need PostgreSQL; on SQLite the IMMEDIATE transactions serialise the
writers instead, which the smaller SQLite story checks.
"""

import uuid
from decimal import Decimal

import pytest
from django.db import OperationalError, connection

from shop.cart.models import Cart
from shop.cart.services import cart_add
from shop.catalog.models import Variant
from shop.orders.models import Checkout, Order
from shop.orders.services.checkout import CheckoutError, checkout_place
from tests.concurrency import at_once
from tests.factories import StoreFactory, UserFactory
from tests.factories.addresses import AddressFactory
from tests.factories.catalog import ProductFactory

from .conftest import details_for

SOLD_OUT = "Sold out: Kiondo basket — Red."


def shopper_with(*variants):
    """A shopper with an address and a cart holding one of each variant, in this order."""
    user = UserFactory()
    AddressFactory(user=user)
    cart = Cart.objects.create(user=user)
    for variant in variants:
        cart_add(cart=cart, variant=variant, quantity=1)
    return user, cart


def checkout_call(user, cart):
    details = details_for(user)
    return lambda: checkout_place(buyer=user, cart=cart, details=details, idempotency_key=uuid.uuid4())


def last_kiondo(stock=1):
    return ProductFactory(
        title="Kiondo basket", store=StoreFactory(), variants=[{"name": "Red", "price": Decimal("1200"), "stock": stock}]
    ).variants.get()


def assert_one_sale_of_the_last_unit(variant, outcomes, shoppers):
    placed = [outcome for outcome in outcomes if isinstance(outcome, Checkout)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, CheckoutError)]
    unexpected = [outcome for outcome in outcomes if not isinstance(outcome, (Checkout, CheckoutError))]
    assert unexpected == []
    assert len(placed) == 1 and Order.objects.count() == 1 and Checkout.objects.count() == 1
    assert len(refused) == shoppers - 1
    assert all(error.problems == [SOLD_OUT] for error in refused), {str(error) for error in refused}
    variant.refresh_from_db()
    assert variant.stock == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_shoppers_for_the_last_unit_make_exactly_one_order_and_49_hear_it_sold_out():
    variant = last_kiondo(stock=1)
    calls = [checkout_call(*shopper_with(variant)) for _ in range(50)]

    outcomes = at_once(calls)

    assert_one_sale_of_the_last_unit(variant, outcomes, 50)
    assert not Variant.objects.filter(stock__lt=0).exists()


@pytest.mark.django_db(transaction=True)
def test_on_sqlite_immediate_transactions_also_sell_the_last_unit_once():
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite story; PostgreSQL has its own (row locks)")
    variant = last_kiondo(stock=1)
    calls = [checkout_call(*shopper_with(variant)) for _ in range(12)]

    outcomes = at_once(calls)

    assert_one_sale_of_the_last_unit(variant, outcomes, 12)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_carts_with_the_same_two_items_in_opposite_order_never_show_a_deadlock(caplog):
    store = StoreFactory()
    first = ProductFactory(store=store, title="Kiondo basket", variants=[{"name": "Red", "stock": 1000}]).variants.get()
    second = ProductFactory(store=store, title="Kikoi wrap", variants=[{"name": "Blue", "stock": 1000}]).variants.get()
    amina, amina_cart = shopper_with(first, second)
    baraka, baraka_cart = shopper_with(second, first)

    for round_ in range(100):
        if round_:
            # Refill each cart in its own order: Amina's lines go first→second, Baraka's second→first.
            for variant in (first, second):
                cart_add(cart=amina_cart, variant=variant, quantity=1)
            for variant in (second, first):
                cart_add(cart=baraka_cart, variant=variant, quantity=1)
        outcomes = at_once([checkout_call(amina, amina_cart), checkout_call(baraka, baraka_cart)])
        assert all(isinstance(outcome, Checkout) for outcome in outcomes), (round_, outcomes)
        assert not any(isinstance(outcome, OperationalError) for outcome in outcomes)

    assert Order.objects.count() == 200
    assert "retrying" not in caplog.text  # locking in key order prevented them, not the retry
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.stock == second.stock == 800


@pytest.mark.django_db(transaction=True)
def test_a_deadlock_reported_by_the_database_is_retried_not_shown(monkeypatch):
    from shop.orders.services import checkout as checkout_module

    variant = last_kiondo(stock=5)
    user, cart = shopper_with(variant)
    real_place = checkout_module._place
    failures = iter([OperationalError("deadlock detected"), OperationalError("database is locked")])

    def flaky_place(**kwargs):
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return real_place(**kwargs)

    monkeypatch.setattr(checkout_module, "_place", flaky_place)

    checkout = checkout_call(user, cart)()

    assert isinstance(checkout, Checkout) and Order.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_database_that_stays_busy_ends_in_a_please_try_again(monkeypatch):
    from shop.orders.services import checkout as checkout_module

    variant = last_kiondo(stock=5)
    user, cart = shopper_with(variant)

    def always_locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(checkout_module, "_place", always_locked)
    monkeypatch.setattr("shop.core.services.transactions.time.sleep", lambda seconds: None)

    with pytest.raises(checkout_module.CheckoutBusy, match="Please try again"):
        checkout_call(user, cart)()
    assert not Checkout.objects.exists()
