"""Who may open a conversation: its shopper and the store's team (a delivery's: the
shopper and the courier holding it). Everyone else gets a 404 from every chat URL, page or
fragment, GET or POST, and nothing is written; staff read a conversation and never write."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from couriers.models import DeliveryJob
from sellers.models import StoreMember
from shop.chat.models import Block, Conversation, Message, Mute, Offer, Report
from shop.chat.selectors import conversation_for_user
from shop.chat.services.conversations import ChatError, delivery_conversation_start, message_send
from shop.chat.services.offers import LineAsked, offer_make
from tests.factories import CourierProfileFactory, StoreFactory, UserFactory
from tests.factories.chat import chat_world
from tests.factories.couriers import DeliveryJobFactory
from tests.factories.orders import OrderFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
STAFF_NOTICE = "You are reading this conversation as staff: nothing you do here is sent."


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world():
    world = chat_world()
    message_send(conversation=world.conversation, user=world.buyer, text="Is the blue kanga still there?")
    message_send(conversation=world.conversation, user=world.owner, text="Yes, two left")
    variant = world.product.variants.get()
    team = conversation_for_user(user=world.owner, pk=world.conversation.pk)
    world.offer = offer_make(
        viewer=team, user=world.owner, lines=[LineAsked(variant_id=variant.pk, quantity=1, unit_price=Decimal("200.00"))],
        delivery_mode=Offer.DeliveryMode.PICKUP, delivery_fee=Decimal("0"),
    )
    return world


def gets(world) -> list[str]:
    pk = world.conversation.pk
    page = reverse("chat:conversation", args=[pk])
    return [
        page,
        f"{page}?before=3",
        reverse("chat:since", args=[pk]) + "?after=0",
        reverse("chat:offer_new", args=[pk]),
    ]


def posts(world) -> list[tuple[str, dict]]:
    pk, offer, variant = world.conversation.pk, world.offer.pk, world.product.variants.get()
    return [
        (reverse("chat:send", args=[pk]), {"text": "let me in"}),
        (reverse("chat:read", args=[pk]), {}),
        (reverse("chat:mute", args=[pk]), {"muted": "1"}),
        (reverse("chat:block", args=[pk]), {"blocked": "1"}),
        (reverse("chat:report", args=[pk]), {"reason": "spam", "text": "nosy"}),
        (
            reverse("chat:offer_new", args=[pk]),
            {"variant_0": variant.pk, "quantity_0": 1, "price_0": "1.00", "delivery_mode": "pickup", "delivery_fee": "0", "hours": 24},
        ),
        (reverse("chat:offer_accept", args=[pk, offer]), {}),
        (reverse("chat:offer_decline", args=[pk, offer]), {}),
    ]


def written(world) -> dict:
    conversation = Conversation.objects.get(pk=world.conversation.pk)
    return {
        "messages": Message.objects.count(),
        "offers": list(Offer.objects.values_list("pk", "status")),
        "blocks": Block.objects.count(),
        "mutes": Mute.objects.count(),
        "reports": Report.objects.count(),
        "seq": conversation.seq,
        "unread": (conversation.buyer_unread, conversation.team_unread),
        "read": (conversation.buyer_read_seq, conversation.team_read_seq),
    }


def answers(client, world) -> dict[str, int]:
    """The status of every chat URL of the conversation, as a page and as an htmx fragment."""
    seen = {}
    for headers in ({}, HTMX):
        label = "htmx " if headers else ""
        for url in gets(world):
            seen[f"{label}GET {url}"] = client.get(url, **headers).status_code
        for url, data in posts(world):
            seen[f"{label}POST {url}"] = client.post(url, data, **headers).status_code
    return seen


def test_someone_outside_the_conversation_gets_404_everywhere_and_writes_nothing(world):
    before = written(world)
    stranger = browser(UserFactory(display_name="Nosy Neighbour"))

    seen = answers(stranger, world)

    assert len(seen) == 2 * (4 + 8)
    assert {url: status for url, status in seen.items() if status != 404} == {}
    assert written(world) == before


def test_a_member_of_another_store_gets_404_everywhere_and_writes_nothing(world):
    before = written(world)
    rival = browser(StoreFactory().memberships.get().user)

    seen = answers(rival, world)

    assert {url: status for url, status in seen.items() if status != 404} == {}
    assert written(world) == before


def test_anonymous_visitors_are_sent_to_log_in(world):
    before = written(world)
    login = reverse("account_login")

    seen = answers(Client(), world)

    assert {url: status for url, status in seen.items() if status != 302} == {}
    for url in gets(world):
        assert Client().get(url)["Location"].startswith(f"{login}?next=")
    assert written(world) == before


def test_participants_themselves_open_every_page(world):
    for user in (world.buyer, world.owner, world.staff):
        client = browser(user)
        for url in gets(world)[:3]:
            assert client.get(url).status_code == 200, (user, url)
    assert browser(world.staff).get(reverse("chat:offer_new", args=[world.conversation.pk])).status_code == 200
    assert browser(world.buyer).get(reverse("chat:offer_new", args=[world.conversation.pk])).status_code == 404


def test_a_participant_sending_from_the_page_gets_nothing_back_the_message_comes_by_socket(world):
    count = Message.objects.count()

    answer = browser(world.staff).post(reverse("chat:send", args=[world.conversation.pk]), {"text": "Ready tomorrow"}, **HTMX)

    assert answer.status_code == 204 and answer.content == b""
    assert Message.objects.count() == count + 1
    assert Message.objects.order_by("-pk").values_list("text", "sender", "side").first() == ("Ready tomorrow", world.staff.pk, "team")


def test_staff_read_a_conversation_but_cannot_write_in_it(world):
    moderator = UserFactory(display_name="Moderator Mo", is_staff=True)
    before = written(world)
    client = browser(moderator)

    page = client.get(reverse("chat:conversation", args=[world.conversation.pk]))

    body = page.content.decode()
    assert page.status_code == 200
    assert STAFF_NOTICE in body
    assert "Is the blue kanga still there?" in body and "Yes, two left" in body
    assert 'id="chat-form"' not in body and reverse("chat:send", args=[world.conversation.pk]) not in body
    assert 'data-testid="chat-offer-accept"' not in body
    assert client.get(reverse("chat:since", args=[world.conversation.pk]) + "?after=0").status_code == 200
    for url, data in posts(world):
        if url == reverse("chat:read", args=[world.conversation.pk]):
            continue
        assert client.post(url, data).status_code == 404, url
        assert client.post(url, data, **HTMX).status_code == 404, url
    assert client.get(reverse("chat:offer_new", args=[world.conversation.pk])).status_code == 404
    assert written(world) == before  # reading as staff marks nothing read either


def test_staff_reading_does_not_mark_the_conversation_read(world):
    message_send(conversation=world.conversation, user=world.buyer, text="Hello?")
    team_unread = Conversation.objects.get(pk=world.conversation.pk).team_unread
    client = browser(UserFactory(is_staff=True))

    assert client.get(reverse("chat:conversation", args=[world.conversation.pk])).status_code == 200
    assert client.post(reverse("chat:read", args=[world.conversation.pk])).status_code == 204

    assert team_unread == 1
    assert Conversation.objects.get(pk=world.conversation.pk).team_unread == 1


# --- A delivery's conversation -----------------------------------------------------------


@pytest.fixture
def delivery(world):
    courier = CourierProfileFactory(status="approved", user=UserFactory(display_name="Courier Kip")).user
    order = OrderFactory(buyer=world.buyer, store=world.store)
    job = DeliveryJobFactory(order=order, courier=courier, status=DeliveryJob.Status.ACCEPTED)
    conversation = delivery_conversation_start(user=courier, job=job)
    message_send(conversation=conversation, user=courier, text="I am at the gate")
    world.courier, world.job, world.delivery = courier, job, conversation
    return world


def test_a_delivery_conversation_is_for_the_courier_and_the_shopper_only(delivery):
    url = reverse("chat:conversation", args=[delivery.delivery.pk])
    since = reverse("chat:since", args=[delivery.delivery.pk]) + "?after=0"
    send = reverse("chat:send", args=[delivery.delivery.pk])

    for user in (delivery.courier, delivery.buyer):
        page = browser(user).get(url)
        assert page.status_code == 200 and "I am at the gate" in page.content.decode()
    for user in (delivery.owner, delivery.staff, UserFactory()):
        client = browser(user)
        assert client.get(url).status_code == 404
        assert client.get(since, **HTMX).status_code == 404
        assert client.post(send, {"text": "store here"}).status_code == 404
    assert list(Message.objects.filter(conversation=delivery.delivery).values_list("text", flat=True)) == ["I am at the gate"]
    # Nor does it show in the store's inbox, or count in its members' unread badge.
    store_inbox = browser(delivery.staff).get(reverse("sellers:chat_inbox")).content.decode()
    assert f'data-conversation="{delivery.delivery.pk}"' not in store_inbox
    assert f'data-conversation="{delivery.conversation.pk}"' in store_inbox


def test_the_courier_does_not_see_the_stores_conversation(delivery):
    client = browser(delivery.courier)
    assert client.get(reverse("chat:conversation", args=[delivery.conversation.pk])).status_code == 404
    inbox = client.get(reverse("chat:inbox")).content.decode()
    assert f'data-conversation="{delivery.delivery.pk}"' in inbox
    assert f'data-conversation="{delivery.conversation.pk}"' not in inbox


@pytest.mark.parametrize("ended", [DeliveryJob.Status.DELIVERED, DeliveryJob.Status.CANCELLED])
def test_once_the_delivery_ends_nobody_can_write_in_its_conversation(delivery, ended):
    message_send(conversation=delivery.delivery, user=delivery.buyer, text="Coming down")
    DeliveryJob.objects.filter(pk=delivery.job.pk).update(status=ended)
    conversation = Conversation.objects.get(pk=delivery.delivery.pk)

    for user in (delivery.courier, delivery.buyer):
        with pytest.raises(ChatError) as refused:
            message_send(conversation=conversation, user=user, text="one more thing")
        assert refused.value.code == "ended"
    page = browser(delivery.buyer).post(reverse("chat:send", args=[conversation.pk]), {"text": "hello?"}, **HTMX)
    assert page.status_code == 422
    assert "This delivery has ended: its conversation is closed." in page.content.decode()
    with pytest.raises(ChatError) as again:
        delivery_conversation_start(user=delivery.buyer, job=DeliveryJob.objects.get(pk=delivery.job.pk))
    assert again.value.code == "ended"
    assert Message.objects.filter(conversation=conversation).count() == 2


def test_a_courier_replaced_on_the_job_can_no_longer_write_or_read(delivery):
    other = CourierProfileFactory(status="approved").user
    DeliveryJob.objects.filter(pk=delivery.job.pk).update(courier=other)
    conversation = Conversation.objects.get(pk=delivery.delivery.pk)

    with pytest.raises(ChatError) as refused:
        message_send(conversation=conversation, user=delivery.courier, text="still me")

    assert refused.value.code == "forbidden"
    assert browser(delivery.courier).get(reverse("chat:conversation", args=[conversation.pk])).status_code == 404


# --- Blocking ----------------------------------------------------------------------------


def refusal(world, user) -> str:
    try:
        message_send(conversation=Conversation.objects.get(pk=world.conversation.pk), user=user, text="anyone?")
    except ChatError as error:
        return error.code
    return "sent"


def test_a_blocked_pair_cannot_write_either_way_until_the_blocker_unblocks(world):
    shopper, team = browser(world.buyer), browser(world.staff)
    url = reverse("chat:conversation", args=[world.conversation.pk])
    block = reverse("chat:block", args=[world.conversation.pk])

    assert shopper.post(block, {"blocked": "1"}).status_code == 302
    assert Block.objects.filter(buyer=world.buyer, store=world.store, by_side="buyer").count() == 1
    count = Message.objects.count()

    assert [refusal(world, user) for user in (world.buyer, world.owner, world.staff)] == ["blocked"] * 3
    assert 'data-testid="chat-blocked"' in shopper.get(url).content.decode()
    assert "You blocked this conversation: unblock it to write again." in shopper.get(url).content.decode()
    team_page = team.get(url).content.decode()
    assert 'data-testid="chat-blocked"' in team_page and "Messages between you are blocked." in team_page
    assert 'id="chat-form"' not in team_page
    refused = team.post(reverse("chat:send", args=[world.conversation.pk]), {"text": "please"}, **HTMX)
    assert refused.status_code == 422 and "Messages between you are blocked." in refused.content.decode()
    assert Message.objects.count() == count

    # The store cannot lift the shopper's block (its own "unblock" removes only its own).
    assert team.post(block, {"blocked": "0"}).status_code == 302
    assert refusal(world, world.staff) == "blocked"
    assert shopper.post(block, {"blocked": "0"}).status_code == 302
    assert Block.objects.count() == 0
    assert [refusal(world, user) for user in (world.buyer, world.staff)] == ["sent", "sent"]
    assert 'id="chat-form"' in shopper.get(url).content.decode()


def test_a_store_block_stops_the_shopper_and_only_the_store_lifts_it(world):
    team = browser(world.owner)
    block = reverse("chat:block", args=[world.conversation.pk])

    team.post(block, {"blocked": "1"})

    assert [refusal(world, user) for user in (world.buyer, world.staff)] == ["blocked", "blocked"]
    browser(world.buyer).post(block, {"blocked": "0"})
    assert refusal(world, world.buyer) == "blocked"
    # Any member of the team lifts the team's block.
    browser(world.staff).post(block, {"blocked": "0"})
    assert refusal(world, world.buyer) == "sent"


def test_a_member_who_leaves_the_store_loses_the_conversation(world):
    StoreMember.objects.filter(store=world.store, user=world.staff).delete()
    client = browser(world.staff)

    assert client.get(reverse("chat:conversation", args=[world.conversation.pk])).status_code == 404
    assert refusal(world, world.staff) == "forbidden"
