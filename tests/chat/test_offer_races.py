"""An offer accepted while the same units sell elsewhere, and an offer accepted twice at
the same moment, in real threads with their own database connections (PostgreSQL row
locks). Whatever the order, stock is never oversold and one offer makes one order. The
same stories one after the other run on SQLite too."""

import random
import time
from decimal import Decimal

import pytest
from django.db import transaction

from shop.catalog.models import Variant
from shop.chat.models import Offer
from shop.chat.selectors import conversation_for_user
from shop.chat.services.conversations import ChatError
from shop.chat.services.offers import LineAsked, offer_accept, offer_make
from shop.inventory.services import StockShort, stock_lock, stock_reserve
from shop.orders.models import Checkout, Order
from tests.concurrency import at_once
from tests.factories.chat import chat_world

TRIALS = 20


def offer_of_three(world) -> Offer:
    variant = world.product.variants.get()
    return offer_make(
        viewer=conversation_for_user(user=world.staff, pk=world.conversation.pk, for_writing=True),
        user=world.staff,
        lines=[LineAsked(variant_id=variant.pk, quantity=3, unit_price=Decimal("200"))],
        delivery_mode="pickup",
        delivery_fee=Decimal("0"),
    )


def accept_call(world, offer):
    def call():
        viewer = conversation_for_user(user=world.buyer, pk=world.conversation.pk, for_writing=True)
        return offer_accept(viewer=viewer, user=world.buyer, offer_id=offer.pk)

    return call


def reserve_call(variant_id: int, quantity: int, *, hold: float = 0.0, delay: float = 0.0):
    """Another checkout taking ``quantity`` units through the inventory module, keeping its
    lock ``hold`` seconds before committing."""

    def call():
        time.sleep(delay)
        with transaction.atomic():
            locked = stock_lock(variant_ids=[variant_id])
            stock_reserve(locked=locked, quantities={variant_id: quantity})
            time.sleep(hold)
        return "reserved"

    return call


def assert_never_oversold(world, offer, accepted, reserved) -> str:
    """Exactly one of the two got the units; returns which."""
    variant = Variant.objects.get(pk=world.product.variants.get().pk)
    offer.refresh_from_db()
    orders = Order.objects.filter(buyer=world.buyer)
    assert variant.stock >= 0
    if isinstance(accepted, Offer):
        assert isinstance(reserved, StockShort), reserved
        assert variant.stock == 0 and offer.status == Offer.Status.ACCEPTED and orders.count() == 1
        return "offer"
    assert isinstance(accepted, ChatError) and accepted.code == "stock", accepted
    assert reserved == "reserved", reserved
    assert variant.stock == 1 and offer.status == Offer.Status.OPEN and not orders.exists()
    return "other"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_offer_accepted_while_another_checkout_takes_the_same_units_never_oversells():
    rng = random.Random(20240611)
    winners = []
    for trial in range(TRIALS):
        world = chat_world(stock=3)
        offer = offer_of_three(world)
        variant_id = world.product.variants.get().pk
        # Half the trials the other checkout keeps its lock a moment, so the acceptance
        # must wait for it and read the stock it left, not the stock it saw before.
        hold = 0.05 if trial % 2 else 0.0
        delay = rng.choice([0.0, 0.0, 0.01])
        accepted, reserved = at_once([accept_call(world, offer), reserve_call(variant_id, 2, hold=hold, delay=delay)])
        winners.append(assert_never_oversold(world, offer, accepted, reserved))
    assert len(winners) == TRIALS


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_shopper_accepting_the_same_offer_twice_at_once_gets_one_order():
    for _trial in range(5):
        world = chat_world(stock=5)
        offer = offer_of_three(world)

        outcomes = at_once([accept_call(world, offer), accept_call(world, offer)])

        assert all(isinstance(outcome, Offer) for outcome in outcomes), outcomes
        orders = Order.objects.filter(buyer=world.buyer)
        assert orders.count() == 1 and Checkout.objects.filter(buyer=world.buyer).count() == 1
        assert {outcome.order_id for outcome in outcomes} == {orders.get().pk}
        assert world.product.variants.get().stock == 2


# --- The same stories, one after the other (any database) -------------------------------


@pytest.mark.django_db
def test_units_sold_elsewhere_first_leave_the_offer_unacceptable():
    world = chat_world(stock=3)
    offer = offer_of_three(world)
    variant_id = world.product.variants.get().pk

    reserved = reserve_call(variant_id, 2)()
    with pytest.raises(ChatError) as refused:
        accept_call(world, offer)()

    assert reserved == "reserved" and refused.value.code == "stock"
    assert "no longer has enough stock" in str(refused.value)
    assert_never_oversold(world, offer, refused.value, reserved)


@pytest.mark.django_db
def test_offer_accepted_first_leaves_nothing_for_the_other_checkout():
    world = chat_world(stock=3)
    offer = offer_of_three(world)
    variant_id = world.product.variants.get().pk

    accepted = accept_call(world, offer)()
    with pytest.raises(StockShort) as short:
        reserve_call(variant_id, 2)()

    assert_never_oversold(world, offer, accepted, short.value)
