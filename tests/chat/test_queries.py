"""Inboxes and conversation pages cost the same number of queries for 10 conversations (or
messages) as for 100 (or 200), whatever the messages carry: pictures, product and order
cards, offers open, accepted and declined."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shop.chat.models import Conversation, Message, Offer
from shop.chat.selectors import conversation_for_user
from shop.chat.services.conversations import conversation_start, message_send
from shop.chat.services.offers import LineAsked, offer_accept, offer_decline, offer_make
from shop.media.services.images import image_process
from tests.factories import StoreFactory, UserFactory
from tests.factories.catalog import ProductFactory, ReadyImageFactory
from tests.factories.chat import chat_world
from tests.factories.orders import OrderFactory
from tests.html import dom
from tests.media.pictures import picture_bytes, upload

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    settings.SOKO_CHAT_MESSAGES_PER_MINUTE = 100_000


def queries(client, url, **headers) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    assert response.status_code == 200, url
    return len(captured), response.content.decode()


def seqs_in(html: str) -> list[int]:
    return [int(message.attr("data-seq")) for message in dom(html).all("[data-seq]")]


# --- Inboxes -----------------------------------------------------------------------------


def shopper_with_conversations(count: int):
    """A shopper who asked ``count`` stores, some with a logo, some about a product, about
    an order, some answered (unread)."""
    shopper = UserFactory()
    for number in range(count):
        store = StoreFactory(logo=ReadyImageFactory() if number % 2 else None)
        owner = store.memberships.get().user
        product = ProductFactory(store=store, images=1) if number % 3 else None
        order = OrderFactory(buyer=shopper, store=store) if number % 4 == 0 else None
        conversation = conversation_start(buyer=shopper, store=store, product=product, order=order)
        message_send(conversation=conversation, user=shopper, text=f"Question {number}")
        if number % 2:
            message_send(conversation=conversation, user=owner, text=f"Answer {number}")
    return shopper


def store_with_conversations(count: int):
    """A store that ``count`` shoppers asked, some about a product, some answered."""
    store = StoreFactory(logo=ReadyImageFactory())
    owner = store.memberships.get().user
    products = [ProductFactory(store=store, images=1) for _ in range(3)]
    for number in range(count):
        conversation = conversation_start(buyer=UserFactory(), store=store, product=products[number % 3] if number % 2 else None)
        message_send(conversation=conversation, user=conversation.buyer, text=f"Question {number}")
        if number % 3 == 0:
            message_send(conversation=conversation, user=owner, text=f"Answer {number}")
    return owner


def test_shopper_inbox_queries_do_not_grow_with_conversations(client, django_assert_max_num_queries):
    few, many = shopper_with_conversations(10), shopper_with_conversations(100)
    client.force_login(few)
    baseline, page = queries(client, reverse("chat:inbox"))
    assert dom(page).count("[data-testid=chat-row]") == 10

    client.force_login(many)
    with django_assert_max_num_queries(baseline):
        page = client.get(reverse("chat:inbox")).content.decode()
    assert dom(page).count("[data-testid=chat-row]") == 100
    with django_assert_max_num_queries(baseline):
        rows = client.get(reverse("chat:inbox"), {"q": "Question"}, **HTMX).content.decode()
    assert dom(rows).count("[data-testid=chat-row]") == 100 and not dom(rows).has("html")


def test_store_inbox_queries_do_not_grow_with_conversations(client, django_assert_max_num_queries):
    few, many = store_with_conversations(10), store_with_conversations(100)
    client.force_login(few)
    baseline, page = queries(client, reverse("sellers:chat_inbox"))
    assert dom(page).count("[data-testid=chat-row]") == 10

    client.force_login(many)
    with django_assert_max_num_queries(baseline):
        page = client.get(reverse("sellers:chat_inbox")).content.decode()
    assert dom(page).count("[data-testid=chat-row]") == 100


# --- A conversation ----------------------------------------------------------------------


def conversation_of(count: int):
    """A conversation of ``count`` messages (a multiple of ten) of every kind: text from
    both sides and two team members, pictures (ready and still processing), product cards,
    order cards, offers open, accepted and declined, and the notices they leave."""
    assert count % 10 == 0
    world = chat_world(stock=100_000)
    variant = world.product.variants.get()
    team = conversation_for_user(user=world.owner, pk=world.conversation.pk)
    shopper = conversation_for_user(user=world.buyer, pk=world.conversation.pk)

    def offer():
        return offer_make(
            viewer=team, user=world.owner, lines=[LineAsked(variant_id=variant.pk, quantity=2, unit_price=Decimal("200.00"))],
            delivery_mode=Offer.DeliveryMode.PICKUP, delivery_fee=Decimal("0"), note="For you",
        )

    conversation = world.conversation
    for cycle in range(count // 10):
        message_send(conversation=conversation, user=world.buyer, text=f"Question {cycle}")
        picture = message_send(
            conversation=conversation, user=world.owner, text="Like this",
            upload=upload(f"kanga-{cycle}.jpg", picture_bytes(colour=(cycle, 90, 160))),
        )
        if cycle % 2 == 0:
            image_process(image_id=picture.image_id)
        message_send(conversation=conversation, user=world.staff, product=world.product)
        message_send(conversation=conversation, user=world.buyer, order=OrderFactory(buyer=world.buyer, store=world.store))
        offer()
        offer_accept(viewer=shopper, user=world.buyer, offer_id=offer().pk)
        offer_decline(viewer=shopper, user=world.buyer, offer_id=offer().pk)
        message_send(conversation=conversation, user=world.staff, text=f"Answer {cycle}")
    assert Message.objects.filter(conversation=conversation).count() == count
    world.conversation = Conversation.objects.get(pk=conversation.pk)
    return world


def test_conversation_page_queries_do_not_grow_with_messages(client, settings, django_assert_max_num_queries):
    small, big = conversation_of(10), conversation_of(200)
    page_size = settings.SOKO_CHAT_PAGE_SIZE
    kinds = set(Message.objects.filter(conversation=big.conversation, seq__gt=200 - page_size).values_list("kind", flat=True))
    assert kinds == {"text", "image", "product", "order", "offer", "system"}
    assert Offer.objects.filter(conversation=big.conversation, status="accepted").count() == 20

    for viewer in ("buyer", "owner"):
        client.force_login(getattr(small, viewer))
        baseline, page = queries(client, reverse("chat:conversation", args=[small.conversation.pk]))
        assert seqs_in(page) == list(range(1, 11))
        assert not dom(page).has("[data-testid=chat-earlier]")

        client.force_login(getattr(big, viewer))
        with django_assert_max_num_queries(baseline):
            page = client.get(reverse("chat:conversation", args=[big.conversation.pk])).content.decode()
        first = 200 - page_size + 1
        assert seqs_in(page) == list(range(first, 201))
        earlier = dom(page).one("a[data-testid=chat-earlier]")
        assert earlier.attr("href") == f"?before={first}" and earlier.text == "Earlier messages"
        for card in ("chat-picture", "chat-product-card", "chat-offer"):
            assert dom(page).has(f"[data-testid={card}]"), (viewer, card)


def test_earlier_messages_come_as_a_fragment_at_a_constant_cost(client, settings, django_assert_max_num_queries):
    small, big = conversation_of(10), conversation_of(200)
    page_size = settings.SOKO_CHAT_PAGE_SIZE
    client.force_login(small.buyer)
    baseline, fragment = queries(client, reverse("chat:conversation", args=[small.conversation.pk]) + "?before=6", **HTMX)
    assert seqs_in(fragment) == [1, 2, 3, 4, 5]

    client.force_login(big.buyer)
    unread = big.conversation.buyer_unread
    first = 200 - page_size + 1
    with django_assert_max_num_queries(baseline):
        fragment = client.get(reverse("chat:conversation", args=[big.conversation.pk]), {"before": first}, **HTMX).content.decode()
    assert not dom(fragment).has("html") and not dom(fragment).has("#chat-composer")
    assert seqs_in(fragment) == list(range(first - page_size, first))
    assert dom(fragment).one("a[data-testid=chat-earlier]").attr("href") == f"?before={first - page_size}"
    oldest = client.get(reverse("chat:conversation", args=[big.conversation.pk]), {"before": page_size + 1}, **HTMX).content.decode()
    assert seqs_in(oldest) == list(range(1, page_size + 1)) and not dom(oldest).has("[data-testid=chat-earlier]")
    # Reading history marks nothing read: only the whole page does.
    assert unread > 0 and Conversation.objects.get(pk=big.conversation.pk).buyer_unread == unread


def test_since_queries_do_not_grow_with_missed_messages(client, django_assert_max_num_queries):
    small, big = conversation_of(10), conversation_of(200)
    client.force_login(small.buyer)
    baseline, missed = queries(client, reverse("chat:since", args=[small.conversation.pk]) + "?after=0", **HTMX)
    assert seqs_in(missed) == list(range(1, 11))

    client.force_login(big.buyer)
    with django_assert_max_num_queries(baseline):
        missed = client.get(reverse("chat:since", args=[big.conversation.pk]), {"after": 0}, **HTMX).content.decode()
    assert seqs_in(missed) == list(range(1, 201))
