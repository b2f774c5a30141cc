"""Placing a checkout: one Checkout, one Order per store with snapshots and Decimal totals,
stock reserved; or, when anything cannot be bought, nothing at all and the item named."""

import uuid
from decimal import Decimal

import pytest
from django.core import mail

from sellers.models import Store
from shop.cart.models import CartItem
from shop.catalog.models import Product, Variant
from shop.notifications.models import Notification
from shop.orders.models import Checkout, HandoverCode, Order, OrderEvent, OrderItem
from shop.orders.services.checkout import CheckoutError, checkout_place
from tests.factories import UserFactory

from .conftest import details_for

pytestmark = pytest.mark.django_db


def nothing_created():
    return not (Checkout.objects.exists() or Order.objects.exists() or OrderItem.objects.exists() or HandoverCode.objects.exists())


def test_one_checkout_and_one_order_per_store_with_snapshots(buyer, cart, details, key, basket, kikoi, weavers, crafts):
    details = details_for(buyer, delivery_modes={weavers.pk: "delivery", crafts.pk: "pickup"}, instructions="Call at the gate")

    checkout = checkout_place(buyer=buyer, cart=cart, details=details, idempotency_key=key)

    assert Checkout.objects.get() == checkout
    assert checkout.payment_method == "cod" and checkout.recipient == "Amina Njeri"
    assert checkout.area_label == "Westlands, Nairobi, Nairobi, Kenya" and checkout.instructions == "Call at the gate"
    weavers_order, crafts_order = checkout.orders.order_by("store__name")
    assert (weavers_order.store, crafts_order.store) == (weavers, crafts)
    assert weavers_order.delivery_mode == "delivery" and crafts_order.delivery_mode == "pickup"
    assert weavers_order.items_total == Decimal("2401.00") and weavers_order.delivery_fee == Decimal("200")
    assert weavers_order.total == Decimal("2601.00")
    assert crafts_order.items_total == crafts_order.total == Decimal("850") and crafts_order.delivery_fee == 0
    assert checkout.total == Decimal("3451.00")
    checkout.refresh_from_db()
    assert checkout.total == Decimal("3451.00") and isinstance(checkout.total, Decimal)
    item = weavers_order.items.get()
    assert (item.product_title, item.variant_name, item.sku) == ("Kiondo basket", "Red", "KB-RED")
    assert (item.unit_price, item.quantity, item.line_total) == (Decimal("1200.50"), 2, Decimal("2401.00"))
    assert item.variant == basket
    for order in (weavers_order, crafts_order):
        assert order.buyer == buyer and order.status == "pending" and order.number.startswith("SK-")
        assert order.currency == "KES" and order.buyer_note == "Call at the gate"
        assert HandoverCode.objects.filter(order=order).exists()
        event = OrderEvent.objects.get(order=order)
        assert (event.from_status, event.to_status, event.actor) == ("", "pending", buyer)


def test_placing_reserves_the_stock_and_empties_the_bought_lines(buyer, cart, details, key, basket, kikoi):
    checkout_place(buyer=buyer, cart=cart, details=details, idempotency_key=key)

    basket.refresh_from_db()
    kikoi.refresh_from_db()
    assert (basket.stock, kikoi.stock) == (1, 9)
    assert not CartItem.objects.filter(cart=cart).exists()


def test_the_last_unit_sold_marks_the_listing_out_of_stock(buyer, cart, details, key, basket):
    Variant.objects.filter(pk=basket.pk).update(stock=2)

    checkout_place(buyer=buyer, cart=cart, details=details, idempotency_key=key)

    assert Product.objects.get(pk=basket.product_id).in_stock is False


def test_a_sold_out_item_is_named_and_nothing_is_created(buyer, cart, details, key, basket, kikoi):
    Variant.objects.filter(pk=basket.pk).update(stock=0)

    with pytest.raises(CheckoutError) as refused:
        checkout_place(buyer=buyer, cart=cart, details=details, idempotency_key=key)

    assert refused.value.problems == ["Sold out: Kiondo basket — Red."]
    assert nothing_created()
    assert Variant.objects.get(pk=kikoi.pk).stock == 10  # the other store's item was not reserved either
    assert CartItem.objects.filter(cart=cart).count() == 2


def test_every_item_that_cannot_be_bought_is_named(buyer, cart, details, key, basket, kikoi):
    Variant.objects.filter(pk=basket.pk).update(stock=1)
    Product.objects.filter(pk=kikoi.product_id).update(status=Product.Status.ARCHIVED)

    with pytest.raises(CheckoutError) as refused:
        checkout_place(buyer=buyer, cart=cart, details=details, idempotency_key=key)

    assert refused.value.problems == [
        "Only 1 left of Kiondo basket — Red (you asked for 2).",
        "No longer available: Kikoi wrap — Blue.",
    ]
    assert nothing_created()


def test_a_price_changed_since_it_was_added_is_never_sold_silently(buyer, cart, details, key, basket):
    Variant.objects.filter(pk=basket.pk).update(price=Decimal("1300"))

    with pytest.raises(CheckoutError) as refused:
        checkout_place(buyer=buyer, cart=cart, details=details, idempotency_key=key)

    assert "Price changed: Kiondo basket — Red is now KES 1,300" in str(refused.value)
    assert nothing_created()


def test_the_same_key_twice_is_one_checkout(buyer, cart, details, key, basket):
    first = checkout_place(buyer=buyer, cart=cart, details=details, idempotency_key=key)

    again = checkout_place(buyer=buyer, cart=cart, details=details, idempotency_key=key)

    assert again == first
    assert Checkout.objects.count() == 1 and Order.objects.count() == 2
    assert Variant.objects.get(pk=basket.pk).stock == 1


def test_a_key_already_used_by_another_buyer_creates_nothing_for_this_one(buyer, cart, details, key):
    other = UserFactory()
    Checkout.objects.create(buyer=other, idempotency_key=key, payment_method="cod", recipient="X", phone="1", area_label="a", street="s", currency="KES")

    with pytest.raises(CheckoutError, match="reload it"):
        checkout_place(buyer=buyer, cart=cart, details=details, idempotency_key=key)

    assert not Order.objects.exists() and CartItem.objects.filter(cart=cart).count() == 2


def test_home_delivery_from_a_store_that_does_not_deliver_is_refused(buyer, cart, key, crafts):
    details = details_for(buyer, delivery_modes={crafts.pk: "delivery"})

    with pytest.raises(CheckoutError, match="\u2068Mama Njeri Crafts\u2069 does not deliver"):
        checkout_place(buyer=buyer, cart=cart, details=details, idempotency_key=key)

    assert nothing_created()


def test_an_empty_cart_is_refused(buyer, details, key):
    from shop.cart.models import Cart

    with pytest.raises(CheckoutError, match="Your cart is empty."):
        checkout_place(buyer=buyer, cart=Cart.objects.create(user=buyer), details=details, idempotency_key=key)


def test_someone_elses_cart_is_refused(buyer, cart, details, key):
    with pytest.raises(CheckoutError):
        checkout_place(buyer=UserFactory(), cart=cart, details=details, idempotency_key=key)

    assert nothing_created()


def test_an_order_number_clash_draws_another_number(buyer, cart, details, key, monkeypatch):
    from shop.orders.services import checkout as checkout_module

    Order.objects.create(
        checkout=Checkout.objects.create(buyer=buyer, payment_method="cod", recipient="X", phone="1", area_label="a", street="s", currency="KES"),
        store=cart.items.first().variant.product.store, buyer=buyer, number="SK-AAAA-AAAA", items_total=1, total=1, currency="KES",
    )
    numbers = iter(["SK-AAAA-AAAA", "SK-BBBB-BBBB", "SK-CCCC-CCCC"])
    monkeypatch.setattr(checkout_module, "order_number_new", lambda: next(numbers))

    checkout = checkout_place(buyer=buyer, cart=cart, details=details, idempotency_key=key)

    assert sorted(checkout.orders.values_list("number", flat=True)) == ["SK-BBBB-BBBB", "SK-CCCC-CCCC"]


def test_each_store_member_is_told_of_the_new_order(buyer, cart, details, key, weavers, crafts, django_capture_on_commit_callbacks):
    from sellers.models import StoreMember

    staff = UserFactory(email="staff@weavers.test")
    StoreMember.objects.create(store=weavers, user=staff, role=StoreMember.Role.STAFF)

    with django_capture_on_commit_callbacks(execute=True):
        checkout = checkout_place(buyer=buyer, cart=cart, details=details, idempotency_key=key)

    weavers_order = checkout.orders.get(store=weavers)
    told = Notification.objects.filter(kind="order")
    assert sorted(n.user.email for n in told.filter(text__contains=weavers_order.number)) == sorted(
        [weavers.memberships.get(role="owner").user.email, "staff@weavers.test"]
    )
    assert told.filter(user=crafts.memberships.get().user).count() == 1
    notice = told.filter(user=staff).get()
    assert notice.url.endswith(f"{weavers_order.number}/") and notice.email_wanted
    assert any(weavers_order.number in message.subject for message in mail.outbox)


def test_a_replayed_key_notifies_nobody_again(buyer, cart, details, key, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        checkout_place(buyer=buyer, cart=cart, details=details, idempotency_key=key)
    count = Notification.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        checkout_place(buyer=buyer, cart=cart, details=details, idempotency_key=key)

    assert Notification.objects.count() == count


def test_a_fresh_key_after_a_placed_checkout_finds_an_empty_cart(buyer, cart, details, key):
    checkout_place(buyer=buyer, cart=cart, details=details, idempotency_key=key)

    with pytest.raises(CheckoutError, match="empty"):
        checkout_place(buyer=buyer, cart=cart, details=details, idempotency_key=uuid.uuid4())


def test_a_store_passing_couriers_fares_on_adds_the_fare_for_the_distance(buyer, cart, key, weavers, crafts):
    # The store 10 km due north of the buyer's Westlands address (its area's centroid).
    Store.objects.filter(pk=weavers.pk).update(
        courier_fee_payer="buyer", latitude=Decimal("-1.177667"), longitude=Decimal("36.8108")
    )
    details = details_for(buyer, delivery_modes={weavers.pk: "delivery", crafts.pk: "pickup"})

    checkout = checkout_place(buyer=buyer, cart=cart, details=details, idempotency_key=key)

    weavers_order = checkout.orders.get(store=weavers)
    # 0.089933° of latitude is 10.00 km; × KES 2.0 per km = KES 20.00 on top of the flat KES 200.
    assert weavers_order.delivery_fee == Decimal("220.00")
    assert weavers_order.total == weavers_order.items_total + Decimal("220.00")
    assert checkout.total == sum(order.total for order in checkout.orders.all())
