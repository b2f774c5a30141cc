"""The demo conversations that `make run` shows: the demo buyer with both demo stores (a
question about a listing, a deal that became an order, an offer still open), unread
messages on both sides, quick replies; seeded once, through the chat services."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from sellers.models import Store
from shop.chat.models import Conversation, Digest, Message, Offer, OfferLine, QuickReply, Side
from shop.chat.selectors import (
    conversation_for_user,
    inbox_personal,
    inbox_store,
    quick_replies,
    store_unread_total,
    unread_total,
)
from shop.chat.services.offers import offer_accept
from shop.demo.services.chat import seed_chats
from shop.notifications.models import Notification
from shop.orders.models import Checkout, Order, OrderStatus
from shop.payments.models import PaymentStatus

pytestmark = pytest.mark.django_db

K, S = Message.Kind, Offer.Status
MODELS = [Conversation, Message, Offer, OfferLine, QuickReply, Digest, Order, Checkout, Notification]


@pytest.fixture
def seeded(demo):
    return demo.at


def user(email: str):
    return get_user_model().objects.get(email=email)


def store(slug: str) -> Store:
    return Store.objects.get(slug=slug)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_the_demo_buyer_asked_both_stores_about_listings_and_each_store_answered_by_name(seeded):
    buyer = user("buyer@soko.test")
    mine = {conversation.store.slug: conversation for conversation in inbox_personal(user=buyer)}

    assert set(mine) == {"mama-njeri-crafts", "kaloum-electronique"}
    baskets = mine["mama-njeri-crafts"]
    assert baskets.product.title == "Kiondo sisal basket"
    assert baskets.messages.order_by("seq").first().text == "Hello! Is the kiondo basket available in blue?"
    for slug, conversation in mine.items():
        owner = store(slug).memberships.get().user
        # The store shares the listing's card; its messages come from its owner, shown by name.
        card = conversation.messages.get(kind=K.PRODUCT)
        assert (card.side, card.product.store_id, card.sender) == (Side.TEAM, conversation.store_id, owner)
        team = conversation.messages.filter(side=Side.TEAM).exclude(kind=K.SYSTEM)
        assert set(team.values_list("sender", flat=True)) == {owner.pk}
    # The buyer sent a photo, ready to show.
    picture = baskets.messages.get(kind=K.IMAGE)
    assert picture.side == Side.BUYER and picture.image.is_ready

    # Spread over the last days, in the order they were sent; each inbox row dated by its last message.
    for conversation in Conversation.objects.all():
        dates = list(conversation.messages.order_by("seq").values_list("created_at", flat=True))
        assert dates == sorted(dates)
        assert seeded - timedelta(days=5) < dates[0] and dates[-1] < seeded - timedelta(minutes=30)
        assert conversation.last_message_at == dates[-1] and conversation.created_at == dates[0]
    assert mine["kaloum-electronique"].messages.first().created_at < seeded - timedelta(days=3)


def test_both_sides_have_unread_messages_and_each_store_two_quick_replies(seeded):
    buyer = user("buyer@soko.test")
    mama, kaloum = store("mama-njeri-crafts"), store("kaloum-electronique")

    # The navbar badge: the offer and a note from one store, a note from the other.
    assert unread_total(user=buyer) == 3
    assert {c.store.slug: c.buyer_unread for c in inbox_personal(user=buyer)} == {
        "mama-njeri-crafts": 2, "kaloum-electronique": 1,
    }
    # The store inboxes: several shoppers, some of them waiting for an answer.
    assert [c.buyer.email for c in inbox_store(store=mama)] == ["buyer2@soko.test", "buyer@soko.test"]
    assert [c.buyer.email for c in inbox_store(store=kaloum)] == ["buyer3@soko.test", "buyer@soko.test"]
    assert (store_unread_total(store=mama), store_unread_total(store=kaloum)) == (2, 1)
    assert unread_total(user=user("seller@soko.test")) == 2
    assert unread_total(user=user("seller2@soko.test")) == 1
    # The bell rang for what is still unread; what a side answered since was read.
    chat_bells = Notification.objects.filter(user=buyer, kind="chat")
    assert chat_bells.filter(read_at__isnull=True).count() == 2 and chat_bells.filter(read_at__isnull=False).exists()

    for each in (mama, kaloum):
        assert [reply.text for reply in quick_replies(store=each)] == ["Yes, it is in stock.", "We deliver tomorrow."]


def test_an_accepted_offer_became_an_order_at_the_agreed_prices_and_another_offer_is_open(seeded):
    buyer = user("buyer@soko.test")

    accepted = Offer.objects.select_related("order__checkout").get(status=S.ACCEPTED)
    order = accepted.order
    assert (accepted.buyer, accepted.store.slug) == (buyer, "kaloum-electronique")
    assert accepted.items_total < accepted.list_total  # the discount the conversation won
    agreed = {(line.variant_id, line.quantity, line.unit_price) for line in accepted.lines.all()}
    assert {(item.variant_id, item.quantity, item.unit_price) for item in order.items.all()} == agreed
    assert len(agreed) == 3 and order.total == accepted.total and order.currency == "GNF"
    # Collected at the shop and paid in cash then; the store confirmed it.
    assert order.delivery_mode == Order.DeliveryMode.PICKUP and order.status == OrderStatus.CONFIRMED
    assert order.checkout.payment_status == PaymentStatus.ON_DELIVERY and order.checkout.payment_due_by is None
    assert accepted.conversation.order == order
    assert accepted.conversation.messages.filter(kind=K.SYSTEM, order=order).exists()
    assert accepted.created_at < accepted.answered_at <= order.created_at + timedelta(seconds=1)

    # The other store's offer is still open for a few days, for items it has in stock.
    open_offer = Offer.objects.get(status=S.OPEN)
    assert (open_offer.buyer, open_offer.store.slug) == (buyer, "mama-njeri-crafts")
    assert seeded + timedelta(days=1) < open_offer.expires_at < seeded + timedelta(days=4)
    assert open_offer.conversation.messages.get(kind=K.OFFER).offer == open_offer
    for line in open_offer.lines.select_related("variant"):
        assert line.quantity <= line.variant.stock and line.unit_price < line.list_price == line.variant.price

    # The buyer can accept it: an order at its prices.
    viewer = conversation_for_user(user=buyer, pk=open_offer.conversation_id, for_writing=True)
    taken = offer_accept(viewer=viewer, user=buyer, offer_id=open_offer.pk)
    line = open_offer.lines.get()
    assert taken.order.items.get().unit_price == line.unit_price and taken.order.total == open_offer.total


def test_seeding_twice_creates_nothing_more_and_an_expired_open_offer_is_made_again(demo, capsys):
    first = counts()
    out = demo.out

    call_command("seed_demo")
    again = capsys.readouterr().out

    assert counts() == first
    assert (first["Conversation"], first["Offer"], first["QuickReply"]) == (4, 2, 4)
    summary = (
        "Messages: buyer@soko.test has 2 conversations (3 unread messages; open offers: 1); "
        "the demo stores' inboxes hold 4 (3 unread) "
    )
    assert f"{summary}({first['Message']} messages new)." in out
    assert f"{summary}(0 messages new)." in again

    # Days later the offer expired unanswered: the store makes it again, once.
    Offer.objects.filter(status=S.OPEN).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert seed_chats() == {"new_conversations": 0, "new_messages": 1}
    assert seed_chats() == {"new_conversations": 0, "new_messages": 0}
    assert list(Offer.objects.filter(store__slug="mama-njeri-crafts").values_list("status", flat=True)) == [S.OPEN, S.EXPIRED]
    # One the buyer declined is left as she left it.
    Offer.objects.filter(status=S.OPEN).update(status=S.DECLINED)
    assert seed_chats()["new_messages"] == 0
