"""Conversations through the API are the messages pages': the same inbox, "Ask the store"
with its first message, messages after a sequence number a page at a time, pictures
through the page's media checks, and the store's offers with the shopper's answer (an
order awaiting payment). Whoever is not in a conversation gets a 404."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone
from PIL import Image

from shop.chat.models import Conversation, Message, Offer
from shop.chat.selectors import conversation_for_user
from shop.chat.services.conversations import message_send
from shop.chat.services.offers import LineAsked, offer_make
from tests.factories import UserFactory
from tests.factories.chat import chat_world

from .conftest import RunnerDied, bearer, post, sign_in, verified

pytestmark = pytest.mark.django_db


def token(client, user) -> dict:
    verified(user)
    return bearer(sign_in(client, user)["access_token"])


def key(value: str) -> dict:
    return {"Idempotency-Key": value}


def offer_of(world, price="200.00", hours=None) -> Offer:
    viewer = conversation_for_user(user=world.staff, pk=world.conversation.pk, for_writing=True)
    return offer_make(
        viewer=viewer,
        user=world.staff,
        lines=[LineAsked(variant_id=world.product.variants.get().pk, quantity=1, unit_price=Decimal(price))],
        delivery_mode="pickup",
        delivery_fee=Decimal("0"),
        hours=hours,
    )


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "orange").save(out, "JPEG")
    return out.getvalue()


def test_ask_the_store_about_a_product_starts_the_conversation_the_page_shows(client):
    world = chat_world()
    shopper = UserFactory(display_name="Wanjiru")
    headers = token(client, shopper)

    answer = post(
        client,
        "/api/v1/conversations/",
        {"product": world.product.slug, "text": "Is it cotton?"},
        **headers,
        **key("a"),
    )

    assert answer.status_code == 201, answer.content
    conversation = Conversation.objects.get(pk=answer.json()["id"])
    assert (conversation.buyer, conversation.product) == (shopper, world.product)
    assert answer.json()["product"] == {"slug": world.product.slug, "title": "Blue kanga"}
    client.force_login(shopper)
    assert "Is it cotton?" in client.get(f"/messages/{conversation.pk}/").content.decode()
    inbox = client.get("/api/v1/conversations/", headers=headers).json()
    assert [row["id"] for row in inbox["results"]] == [conversation.pk]


def test_a_store_cannot_be_asked_by_its_own_team(client):
    world = chat_world()

    answer = post(
        client,
        "/api/v1/conversations/",
        {"store": world.store.slug, "text": "Hello"},
        **token(client, world.staff),
        **key("own"),
    )

    assert answer.status_code == 409 and answer.json()["code"] == "own"


def test_an_unknown_product_is_a_404(client):
    answer = post(
        client,
        "/api/v1/conversations/",
        {"product": "no-such", "text": "Hi"},
        **token(client, UserFactory()),
        **key("x"),
    )
    assert answer.status_code == 404


@override_settings(SOKO_CHAT_PAGE_SIZE=2)
def test_messages_after_a_sequence_number_a_page_at_a_time(client):
    world = chat_world()
    for text in ("one", "two", "three"):
        message_send(conversation=world.conversation, user=world.buyer, text=text)
    headers = token(client, world.buyer)
    url = f"/api/v1/conversations/{world.conversation.pk}/messages/"

    first = client.get(url, headers=headers).json()
    second = client.get(first["next"], headers=headers).json()
    later = client.get(f"{url}?after=1", headers=headers).json()

    assert [m["text"] for m in first["results"]] == ["one", "two"]
    assert [m["sequence"] for m in second["results"]] == [3] and second["next"] is None
    assert [m["text"] for m in later["results"]] == ["two", "three"]
    assert all(m["mine"] for m in first["results"])


def test_opening_a_conversation_marks_it_read_as_the_page_does(client):
    world = chat_world()
    message_send(conversation=world.conversation, user=world.staff, text="Karibu")
    assert Conversation.objects.get(pk=world.conversation.pk).buyer_unread == 1

    seen = client.get(f"/api/v1/conversations/{world.conversation.pk}/", headers=token(client, world.buyer))

    assert seen.status_code == 200 and seen.json()["side"] == "buyer"
    assert Conversation.objects.get(pk=world.conversation.pk).buyer_unread == 0


def test_a_message_sent_twice_with_one_key_is_stored_once(client):
    world = chat_world()
    headers = token(client, world.buyer)
    url = f"/api/v1/conversations/{world.conversation.pk}/messages/"

    first = post(client, url, {"text": "Habari"}, **headers, **key("m1"))
    again = post(client, url, {"text": "Habari"}, **headers, **key("m1"))

    assert first.status_code == again.status_code == 201
    assert first.json()["sequence"] == again.json()["sequence"] == 1
    assert Message.objects.filter(conversation=world.conversation).count() == 1


def test_a_picture_goes_through_the_pages_media_checks(client):
    world = chat_world()
    headers = token(client, world.buyer)
    url = f"/api/v1/conversations/{world.conversation.pk}/messages/"

    sent = client.post(
        url,
        {"text": "Like this", "image": SimpleUploadedFile("a.jpg", jpeg(), "image/jpeg")},
        headers={**headers, **key("p1")},
    )
    fake = client.post(
        url, {"image": SimpleUploadedFile("b.jpg", b"%PDF-1.4 no", "image/jpeg")}, headers={**headers, **key("p2")}
    )

    assert sent.status_code == 201, sent.content
    assert sent.json()["kind"] == "image" and sent.json()["image"]
    assert fake.status_code == 409 and fake.json()["detail"]
    assert Message.objects.filter(conversation=world.conversation).count() == 1


def test_the_store_shares_a_product_card(client):
    world = chat_world()
    url = f"/api/v1/conversations/{world.conversation.pk}/messages/"

    card = post(client, url, {"product": world.product.pk}, **token(client, world.owner), **key("c"))

    assert card.status_code == 201 and card.json()["product"]["slug"] == world.product.slug


def test_someone_elses_conversation_and_offer_are_404(client):
    world = chat_world()
    offer = offer_of(world)
    stranger = token(client, UserFactory())

    answers = [
        client.get(f"/api/v1/conversations/{world.conversation.pk}/", headers=stranger),
        client.get(f"/api/v1/conversations/{world.conversation.pk}/messages/", headers=stranger),
        post(
            client, f"/api/v1/conversations/{world.conversation.pk}/messages/", {"text": "x"}, **stranger, **key("s1")
        ),
        post(client, f"/api/v1/offers/{offer.pk}/accept/", {}, **stranger, **key("s2")),
        post(client, f"/api/v1/offers/{offer.pk}/decline/", {}, **stranger),
    ]

    assert [answer.status_code for answer in answers] == [404] * 5
    assert Offer.objects.get().status == Offer.Status.OPEN


def test_the_store_offers_and_the_shopper_accepts_into_an_order(client):
    world = chat_world(price="250.00")
    lines = [{"variant": world.product.variants.get().pk, "quantity": 2, "unit_price": "200.00"}]

    made = post(
        client,
        f"/api/v1/conversations/{world.conversation.pk}/offers/",
        {"lines": lines, "delivery_mode": "pickup", "hours": 24, "note": "For you"},
        **token(client, world.staff),
        **key("o"),
    )
    accepted = post(client, f"/api/v1/offers/{made.json()['id']}/accept/", {}, **token(client, world.buyer), **key("a"))

    assert made.status_code == 201, made.content
    assert made.json()["items_total"] == "400.00" and made.json()["status"] == "open"
    assert accepted.status_code == 201, accepted.content
    offer = Offer.objects.get()
    assert accepted.json()["offer"]["order"] == offer.order.number and offer.status == Offer.Status.ACCEPTED


def test_a_shopper_cannot_make_an_offer_as_on_the_page(client):
    world = chat_world()
    lines = [{"variant": world.product.variants.get().pk, "quantity": 1, "unit_price": "1.00"}]

    answer = post(
        client,
        f"/api/v1/conversations/{world.conversation.pk}/offers/",
        {"lines": lines, "delivery_mode": "pickup"},
        **token(client, world.buyer),
        **key("o"),
    )
    client.force_login(world.buyer)
    page = client.get(f"/messages/{world.conversation.pk}/offers/new/")

    assert answer.status_code == page.status_code == 404


def test_the_shopper_declines(client):
    world = chat_world()
    offer = offer_of(world)

    answer = post(client, f"/api/v1/offers/{offer.pk}/decline/", {}, **token(client, world.buyer))

    assert answer.status_code == 200 and answer.json()["status"] == "declined"


def test_an_open_offer_past_its_time_shows_as_expired(client):
    world = chat_world()
    offer = offer_of(world)
    Offer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    shown = client.get(f"/api/v1/conversations/{world.conversation.pk}/messages/", headers=token(client, world.buyer))

    assert shown.json()["results"][0]["offer"]["status"] == "expired"


def test_a_message_of_spaces_is_refused_by_the_service_as_on_the_page(client):
    world = chat_world()
    headers = token(client, world.buyer)

    started = post(client, "/api/v1/conversations/", {"store": world.store.slug, "text": "   "}, **headers, **key("e1"))
    sent = post(
        client, f"/api/v1/conversations/{world.conversation.pk}/messages/", {"text": " "}, **headers, **key("e2")
    )

    assert (started.status_code, started.json()["code"]) == (409, "empty")
    assert (sent.status_code, sent.json()["code"]) == (409, "empty")
    assert sent.json()["detail"] == "Write a message first."


def _conversation_started(client, world):
    shopper = UserFactory()
    return client, "/api/v1/conversations/", {"product": world.product.slug, "text": "Still there?"}, token(client, shopper)


def _message_sent(client, world):
    return client, f"/api/v1/conversations/{world.conversation.pk}/messages/", {"text": "Still there?"}, token(client, world.buyer)


def _offer_made(client, world):
    lines = [{"variant": world.product.variants.get().pk, "quantity": 1, "unit_price": "200.00"}]
    body = {"lines": lines, "delivery_mode": "pickup", "hours": 24, "note": "Still there?"}
    return client, f"/api/v1/conversations/{world.conversation.pk}/offers/", body, token(client, world.staff)


@pytest.mark.parametrize("request_of", [_conversation_started, _message_sent, _offer_made])
def test_a_request_whose_runner_died_after_its_commit_is_not_carried_out_twice(client, answer_lost, request_of):
    world = chat_world(price="250.00")
    client, url, body, headers = request_of(client, world)
    with pytest.raises(RunnerDied):
        post(client, url, body, **headers, **key("lost-answer"))
    answer_lost()

    again = post(client, url, body, **headers, **key("lost-answer"))

    assert again.status_code == 201, again.content
    stored = Message.objects.filter(text="Still there?")
    assert stored.count() == 1 and Offer.objects.filter(note="Still there?").count() == int(request_of is _offer_made)
    if request_of is _message_sent:
        assert again.json()["id"] == stored.get().pk and again.json()["sequence"] == stored.get().seq


def test_a_key_the_api_has_forgotten_names_a_new_message(client):
    from shop.api.idempotency import idempotent_requests_forget
    from shop.api.models import IdempotentRequest

    world = chat_world()
    headers, url = token(client, world.buyer), f"/api/v1/conversations/{world.conversation.pk}/messages/"
    first = post(client, url, {"text": "One"}, **headers, **key("k-1"))
    a_day_ago = timezone.now() - timedelta(hours=25)
    Message.objects.filter(pk=first.json()["id"]).update(created_at=a_day_ago)
    IdempotentRequest.objects.update(created_at=a_day_ago)
    idempotent_requests_forget()

    again = post(client, url, {"text": "Two"}, **headers, **key("k-1"))

    assert again.status_code == 201 and again.json()["id"] != first.json()["id"]
    assert list(Message.objects.filter(sender=world.buyer).order_by("seq").values_list("text", flat=True))[-2:] == ["One", "Two"]
