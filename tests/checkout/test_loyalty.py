"""Loyalty points: earned once when an order completes, spent at checkout as a discount Soko
pays for (within the per-order limit, after a promo code), given back and taken back with
refunds and cancellations, expiring oldest first; a shopper's balance is always the sum of
their history and what is left of their lots."""

import dataclasses
import random
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from shop.cart.services import cart_add
from shop.orders.models import Order, OrderStatus
from shop.orders.services.checkout import CheckoutError, checkout_place
from shop.orders.services.orders import order_transition
from shop.orders.services.payment_flow import checkouts_expire
from shop.payments.ledger import accounts, fees
from shop.payments.models import LedgerEntry
from shop.payments.refunds.services import refund_order
from shop.promotions.models import LoyaltyEntry, PromoCode
from shop.promotions.services.loyalty import (
    PointsQuote,
    PointsRefused,
    _give,
    _take,
    points_balance,
    points_expire,
    points_redeem,
)
from tests.concurrency import at_once
from tests.factories import UserFactory
from tests.factories.orders import OrderFactory
from tests.factories.payments import dev_card_pay
from tests.html import dom

from .conftest import details_for
from .test_page import checked, form_key, review_of

pytestmark = pytest.mark.django_db

K = LoyaltyEntry.Kind
S = OrderStatus
TO_DELIVERED = (S.CONFIRMED, S.PREPARING, S.READY, S.OUT_FOR_DELIVERY, S.DELIVERED)


def given(user, points: int, *, days_left: int = 300, currency: str = "KES") -> LoyaltyEntry:
    """A lot of points the shopper earned before (history set up directly)."""
    return LoyaltyEntry.objects.create(
        user=user, currency=currency, kind=K.EARNED, points=points, remaining=points,
        expires_at=timezone.now() + timedelta(days=days_left),
    )


def place(buyer, cart, *, use_points=True, promo="", **changes):
    details = dataclasses.replace(details_for(buyer, **changes), use_points=use_points, promo_code=promo)
    return checkout_place(buyer=buyer, cart=cart, details=details, idempotency_key=uuid.uuid4())


def deliver_and_complete(order, buyer):
    staff = UserFactory(is_staff=True)
    for to in TO_DELIVERED:
        if to == S.OUT_FOR_DELIVERY and order.delivery_mode == Order.DeliveryMode.PICKUP:
            continue
        order = order_transition(order=order, to=to, actor=staff, role="staff", note="story")
    return order_transition(order=order, to=S.COMPLETED, actor=buyer, role="buyer")


def consistent(user, currency="KES") -> int:
    """The balance, after checking it is the history's sum and what its lots have left."""
    history = LoyaltyEntry.objects.filter(user=user, currency=currency)
    balance = history.aggregate(total=Sum("points"))["total"] or 0
    left = history.aggregate(total=Sum("remaining"))["total"] or 0
    assert points_balance(user=user, currency=currency) == balance
    assert left == max(balance, 0), (left, balance)
    return balance


def entries(**filters) -> int:
    return LedgerEntry.objects.filter(**filters).aggregate(total=Sum("amount_minor"))["total"] or 0


def test_a_completed_order_earns_a_point_per_ten_shillings_once(buyer, cart, weavers):
    checkout = place(buyer, cart, use_points=False)
    order = checkout.orders.get(store=weavers)  # 2 × 1200.50
    assert not LoyaltyEntry.objects.exists()
    order = deliver_and_complete(order, buyer)
    earned = LoyaltyEntry.objects.get()
    assert (earned.kind, earned.points, earned.remaining, earned.order) == (K.EARNED, 240, 240, order)
    assert timedelta(days=364) < earned.expires_at - timezone.now() <= timedelta(days=365)
    staff = UserFactory(is_staff=True)  # staff reopen a completion made by mistake, then it completes again
    order = order_transition(order=order, to=S.DELIVERED, actor=staff, role="staff", note="reopened")
    order_transition(order=order, to=S.COMPLETED, actor=staff, role="staff", note="again")
    assert consistent(buyer) == 240 and LoyaltyEntry.objects.count() == 1


def test_the_rate_is_a_setting_per_currency(buyer, cart, weavers, settings):
    settings.SOKO_LOYALTY_EARN_EVERY = {"default": Decimal("10"), "KES": Decimal("100")}
    deliver_and_complete(place(buyer, cart, use_points=False).orders.get(store=weavers), buyer)
    assert consistent(buyer) == 24


def test_points_come_off_the_orders_in_proportion_and_soko_pays(buyer, cart, weavers, crafts):
    given(buyer, 5000)
    checkout = place(buyer, cart)
    weavers_order, crafts_order = checkout.orders.order_by("store__name")
    # 5000 points of KES 0.10 = 500 off 2401 and 850 of items, shared in tens of points
    # (whole shillings): 369 and 130, the shilling left on the larger order.
    assert (weavers_order.points_used, crafts_order.points_used) == (3700, 1300)
    assert (weavers_order.points_discount, crafts_order.points_discount) == (Decimal("370.00"), Decimal("130.00"))
    for order in (weavers_order, crafts_order):
        assert order.discount == order.platform_discount == order.points_discount
        assert order.total == order.items_total + order.delivery_fee - order.discount
    assert checkout.total == Decimal("2401") + Decimal("850") - Decimal("500")
    assert consistent(buyer) == 0
    spent = LoyaltyEntry.objects.filter(kind=K.REDEEMED).order_by("points")
    assert [(e.points, e.order) for e in spent] == [(-3700, weavers_order), (-1300, crafts_order)]


def test_an_order_takes_at_most_half_its_items_in_points(buyer, cart):
    given(buyer, 100_000)
    checkout = place(buyer, cart)
    # Half of 3251, in whole shillings (points are spent in tens).
    assert sum(o.points_discount for o in checkout.orders.all()) == Decimal("1625.00")
    assert consistent(buyer) == 100_000 - 16_250


def test_points_go_on_what_a_promo_code_left(buyer, cart, weavers):
    PromoCode.objects.create(code="WEAVERS20", store=weavers, kind="percent", amount=Decimal("20"), currency="KES", starts_at=timezone.now() - timedelta(days=1))
    given(buyer, 100_000)
    order = place(buyer, cart, promo="WEAVERS20").orders.get(store=weavers)
    # 2401 less 480 from the code (20 %, in whole shillings) leaves 1921 for points, and all
    # orders take half of 3251 - 480, in whole shillings.
    assert order.discount == Decimal("480.00") + order.points_discount and order.promo_code == "WEAVERS20"
    assert order.platform_discount == order.points_discount  # the store's code is the store's
    assert sum(o.points_discount for o in Order.objects.all()) == Decimal("1385.00")


def test_without_the_choice_or_without_points_nothing_is_spent(buyer, cart):
    given(buyer, 500)
    checkout = place(buyer, cart, use_points=False)
    assert sum(o.points_used for o in checkout.orders.all()) == 0 and consistent(buyer) == 500


def test_points_that_went_meanwhile_refuse_the_spending(buyer):
    given(buyer, 100)
    quote = PointsQuote(currency="KES", balance=100, points={1: 100}, discounts={1: Decimal("10")})
    LoyaltyEntry.objects.create(user=buyer, currency="KES", kind=K.EXPIRED, points=-60)
    with pytest.raises(PointsRefused, match="Your points changed"):
        points_redeem(user=buyer, quote=quote, orders={})


def test_earn_spend_refund_and_the_ledger_balances(buyer, cart, weavers, django_capture_on_commit_callbacks):
    given(buyer, 2000)
    checkout = place(buyer, cart, payment_method="card", delivery_modes={weavers.pk: "delivery"})
    dev_card_pay(checkout)
    order = checkout.orders.get(store=weavers)
    # 2000 points shared 2401:850 in tens come to 1470 and 520, the ten left over on the larger order.
    assert (order.points_used, order.points_discount) == (1480, Decimal("148.00"))
    fee = fees.order_fee_minor(order)
    # The store's share is as if nothing were off; Soko's promotions account paid the points.
    assert -entries(order=order, account__code=accounts.store_held(weavers.pk)) == 240100 + 20000 - fee
    assert entries(order=order, account__code=accounts.PROMOTIONS) == 14800

    order = deliver_and_complete(order, buyer)
    earned = LoyaltyEntry.objects.get(order=order, kind=K.EARNED)
    assert earned.points == int((Decimal("2401") - Decimal("148")) // 10) == 225
    assert consistent(buyer) == 225

    staff = UserFactory(is_staff=True)
    (line,) = order.items.all()
    with django_capture_on_commit_callbacks(execute=True):  # the card is refunded after commit
        refund_order(order=order, lines={line.pk: 1}, reason="one broken", actor=staff)
    # Half the items back: half the points earned taken back, half the points spent given back.
    assert LoyaltyEntry.objects.get(order=order, kind=K.REVERSED).points == -113
    assert LoyaltyEntry.objects.get(order=order, kind=K.RESTORED).points == 740
    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order=order, lines={line.pk: 1}, delivery=True, reason="both broken", actor=staff)
    assert LoyaltyEntry.objects.filter(order=order, kind=K.REVERSED).aggregate(t=Sum("points"))["t"] == -225
    assert LoyaltyEntry.objects.filter(order=order, kind=K.RESTORED).aggregate(t=Sum("points"))["t"] == 1480
    assert consistent(buyer) == 1480  # the other order's points are still spent
    assert entries(order=order, account__code=accounts.PROMOTIONS) == 0
    assert entries(transaction__checkout=checkout) == 0


def test_an_unpaid_checkout_that_expires_gives_the_points_back_once(buyer, cart):
    given(buyer, 1000)
    checkout = place(buyer, cart, payment_method="card")
    assert consistent(buyer) == 0
    later = timezone.now() + timedelta(hours=2)
    assert checkouts_expire(now=later) == 1 and checkouts_expire(now=later) == 0
    assert set(checkout.orders.values_list("status", flat=True)) == {S.CANCELLED}
    assert consistent(buyer) == 1000 and LoyaltyEntry.objects.filter(kind=K.RESTORED).count() == 2


def test_a_cash_order_cancelled_before_delivery_gives_the_points_back(buyer, cart, weavers):
    given(buyer, 1000)
    order = place(buyer, cart).orders.get(store=weavers)
    staff = UserFactory(is_staff=True)
    order_transition(order=order, to=S.CANCELLED, actor=staff, role="staff", note="out of stock")
    assert LoyaltyEntry.objects.get(order=order, kind=K.RESTORED).points == order.points_used > 0


def test_what_is_left_of_old_points_expires_once_and_spending_takes_the_oldest_first(buyer, cart):
    old = given(buyer, 300, days_left=10)
    given(buyer, 5000, days_left=300)
    place(buyer, cart)  # 5300 points: all of the old lot and 5000 of the new are spent
    old.refresh_from_db()
    assert old.remaining == 0
    given(buyer, 200, days_left=-1)  # a lot past its date
    assert points_expire() == 1 and points_expire() == 0
    assert LoyaltyEntry.objects.get(kind=K.EXPIRED).points == -200
    assert consistent(buyer) == 0


def test_points_taken_back_after_they_were_spent_are_paid_back_by_the_next_earned(buyer, cart, weavers, crafts, kikoi):
    checkout = place(buyer, cart, use_points=False)
    first = deliver_and_complete(checkout.orders.get(store=weavers), buyer)  # 240 points
    cart_add(cart=cart, variant=kikoi, quantity=5)
    place(buyer, cart)  # spends the 240
    staff = UserFactory(is_staff=True)
    (line,) = first.items.all()
    refund_order(order=first, lines={line.pk: 2}, reason="returned", actor=staff)
    assert consistent(buyer) == -240
    second = deliver_and_complete(checkout.orders.get(store=crafts), buyer)  # 850: 85 points
    assert LoyaltyEntry.objects.get(order=second, kind=K.EARNED).remaining == 0
    assert consistent(buyer) == -155


def test_a_random_history_always_adds_up(buyer, weavers):
    """Earned, spent, taken back, given back and expired in a random order, against the rule
    that the balance is the history's sum and what the lots have left (never below zero)."""
    rng = random.Random(17)
    for _step in range(200):
        move = rng.choice(["earn", "spend", "take", "expire"])
        balance = points_balance(user=buyer, currency="KES")
        if move == "earn":
            _give(user_id=buyer.pk, currency="KES", kind=K.RESTORED, points=rng.randint(1, 500), now=timezone.now() - timedelta(days=rng.randint(0, 400)))
        elif move == "spend" and balance > 0:
            points = rng.randint(1, balance)
            _take(user_id=buyer.pk, currency="KES", points=points)
            LoyaltyEntry.objects.create(user=buyer, currency="KES", kind=K.REDEEMED, points=-points)
        elif move == "take":
            points = rng.randint(1, 300)
            _take(user_id=buyer.pk, currency="KES", points=points)
            LoyaltyEntry.objects.create(user=buyer, currency="KES", kind=K.REVERSED, points=-points)
        elif move == "expire":
            points_expire()
        consistent(buyer)
    assert LoyaltyEntry.objects.filter(kind=K.EXPIRED).exists() and LoyaltyEntry.objects.filter(kind=K.REVERSED).exists()


def test_the_checkout_page_offers_the_points_and_takes_them_off(client, buyer, cart):
    given(buyer, 1234)
    client.force_login(buyer)
    page = client.get("/checkout/").text
    offer = dom(page).one("[data-testid=use-points]").text
    assert "Use 1,230 points: −KES 123" in offer and "You have 1,234 points." in offer, offer
    base = {"idempotency_key": form_key(page), "instructions": "", **checked(page)}
    chosen = client.get("/checkout/", {"use_points": "1"}).text
    assert dom(chosen).one("[data-testid=review-points] span:last-child").text == "−KES 123"
    total = dom(chosen).one("[data-testid=review-total]").text
    assert "3,328" in total, total  # 3251 + 200 delivery - 123 (points in tens: whole shillings)
    placed = client.post("/checkout/", {**base, "use_points": "1", **review_of(chosen)})
    assert placed.status_code == 302
    assert sum(o.points_used for o in Order.objects.all()) == 1230 and consistent(buyer) == 4


def test_a_shopper_without_points_is_not_offered_any(client, buyer, cart):
    client.force_login(buyer)
    assert not dom(client.get("/checkout/")).has("[data-testid=use-points]")


def test_a_checkout_refused_for_another_reason_spends_no_points(buyer, cart):
    given(buyer, 1000)
    with pytest.raises(CheckoutError):
        place(buyer, cart, promo="NOPE")
    assert consistent(buyer) == 1000 and not LoyaltyEntry.objects.filter(kind=K.REDEEMED).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_spendings_at_once_never_spend_more_than_the_balance():
    """Each spending checks the balance under the shopper's row lock: 500 points, ten
    checkouts of 100 at once, five spend and five are refused."""
    buyer = UserFactory()
    given(buyer, 500)
    orders = [OrderFactory(buyer=buyer) for _ in range(10)]

    def spend(order):
        quote = PointsQuote(currency="KES", balance=500, points={order.store_id: 100}, discounts={order.store_id: Decimal("10")})

        def call():
            with transaction.atomic():
                points_redeem(user=buyer, quote=quote, orders={order.store_id: order})
            return True

        return call

    results = at_once([spend(order) for order in orders])
    assert results.count(True) == 5 and sum(isinstance(r, PointsRefused) for r in results) == 5, results
    assert consistent(buyer) == 0
