"""Offers in a conversation: the store offers the shopper items at agreed prices, never more
than it has nor above its list price; accepted once, the offer becomes one order awaiting
payment with its stock reserved, and an unpaid order gives the stock back."""

import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shop.catalog.models import Product, Variant
from shop.chat.models import Conversation, Message, Offer, OfferLine
from shop.chat.selectors import conversation_for_user
from shop.chat.services.conversations import block_set, digests_send, message_send
from shop.chat.services.offers import LineAsked, offer_accept, offer_decline, offer_make, offers_expire
from shop.core.selectors.money import money_format
from shop.notifications.models import Notification
from shop.orders.models import Checkout, Order, OrderItem, OrderStatus
from shop.orders.services.payment_flow import checkouts_expire
from shop.payments.models import PaymentStatus
from tests.factories import PASSWORD, StoreFactory
from tests.factories.addresses import AddressFactory
from tests.factories.auctions import auction_product
from tests.factories.catalog import ProductFactory
from tests.factories.chat import chat_world, refused

pytestmark = pytest.mark.django_db
# The bell and the email digest follow a message's commit: these tests commit.
committed = pytest.mark.django_db(transaction=True)

D = Decimal


def as_user(world, user):
    return conversation_for_user(user=user, pk=world.conversation.pk, for_writing=True)


def variant_of(product) -> Variant:
    return product.variants.get()


def offer_for(world, *lines, mode="pickup", fee="0", hours=None, note="") -> Offer:
    """The staff member's offer of ``lines`` ((variant, quantity, price) each)."""
    return offer_make(
        viewer=as_user(world, world.staff),
        user=world.staff,
        lines=[LineAsked(variant_id=v.pk, quantity=q, unit_price=D(p)) for v, q, p in lines],
        delivery_mode=mode,
        delivery_fee=D(fee),
        hours=hours,
        note=note,
    )


def accept(world, offer, user=None, address=None) -> Offer:
    user = user or world.buyer
    return offer_accept(
        viewer=as_user(world, user), user=user, offer_id=offer.pk, address_id=address.pk if address else None
    )


def logged_in(user) -> Client:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client


def bells(user) -> int:
    return Notification.objects.filter(user=user, kind="chat").count()


def nothing_offered(world):
    assert not Offer.objects.exists() and not OfferLine.objects.exists()
    assert not Message.objects.filter(conversation=world.conversation).exists()


# --- Making an offer -------------------------------------------------------------------


def test_store_cannot_offer_more_units_than_it_has_in_stock():
    world = chat_world(stock=3)
    kanga = variant_of(world.product)

    error = refused(lambda: offer_for(world, (kanga, 4, "200")), code="lines")

    assert "only 3 in stock" in str(error)
    nothing_offered(world)
    offer = offer_for(world, (kanga, 3, "200"))
    assert offer.lines.get().quantity == 3


def test_store_cannot_offer_above_its_list_price():
    world = chat_world(price="250.00")

    error = refused(lambda: offer_for(world, (variant_of(world.product), 1, "250.01")), code="lines")

    assert "cannot be above the list price" in str(error)
    nothing_offered(world)
    assert offer_for(world, (variant_of(world.product), 1, "250.00")).items_total == D("250.00")


@pytest.mark.parametrize("price", ["0", "-5"])
def test_store_cannot_offer_an_item_for_nothing(price):
    world = chat_world()

    error = refused(lambda: offer_for(world, (variant_of(world.product), 1, price)), code="lines")

    assert "the price must be more than zero" in str(error)
    nothing_offered(world)


def test_the_same_option_cannot_be_on_an_offer_twice():
    world = chat_world()
    kanga = variant_of(world.product)

    error = refused(lambda: offer_for(world, (kanga, 1, "200"), (kanga, 2, "190")))

    assert "set its quantity instead" in str(error)
    nothing_offered(world)


def test_store_cannot_offer_another_stores_product():
    world = chat_world()
    elsewhere = ProductFactory(store=StoreFactory(), variants=[{"stock": 5, "price": "100"}])

    error = refused(lambda: offer_for(world, (variant_of(world.product), 1, "200"), (variant_of(elsewhere), 1, "90")))

    assert str(error) == "Only the store's own products on sale can be offered."
    nothing_offered(world)


def test_store_cannot_offer_a_product_it_sells_by_auction():
    world = chat_world()
    lot = auction_product(store=world.store)

    refused(lambda: offer_for(world, (variant_of(lot), 1, "90")))

    nothing_offered(world)


def test_shopper_cannot_make_an_offer_to_themselves():
    world = chat_world()

    refused(
        lambda: offer_make(
            viewer=as_user(world, world.buyer),
            user=world.buyer,
            lines=[LineAsked(variant_id=variant_of(world.product).pk, quantity=1, unit_price=D("1"))],
            delivery_mode="pickup",
            delivery_fee=D("0"),
        ),
        code="forbidden",
    )

    nothing_offered(world)


def test_no_offer_reaches_a_shopper_who_blocked_the_store():
    world = chat_world()
    block_set(viewer=as_user(world, world.buyer), user=world.buyer, blocked=True)

    refused(lambda: offer_for(world, (variant_of(world.product), 1, "200")), code="blocked")

    nothing_offered(world)


def test_offer_form_tells_the_store_how_many_are_in_stock():
    world = chat_world(stock=2)
    kanga = variant_of(world.product)

    page = logged_in(world.owner).post(
        reverse("chat:offer_new", args=[world.conversation.pk]),
        {"variant_0": kanga.pk, "quantity_0": 5, "price_0": "200", "delivery_mode": "pickup", "delivery_fee": "0", "hours": 24},
    )

    assert page.status_code == 422
    assert "only 2 in stock" in page.content.decode()
    # Each item to choose says its price as the site says prices, and its stock.
    assert f"({money_format(kanga.price, world.store.currency)}, 2 in stock)" in html.unescape(page.content.decode())
    nothing_offered(world)


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("delivery_fee", "-50", "Delivery fee: Ensure this value is greater than or equal to 0."),
        ("quantity_0", "0", "Quantity: Ensure this value is greater than or equal to 1."),
        ("hours", "5", "Select a valid choice."),
    ],
)
def test_offer_form_says_what_is_wrong_with_each_field(field, value, said):
    """Every refused field says why beside it (not only the errors above the form)."""
    world = chat_world()
    asked = {"variant_0": variant_of(world.product).pk, "quantity_0": 1, "price_0": "200", "delivery_mode": "delivery",
             "delivery_fee": "10", "hours": 24}
    page = logged_in(world.owner).post(reverse("chat:offer_new", args=[world.conversation.pk]), {**asked, field: value})
    assert page.status_code == 422
    assert said in html.unescape(page.content.decode())
    nothing_offered(world)


def test_offer_arrives_as_a_card_in_the_conversation_with_its_discount_recorded():
    world = chat_world(price="250.00")
    second = ProductFactory(store=world.store, title="Red kikoi", variants=[{"stock": 4, "price": "80.00"}])

    offer = offer_for(world, (variant_of(world.product), 2, "200.00"), (variant_of(second), 1, "80.00"), note="For you")

    card = Message.objects.get(conversation=world.conversation)
    assert (card.kind, card.offer_id, card.side, card.sender_id) == (Message.Kind.OFFER, offer.pk, "team", world.staff.pk)
    assert (offer.status, offer.buyer_id, offer.store_id) == (Offer.Status.OPEN, world.buyer.pk, world.store.pk)
    # What the conversation sold, and at what discount: 2 × 250 + 80 listed, 2 × 200 + 80 agreed.
    assert (offer.list_total, offer.items_total) == (D("580.00"), D("480.00"))
    assert sorted(offer.lines.values_list("unit_price", "list_price")) == [(D("80.00"), D("80.00")), (D("200.00"), D("250.00"))]
    page = logged_in(world.buyer).get(reverse("chat:conversation", args=[world.conversation.pk])).content.decode()
    assert 'data-testid="chat-offer"' in page and "Accept and pay" in page and "For you" in page
    assert money_format(D("480.00"), world.store.currency) in page


# --- Accepting -------------------------------------------------------------------------


def test_accepted_offer_becomes_one_order_at_the_agreed_prices_with_stock_reserved():
    world = chat_world(stock=10, price="250.00")
    second = ProductFactory(store=world.store, title="Red kikoi", variants=[{"stock": 4, "price": "80.00"}])
    kanga, kikoi = variant_of(world.product), variant_of(second)
    # Pick-up: the fee the store typed does not apply.
    offer = offer_for(world, (kanga, 3, "199.50"), (kikoi, 4, "75.00"), mode="pickup", fee="300")

    accepted = accept(world, offer)

    order = Order.objects.get()
    assert accepted.status == Offer.Status.ACCEPTED and accepted.order_id == order.pk
    items = {item.variant_id: item for item in OrderItem.objects.filter(order=order)}
    assert (items[kanga.pk].unit_price, items[kanga.pk].quantity, items[kanga.pk].line_total) == (D("199.50"), 3, D("598.50"))
    assert (items[kikoi.pk].unit_price, items[kikoi.pk].quantity) == (D("75.00"), 4)
    assert (order.items_total, order.delivery_fee, order.total) == (D("898.50"), D("0"), D("898.50"))
    assert (order.status, order.delivery_mode, order.buyer_id, order.store_id) == (
        OrderStatus.PENDING, Order.DeliveryMode.PICKUP, world.buyer.pk, world.store.pk
    )
    assert order.checkout.payment_status == PaymentStatus.AWAITING and order.checkout.total == D("898.50")
    assert Variant.objects.get(pk=kanga.pk).stock == 7 and Variant.objects.get(pk=kikoi.pk).stock == 0
    assert Product.objects.get(pk=second.pk).in_stock is False
    assert Conversation.objects.get(pk=world.conversation.pk).order_id == order.pk
    notice = Message.objects.filter(conversation=world.conversation).order_by("seq").last()
    assert notice.kind == Message.Kind.SYSTEM and order.number in notice.text


def test_delivery_offer_goes_to_the_address_the_shopper_chose_and_adds_the_fee():
    world = chat_world(price="250.00")
    AddressFactory(user=world.buyer, street="Default street 1")
    chosen = AddressFactory(user=world.buyer, street="Office park 7")
    offer = offer_for(world, (variant_of(world.product), 2, "225.00"), mode="delivery", fee="150")

    accept(world, offer, address=chosen)

    order = Order.objects.get()
    assert order.delivery_mode == Order.DeliveryMode.DELIVERY
    assert (order.items_total, order.delivery_fee, order.total) == (D("450.00"), D("150.00"), D("600.00"))
    assert (order.checkout.street, order.checkout.area_id, order.checkout.total) == ("Office park 7", chosen.area_id, D("600.00"))


def test_delivery_offer_without_an_address_asks_for_one_and_reserves_nothing():
    world = chat_world(stock=5)
    offer = offer_for(world, (variant_of(world.product), 2, "200"), mode="delivery", fee="100")

    refused(lambda: accept(world, offer), code="address")

    assert not Order.objects.exists() and not Checkout.objects.exists()
    assert variant_of(world.product).stock == 5
    offer.refresh_from_db()
    assert offer.status == Offer.Status.OPEN


def test_an_open_offer_cannot_be_accepted_once_either_side_blocked_the_other():
    world = chat_world(stock=5)
    offer = offer_for(world, (variant_of(world.product), 2, "200"))
    block_set(viewer=as_user(world, world.owner), user=world.owner, blocked=True)

    refused(lambda: accept(world, offer), code="blocked")

    assert not Order.objects.exists() and variant_of(world.product).stock == 5


def test_an_offer_whose_product_went_off_sale_cannot_be_accepted():
    world = chat_world(stock=5)
    offer = offer_for(world, (variant_of(world.product), 2, "200"))
    Product.objects.filter(pk=world.product.pk).update(status=Product.Status.ARCHIVED)

    refused(lambda: accept(world, offer), code="off_sale")

    assert not Order.objects.exists() and variant_of(world.product).stock == 5


def test_accepting_in_the_browser_leads_to_the_payment_page_with_the_agreed_total():
    world = chat_world(price="250.00")
    offer = offer_for(world, (variant_of(world.product), 3, "233.33"), mode="pickup")
    shopper = logged_in(world.buyer)

    answer = shopper.post(reverse("chat:offer_accept", args=[world.conversation.pk, offer.pk]))

    checkout = Checkout.objects.get()
    assert answer.status_code == 302
    assert answer.url == reverse("payments:status", args=[checkout.idempotency_key])
    page = shopper.get(answer.url)
    assert page.status_code == 200
    assert money_format(D("699.99"), world.store.currency) in page.content.decode()


def test_accepting_twice_keeps_one_order_and_one_checkout():
    world = chat_world(stock=10)
    offer = offer_for(world, (variant_of(world.product), 2, "200"))
    shopper = logged_in(world.buyer)

    first = accept(world, offer)
    again = accept(world, offer)
    by_browser = shopper.post(reverse("chat:offer_accept", args=[world.conversation.pk, offer.pk]))

    assert first.order_id == again.order_id
    assert Order.objects.count() == 1 and Checkout.objects.count() == 1
    assert by_browser.url == reverse("payments:status", args=[Checkout.objects.get().idempotency_key])
    assert variant_of(world.product).stock == 8


def test_store_member_cannot_accept_its_own_offer():
    world = chat_world()
    offer = offer_for(world, (variant_of(world.product), 1, "200"))

    refused(lambda: accept(world, offer, user=world.owner), code="forbidden")
    answer = logged_in(world.owner).post(reverse("chat:offer_accept", args=[world.conversation.pk, offer.pk]))

    assert answer.status_code == 302 and answer.url.startswith(reverse("chat:conversation", args=[world.conversation.pk]))
    assert not Order.objects.exists()
    offer.refresh_from_db()
    assert offer.status == Offer.Status.OPEN


def test_an_offer_from_another_conversation_cannot_be_accepted_here():
    world = chat_world()
    other = chat_world()
    theirs = offer_for(other, (variant_of(other.product), 1, "200"))

    refused(lambda: accept(world, theirs), code="not_found")

    assert not Order.objects.exists()


@committed
def test_the_store_hears_that_its_offer_was_accepted_and_then_what_the_shopper_writes():
    world = chat_world()
    offer = offer_for(world, (variant_of(world.product), 1, "200"))
    assert bells(world.buyer) == 1

    accept(world, offer)
    message_send(conversation=world.conversation, user=world.buyer, text="Paid. When can I collect?")

    # One bell per member for the run of unread messages that the notice started.
    assert (bells(world.owner), bells(world.staff)) == (1, 1)
    assert "Buyer Bea" in Notification.objects.get(user=world.owner).text
    assert digests_send(now=timezone.now() + timedelta(minutes=settings.SOKO_CHAT_EMAIL_MINUTES + 1)) == 2
    order = Order.objects.get()
    assert all(order.number in email.body and "When can I collect?" in email.body for email in mail.outbox)


# --- Expired, declined and withdrawn offers ---------------------------------------------


def test_expired_offer_cannot_be_accepted_and_is_marked_expired_once():
    world = chat_world(stock=4)
    offer = offer_for(world, (variant_of(world.product), 2, "200"), hours=2)
    Offer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    refused(lambda: accept(world, offer), code="expired")
    assert offers_expire() == 1
    assert offers_expire() == 0

    offer.refresh_from_db()
    assert offer.status == Offer.Status.EXPIRED
    refused(lambda: accept(world, offer), code="expired")
    assert not Order.objects.exists() and variant_of(world.product).stock == 4


def test_offers_still_open_are_not_expired_early():
    world = chat_world()
    offer = offer_for(world, (variant_of(world.product), 1, "200"), hours=2)

    assert offers_expire(now=timezone.now() + timedelta(hours=1, minutes=59)) == 0
    assert offers_expire(now=timezone.now() + timedelta(hours=2, minutes=1)) == 1

    offer.refresh_from_db()
    assert offer.status == Offer.Status.EXPIRED


@committed
def test_declined_offer_stays_declined_and_cannot_be_accepted_afterwards():
    world = chat_world(stock=4)
    offer = offer_for(world, (variant_of(world.product), 1, "200"))

    offer_decline(viewer=as_user(world, world.buyer), user=world.buyer, offer_id=offer.pk)
    message_send(conversation=world.conversation, user=world.buyer, text="Could you do 180?")

    assert (bells(world.owner), bells(world.staff)) == (1, 1)
    refused(lambda: accept(world, offer), code="declined")
    assert offers_expire(now=timezone.now() + timedelta(days=30)) == 0
    offer.refresh_from_db()
    assert offer.status == Offer.Status.DECLINED and offer.answered_at is not None
    assert not Order.objects.exists() and variant_of(world.product).stock == 4


@committed
def test_withdrawn_offer_stays_withdrawn_and_cannot_be_accepted_afterwards():
    world = chat_world(stock=4)
    offer = offer_for(world, (variant_of(world.product), 1, "200"))

    offer_decline(viewer=as_user(world, world.owner), user=world.owner, offer_id=offer.pk)

    assert bells(world.buyer) == 1  # the offer rang; the withdrawal belongs to the same unread run
    error = refused(lambda: accept(world, offer), code="withdrawn")
    assert "withdrew" in str(error)
    refused(lambda: offer_decline(viewer=as_user(world, world.buyer), user=world.buyer, offer_id=offer.pk), code="answered")
    offer.refresh_from_db()
    assert offer.status == Offer.Status.WITHDRAWN
    page = logged_in(world.buyer).get(reverse("chat:conversation", args=[world.conversation.pk])).content.decode()
    assert 'data-offer-status="withdrawn"' in page and "Accept and pay" not in page
    assert not Order.objects.exists()


# --- Unpaid -----------------------------------------------------------------------------


def test_unpaid_offer_order_is_cancelled_after_the_deadline_and_its_stock_comes_back_exactly():
    world = chat_world(stock=10)
    second = ProductFactory(store=world.store, variants=[{"stock": 2, "price": "80.00"}])
    offer = offer_for(world, (variant_of(world.product), 3, "200"), (variant_of(second), 2, "70"))
    accept(world, offer)
    order = Order.objects.get()
    assert (variant_of(world.product).stock, variant_of(second).stock) == (7, 0)
    deadline = order.checkout.payment_due_by
    hours = settings.SOKO_CHAT_OFFER_PAY_HOURS
    assert timedelta(hours=hours) - timedelta(minutes=1) < deadline - timezone.now() <= timedelta(hours=hours)

    assert checkouts_expire(now=deadline - timedelta(minutes=1)) == 0
    assert variant_of(world.product).stock == 7

    assert checkouts_expire(now=deadline + timedelta(minutes=1)) == 1
    assert checkouts_expire(now=deadline + timedelta(minutes=2)) == 0

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.checkout.payment_status == PaymentStatus.EXPIRED
    assert (variant_of(world.product).stock, variant_of(second).stock) == (10, 2)
    assert Product.objects.get(pk=second.pk).in_stock is True


def test_an_accepted_offer_card_shows_what_became_of_its_order():
    world = chat_world(stock=10)
    offer = offer_for(world, (variant_of(world.product), 1, "200"))
    accept(world, offer)
    order = Order.objects.get()
    page = logged_in(world.buyer).get(reverse("chat:conversation", args=[world.conversation.pk])).content.decode()
    assert re.search(rf'data-order-status="{order.number}" class="badge rounded-pill order-status order-status-pending"', page)

    checkouts_expire(now=order.checkout.payment_due_by + timedelta(minutes=1))

    page = logged_in(world.buyer).get(reverse("chat:conversation", args=[world.conversation.pk])).content.decode()
    assert re.search(rf'data-order-status="{order.number}" class="badge rounded-pill order-status order-status-cancelled"', page)
