"""Promo codes at checkout: a store's code reduces that store's items, Soko's the whole
checkout's; a code that does not apply stops the checkout with its reason and leaves
nothing behind; a ten-use code used by a hundred shoppers at once is used ten times; and
the ledger balances with the discounts, refunds included."""

import dataclasses
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from shop.cart.models import Cart
from shop.cart.services import cart_add
from shop.orders.models import Checkout, Order, OrderStatus
from shop.orders.services.checkout import CheckoutError, checkout_place
from shop.orders.services.orders import order_transition
from shop.orders.services.payment_flow import checkouts_expire
from shop.payments.ledger import accounts, fees
from shop.payments.models import LedgerEntry
from shop.payments.refunds.services import refund_order
from shop.promotions.models import PromoCode, PromoRedemption
from tests.concurrency import at_once
from tests.factories import UserFactory
from tests.factories.catalog import ProductFactory
from tests.factories.payments import dev_card_pay
from tests.html import dom

from .conftest import details_for
from .test_concurrency import shopper_with
from .test_page import checked, form_key, review_of

pytestmark = pytest.mark.django_db


def code(text="KARIBU10", *, store=None, **fields):
    values = {"kind": "percent", "amount": Decimal("10"), "currency": "KES", "starts_at": timezone.now() - timedelta(days=1)} | fields
    return PromoCode.objects.create(code=text, store=store, **values)


def place(buyer, cart, promo, **changes):
    details = dataclasses.replace(details_for(buyer, **changes), promo_code=promo)
    return checkout_place(buyer=buyer, cart=cart, details=details, idempotency_key=uuid.uuid4())


def test_a_stores_code_reduces_that_stores_items_only(buyer, cart, weavers, crafts):
    code("WEAVERS20", store=weavers, amount=Decimal("20"))
    checkout = place(buyer, cart, "weavers20 ")  # any case, stray spaces
    weavers_order, crafts_order = checkout.orders.order_by("store__name")
    assert weavers_order.items_total == Decimal("2401.00") and weavers_order.discount == Decimal("480.00")  # 20 % of 2401, in whole shillings
    assert weavers_order.total == weavers_order.items_total + weavers_order.delivery_fee - Decimal("480.00")
    assert (weavers_order.promo_code, weavers_order.platform_discount) == ("WEAVERS20", 0)
    assert crafts_order.discount == 0 and crafts_order.promo_code == ""
    assert checkout.total == weavers_order.total + crafts_order.total
    assert PromoCode.objects.get().uses == 1 and PromoRedemption.objects.get().amount == Decimal("480.00")


def test_sokos_code_is_shared_between_the_stores_to_the_shilling(buyer, cart):
    code("SOKO500", kind="fixed", amount=Decimal("500"))
    checkout = place(buyer, cart, "SOKO500")
    orders = list(checkout.orders.order_by("store__name"))
    # 2401 and 850 of items: 500 shared in proportion in whole shillings, rounded down
    # (369 and 130), the remainder on the larger order.
    assert [o.discount for o in orders] == [Decimal("370.00"), Decimal("130.00")]
    assert [o.platform_discount for o in orders] == [o.discount for o in orders]  # Soko pays (the default)


def test_who_pays_for_sokos_codes_is_a_setting(buyer, cart, settings):
    settings.SOKO_PLATFORM_CODES_PAID_BY = "stores"
    code("SOKO500", kind="fixed", amount=Decimal("500"))
    checkout = place(buyer, cart, "SOKO500")
    assert [o.platform_discount for o in checkout.orders.all()] == [0, 0]


@pytest.mark.parametrize(
    ("fields", "typed", "reason"),
    [
        ({}, "NOPE", "There is no promo code “NOPE”"),
        ({"active": False}, "KARIBU10", "There is no promo code"),
        ({"ends_at": timezone.now() - timedelta(minutes=1)}, "KARIBU10", "has expired"),
        ({"starts_at": timezone.now() + timedelta(days=1)}, "KARIBU10", "not valid yet"),
        ({"max_uses": 3, "uses": 3}, "KARIBU10", "is used up"),
        ({"currency": "GNF"}, "KARIBU10", "works for prices in GNF only"),
        ({"min_order": Decimal("5000")}, "KARIBU10", "needs items of at least"),
    ],
)
def test_a_code_that_does_not_apply_stops_the_checkout_with_its_reason(buyer, cart, fields, typed, reason):
    code(**fields)
    with pytest.raises(CheckoutError, match=reason):
        place(buyer, cart, typed)
    assert not Checkout.objects.exists() and not PromoRedemption.objects.exists()
    assert cart.items.count() == 2


def test_first_order_and_per_shopper_limits(buyer, cart, kikoi):
    code("WELCOME", first_order_only=True)
    code("TWICE", max_uses_per_customer=2)
    place(buyer, cart, "TWICE")
    cart_add(cart=cart, variant=kikoi, quantity=1)
    place(buyer, cart, "TWICE")
    cart_add(cart=cart, variant=kikoi, quantity=1)
    with pytest.raises(CheckoutError, match="already used the code TWICE"):
        place(buyer, cart, "TWICE")
    with pytest.raises(CheckoutError, match="first order only"):
        place(buyer, cart, "WELCOME")
    assert PromoCode.objects.get(code="TWICE").uses == 2


def test_a_checkout_whose_payment_expires_gives_the_use_back_once(buyer, cart, kikoi):
    code("ONCE", max_uses=1)
    checkout = place(buyer, cart, "ONCE", payment_method="card")
    assert PromoCode.objects.get().uses == 1
    later = timezone.now() + timedelta(hours=2)
    assert checkouts_expire(now=later) == 1 and checkouts_expire(now=later) == 0
    assert PromoCode.objects.get().uses == 0
    assert PromoRedemption.objects.get(checkout=checkout).returned_at == later
    # The shopper (one use each) and the code (one use in all) have it again.
    cart_add(cart=cart, variant=kikoi, quantity=1)
    assert place(buyer, cart, "ONCE").orders.get().promo_code == "ONCE"
    assert PromoCode.objects.get().uses == 1


def test_the_use_comes_back_when_the_last_order_is_cancelled_unpaid(buyer, cart, weavers, crafts):
    code("SOKO500", kind="fixed", amount=Decimal("500"))
    checkout = place(buyer, cart, "SOKO500")  # cash on delivery: nothing paid yet
    staff = UserFactory(is_staff=True)
    order_transition(order=checkout.orders.get(store=weavers), to=OrderStatus.CANCELLED, actor=staff, role="staff", note="out of stock")
    assert PromoCode.objects.get().uses == 1  # the other order still has its share
    order_transition(order=checkout.orders.get(store=crafts), to=OrderStatus.CANCELLED, actor=staff, role="staff", note="out of stock")
    assert PromoCode.objects.get().uses == 0
    assert PromoRedemption.objects.get().returned_at is not None


def test_a_stores_code_comes_back_when_the_order_it_reduced_is_cancelled_unpaid(buyer, cart, weavers, crafts):
    """The other store's order, which the code took nothing off, goes on: the shopper may
    use the code again."""
    code("WEAVERS20", store=weavers, amount=Decimal("20"), max_uses_per_customer=1)
    checkout = place(buyer, cart, "WEAVERS20")
    reduced = checkout.orders.get(store=weavers)
    order_transition(order=reduced, to=OrderStatus.CANCELLED, actor=buyer, role="buyer", note="changed my mind")
    assert checkout.orders.get(store=crafts).status == OrderStatus.PENDING
    assert PromoCode.objects.get().uses == 0 and PromoRedemption.objects.get().returned_at is not None
    cart_add(cart=cart, variant=weavers.products.first().variants.first(), quantity=1)
    assert place(buyer, cart, "WEAVERS20").orders.get(store=weavers).promo_code == "WEAVERS20"


def test_a_paid_checkout_cancelled_keeps_its_use(buyer, cart, weavers, crafts):
    code("SOKO500", kind="fixed", amount=Decimal("500"))
    checkout = place(buyer, cart, "SOKO500", payment_method="card")
    dev_card_pay(checkout)
    staff = UserFactory(is_staff=True)
    for order in checkout.orders.all():
        order_transition(order=order, to=OrderStatus.CANCELLED, actor=staff, role="staff", note="out of stock")
    assert PromoCode.objects.get().uses == 1 and PromoRedemption.objects.get().returned_at is None


def test_a_stores_code_needs_that_stores_items(buyer, weavers, crafts, kikoi):
    code("WEAVERS20", store=weavers)
    cart = Cart.objects.create(user=buyer)
    cart_add(cart=cart, variant=kikoi, quantity=1)
    with pytest.raises(CheckoutError, match="for Kisii Weavers only"):
        place(buyer, cart, "WEAVERS20")


def entries(**filters) -> int:
    return LedgerEntry.objects.filter(**filters).aggregate(total=Sum("amount_minor"))["total"] or 0


def test_the_ledger_balances_with_sokos_discount_through_payment_and_refunds(
    buyer, cart, weavers, django_capture_on_commit_callbacks
):
    code("SOKO500", kind="fixed", amount=Decimal("500"))
    checkout = place(buyer, cart, "SOKO500", payment_method="card", delivery_modes={weavers.pk: "delivery"})
    dev_card_pay(checkout)
    order = checkout.orders.get(store=weavers)
    assert (order.discount, order.delivery_fee) == (Decimal("370.00"), Decimal("200"))
    fee = fees.order_fee_minor(order)
    # The store's share is as if there were no code; Soko's promotions account paid it.
    held = -entries(order=order, account__code=accounts.store_held(weavers.pk))
    assert held == 240100 + 20000 - fee
    assert entries(order=order, account__code=accounts.PROMOTIONS) == 37000

    staff = UserFactory(is_staff=True)
    for to in (OrderStatus.CONFIRMED, OrderStatus.PREPARING, OrderStatus.READY, OrderStatus.OUT_FOR_DELIVERY, OrderStatus.DELIVERED):
        order = order_transition(order=order, to=to, actor=staff, role="staff", note="story")
    (line,) = order.items.all()
    with django_capture_on_commit_callbacks(execute=True):  # the card is refunded after commit
        first = refund_order(order=order, lines={line.pk: 1}, reason="one broken", actor=staff)
        second = refund_order(order=order, lines={line.pk: 1}, delivery=True, reason="both broken", actor=staff)
    # Every unit back: exactly what was paid for them, and the delivery fee.
    assert first.amount_minor + second.amount_minor == 240100 - 37000 + 20000
    assert first.promotion_minor + second.promotion_minor == 37000
    assert entries(order=order, account__code=accounts.PROMOTIONS) == 0
    # The fee on two half refunds can come back a minor unit short of the fee on the whole
    # (each rounded half up): that unit stays the store's to pay, nothing else is left.
    assert entries(order=order, account__code=accounts.store_held(weavers.pk)) == -entries(order=order, account__code=accounts.FEES)
    assert entries(order=order, account__code=accounts.FEES) in (0, -1)
    checkout.refresh_from_db()
    paid = round(checkout.total * 100)
    assert entries(transaction__checkout=checkout, account__code__startswith="provider:") == paid - 223100  # 240100 - 37000 + 20000 refunded
    assert entries(transaction__checkout=checkout) == 0


def test_a_unit_paid_for_by_sokos_code_alone_is_refunded_without_asking_the_provider(buyer, cart, weavers):
    code("ALLFREE", kind="fixed", amount=Decimal("100000"))
    checkout = place(buyer, cart, "ALLFREE", payment_method="card", delivery_modes={weavers.pk: "delivery"})
    dev_card_pay(checkout)
    order = checkout.orders.get(store=weavers)
    assert order.discount == order.items_total and order.total == order.delivery_fee
    staff = UserFactory(is_staff=True)
    (line,) = order.items.all()
    refund = refund_order(order=order, lines={line.pk: 1}, reason="broken", actor=staff)
    assert (refund.amount_minor, refund.status) == (0, "succeeded") and refund.promotion_minor > 0
    assert entries(transaction__checkout=checkout) == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_hundred_shoppers_at_once_use_a_ten_use_code_ten_times(weavers):
    basket = ProductFactory(store=weavers, variants__price=Decimal("100"), variants__stock=1000).variants.get()
    code("TEN", max_uses=10)
    shoppers = [shopper_with(basket) for _ in range(100)]

    def call(user, cart):
        details = dataclasses.replace(details_for(user), promo_code="TEN")
        return lambda: checkout_place(buyer=user, cart=cart, details=details, idempotency_key=uuid.uuid4())

    results = at_once([call(user, cart) for user, cart in shoppers])
    placed = [r for r in results if isinstance(r, Checkout)]
    refused = [r for r in results if isinstance(r, CheckoutError)]
    assert len(placed) == 10 and len(refused) == 90, {type(r).__name__ for r in results}
    assert all("used up" in str(error) for error in refused)
    assert PromoCode.objects.get().uses == 10 == PromoRedemption.objects.count()
    assert Order.objects.filter(promo_code="TEN").count() == 10


def test_the_checkout_page_applies_a_code_and_explains_a_refusal(client, buyer, cart, weavers):
    code("WEAVERS20", store=weavers, amount=Decimal("20"))
    client.force_login(buyer)
    page = client.get("/checkout/").text
    base = {"idempotency_key": form_key(page), "instructions": "", **checked(page)}

    applied = client.post("/checkout/", {**base, "promo_code": "weavers20", "recalculate": "1"}).text
    assert dom(applied).one("[data-testid=review-discount] span:last-child").text == "−KES 480"
    # Typed with spaces, it is the same code, and named as it is.
    spaced = client.post("/checkout/", {**base, "promo_code": " weavers 20 ", "recalculate": "1"}).text
    assert dom(spaced).one("[data-testid=review-discount] span:first-child").text.strip() == "Code WEAVERS20"
    total = dom(applied).one("[data-testid=review-total]").text
    assert "2,971" in total, total  # 2401 + 850 + 200 delivery - 480

    refused = client.post("/checkout/", {**base, "promo_code": "OLD", "recalculate": "1"}).text
    assert "There is no promo code “OLD”" in dom(refused).one("[data-testid=promo-problem]").text

    placed = client.post("/checkout/", {**base, "promo_code": "weavers20", **review_of(applied)})
    assert placed.status_code == 302
    assert Order.objects.get(store=weavers).discount == Decimal("480.00")
