"""A won auction paid together with the cart: one checkout, one payment, split per store;
its own deadline survives a checkout that runs out first."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from shop.auctions.services import auction_close, bid_place
from shop.orders.models import Checkout, Order, OrderStatus
from shop.orders.services.payment_flow import checkouts_expire
from shop.payments.models import PaymentStatus
from tests.factories import UserFactory
from tests.factories.addresses import AddressFactory
from tests.factories.auctions import ended, live_auction
from tests.factories.catalog import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def won(buyer_with_cart):
    buyer = buyer_with_cart
    auction = live_auction(start_price="300")
    bid_place(auction_id=auction.pk, bidder=buyer, amount=Decimal("300"))
    auction_close(auction_id=ended(auction).pk)
    auction.refresh_from_db()
    return auction.order


@pytest.fixture
def buyer_with_cart(client):
    buyer = UserFactory()
    AddressFactory(user=buyer)
    client.force_login(buyer)
    product = ProductFactory(variants=[{"price": Decimal("250"), "stock": 5}])
    client.post(reverse("cart:add"), {"variant": product.variants.get().pk, "quantity": 1})
    return buyer


def place(client, **extra):
    page = client.get(reverse("checkout:page"))
    form = page.context["form"]
    data = {
        "idempotency_key": form.initial["idempotency_key"],
        "address": form.initial["address"],
        "payment_method": "cod",
        **{name: "pickup" for name in form.fields if name.startswith("delivery_")},
        **extra,
    }
    # The review of these choices, as the page shows it once they are made.
    reviewed = client.get(reverse("checkout:page"), {k: v for k, v in data.items() if k != "idempotency_key"})
    data["review"] = reviewed.context["review_token"]
    return page, client.post(reverse("checkout:page"), data)


def test_the_checkout_offers_the_win_and_pays_it_with_the_cart(client, won):
    reviewed = client.get(reverse("checkout:page"), {"won": [won.number]}).context["preview"]
    assert [review.order for review in reviewed.won] == [won]
    assert reviewed.total == reviewed.stores[0].total + Decimal("300")
    page, response = place(client, won=[won.number])
    assert f'name="won" value="{won.number}"' in page.content.decode()
    assert page.context["preview"].won == []  # offered, not ticked
    assert response.status_code == 302, response.content.decode()[:2000]
    won.refresh_from_db()
    checkout = won.checkout
    assert checkout.orders.count() == 2 and checkout.total == Decimal("550")
    assert checkout.payment_status == PaymentStatus.ON_DELIVERY
    assert Checkout.objects.filter(buyer=won.buyer).count() == 1  # the win's own checkout is gone


def test_an_unticked_win_stays_on_its_own(client, won):
    own = won.checkout_id
    _page, response = place(client)
    assert response.status_code == 302
    won.refresh_from_db()
    assert won.checkout_id == own and won.checkout.payment_status == PaymentStatus.AWAITING


def test_a_joined_checkout_that_expires_hands_the_win_back_until_its_own_deadline(client, won):
    _page, response = place(client, won=[won.number], payment_method="card")
    won.refresh_from_db()
    joined = won.checkout
    cart_order = joined.orders.exclude(pk=won.pk).get()
    assert joined.payment_status == PaymentStatus.AWAITING and joined.payment_due_by < won.pay_by

    checkouts_expire(now=joined.payment_due_by + timedelta(seconds=1))
    won.refresh_from_db()
    cart_order.refresh_from_db()
    assert cart_order.status == OrderStatus.CANCELLED
    assert won.status == OrderStatus.PENDING and won.checkout_id != joined.pk
    assert won.checkout.payment_status == PaymentStatus.AWAITING and won.checkout.payment_due_by == won.pay_by

    checkouts_expire(now=won.pay_by + timedelta(seconds=1))
    won.refresh_from_db()
    assert won.status == OrderStatus.CANCELLED
    assert Order.objects.filter(pk=won.pk, pay_by__lt=timezone.now() + timedelta(days=3)).exists()
