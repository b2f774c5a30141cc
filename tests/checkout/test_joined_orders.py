"""Orders made outside the cart (a won auction, an offer agreed in a chat) await payment on
their own: a checkout pays one only when the buyer ticks it, and every sentence that counts
the orders (the review's, the confirmation's) counts exactly the orders placed.

Walked over every combination of one or two stores in the cart, none to two wins awaiting
payment (each subset of them ticked) and an agreed chat offer awaiting payment or not."""

import itertools
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from shop.cart.models import Cart
from shop.cart.services import cart_add
from shop.orders.models import Checkout, Order, OrderStatus
from shop.orders.services.won import AgreedLine, agreed_order_create
from shop.payments.models import PaymentStatus
from tests.factories import StoreFactory, UserFactory
from tests.factories.addresses import AddressFactory, westlands
from tests.factories.catalog import ProductFactory
from tests.factories.orders import CheckoutFactory, OrderFactory

pytestmark = pytest.mark.django_db

REVIEW_COUNT = re.compile(r"(\d+) orders?, paid with the method above\.")
DONE_COUNT = re.compile(r"Thank you! Your (?:(\d+) orders are|order is) placed\.")


@pytest.fixture
def world(db):
    area = westlands()
    stores = [StoreFactory(delivers_local=True, area=area) for _ in range(3)]
    variants = [
        ProductFactory(store=store, variants=[{"price": Decimal(price), "stock": 100}]).variants.get()
        for store, price in zip(stores, ("850", "1200", "5050"), strict=True)
    ]
    return area, stores, variants


def win_awaiting(buyer, store, variant) -> Order:
    """A won auction's order, in a checkout of its own that awaits payment."""
    due = timezone.now() + timedelta(days=2)
    own = CheckoutFactory(buyer=buyer, payment_method="", payment_status=PaymentStatus.AWAITING, payment_due_by=due)
    return OrderFactory(
        buyer=buyer, store=store, checkout=own, items=[(variant, 1)], pay_by=due, status=OrderStatus.PENDING
    )


def offer_awaiting(buyer, store, variant) -> Order:
    """An offer accepted in a chat: an order at the agreed price awaiting payment."""
    return agreed_order_create(
        buyer=buyer,
        store=store,
        lines=[AgreedLine(variant=variant, quantity=1, unit_price=Decimal("700"))],
        delivery_mode=Order.DeliveryMode.PICKUP,
        fee=Decimal("0"),
        address=None,
        due_by=timezone.now() + timedelta(days=1),
    )


def checked_radios(page: str) -> dict:
    return dict(re.findall(r'type="radio" name="(\w+)" value="([\w-]+)"[^>]*checked', page))


def review_count(page: str) -> int:
    (count,) = REVIEW_COUNT.findall(page)
    return int(count)


COMBINATIONS = [
    (stores, wins, ticked, offer)
    for stores in (1, 2)
    for wins in (0, 1, 2)
    for ticked in itertools.chain.from_iterable(itertools.combinations(range(wins), n) for n in range(wins + 1))
    for offer in (False, True)
]


@pytest.mark.parametrize(("stores", "wins", "ticked", "offer"), COMBINATIONS)
def test_the_orders_counted_are_the_orders_placed(world, stores, wins, ticked, offer):
    area, all_stores, variants = world
    buyer = UserFactory()
    AddressFactory(user=buyer, area=area)
    cart = Cart.objects.create(user=buyer)
    for variant in variants[:stores]:
        cart_add(cart=cart, variant=variant, quantity=1)
    awaiting = [win_awaiting(buyer, all_stores[2], variants[2]) for _ in range(wins)]
    agreed = offer_awaiting(buyer, all_stores[0], variants[0]) if offer else None
    client = Client()
    client.force_login(buyer)

    first = client.get("/checkout/").content.decode()
    # Nothing that adds money is ticked for the buyer: the page pays the cart alone.
    offered = re.findall(r'<input[^>]*name="won"[^>]*>', first)
    assert sorted(re.search(r'value="([^"]+)"', tag).group(1) for tag in offered) == sorted(o.number for o in awaiting)
    assert not [tag for tag in offered if " checked" in tag]
    assert review_count(first) == stores
    if agreed is not None:
        assert agreed.number not in first  # an agreed offer is paid from its own page

    chosen = [awaiting[index].number for index in ticked]
    asked = {"address": checked_radios(first)["address"], "won": chosen, "promo_code": ""}
    review = client.get("/checkout/", asked).content.decode()
    expected = stores + len(chosen)
    assert review_count(review) == expected

    data = {
        **checked_radios(review),
        "idempotency_key": re.search(r'name="idempotency_key" value="([0-9a-f-]+)"', review).group(1),
        "review": re.search(r'name="review" value="([^"]+)"', review).group(1),
        "currency": "KES",
        "won": chosen,
        "instructions": "",
        "promo_code": "",
    }
    placed = client.post("/checkout/", data)
    assert placed.status_code == 302, placed.content.decode()[:3000]
    checkout = Checkout.objects.filter(buyer=buyer, idempotency_key=data["idempotency_key"]).get()
    assert checkout.orders.count() == expected
    assert sorted(
        checkout.orders.filter(number__in=[o.number for o in awaiting]).values_list("number", flat=True)
    ) == sorted(chosen)

    done = client.get(placed["Location"]).content.decode()
    (count,) = DONE_COUNT.findall(done)
    assert int(count or 1) == expected == done.count('data-testid="done-order"')
    if agreed is not None:
        agreed.refresh_from_db()
        assert agreed.checkout_id != checkout.pk and agreed.checkout.payment_status == PaymentStatus.AWAITING


def test_a_form_that_names_no_win_pays_none(world, client):
    """A form sent without the won orders' boxes (an older page, an app) joins nothing."""
    area, stores, variants = world
    buyer = UserFactory()
    AddressFactory(user=buyer, area=area)
    cart_add(cart=Cart.objects.create(user=buyer), variant=variants[0], quantity=1)
    win = win_awaiting(buyer, stores[2], variants[2])
    client.force_login(buyer)

    review = client.get("/checkout/", {"promo_code": ""}).content.decode()
    assert review_count(review) == 1 and "KES 850" in review and "KES 5,900" not in review

    data = {
        **checked_radios(review),
        "idempotency_key": re.search(r'name="idempotency_key" value="([0-9a-f-]+)"', review).group(1),
        "review": re.search(r'name="review" value="([^"]+)"', review).group(1),
        "currency": "KES",
    }
    assert client.post("/checkout/", data).status_code == 302
    win.refresh_from_db()
    assert win.checkout.payment_status == PaymentStatus.AWAITING and win.checkout.orders.count() == 1
