"""The whole chat path over HTTP: ask a store, answer, share, offer, accept, pay page."""

import pytest
from django.urls import reverse

from shop.chat.models import Message, Offer
from tests.factories import PASSWORD
from tests.factories.addresses import AddressFactory
from tests.factories.chat import chat_world

pytestmark = pytest.mark.django_db


def _login(client, user):
    assert client.login(email=user.email, password=PASSWORD)
    return client


def test_shopper_asks_store_answers_and_offer_becomes_an_order(client, django_user_model):
    world = chat_world()
    shopper = _login(client, world.buyer)
    page = shopper.post(reverse("chat:start"), {"product": world.product.pk})
    assert page.status_code == 302 and page.url.startswith(reverse("chat:conversation", args=[world.conversation.pk]))
    sent = shopper.post(reverse("chat:send", args=[world.conversation.pk]), {"text": "Is it available in blue?"})
    assert sent.status_code == 302
    body = shopper.get(reverse("chat:conversation", args=[world.conversation.pk])).content.decode()
    assert "Is it available in blue?" in body
    assert shopper.get(reverse("chat:inbox")).status_code == 200

    from django.test import Client

    team = _login(Client(), world.staff)
    inbox = team.get(reverse("sellers:chat_inbox")).content.decode()
    assert "Buyer Bea" in inbox
    team.post(reverse("chat:send", args=[world.conversation.pk]), {"text": "Yes, in stock"})
    team.post(reverse("chat:send", args=[world.conversation.pk]), {"product": world.product.pk})
    variant = world.product.variants.get()
    made = team.post(
        reverse("chat:offer_new", args=[world.conversation.pk]),
        {"variant_0": variant.pk, "quantity_0": 2, "price_0": "200.00", "delivery_mode": "pickup", "delivery_fee": "0", "hours": 24},
    )
    assert made.status_code == 302, made.content.decode()[:2000]
    offer = Offer.objects.get()
    assert Message.objects.filter(conversation=world.conversation).count() == 4
    AddressFactory(user=world.buyer)
    body = shopper.get(reverse("chat:conversation", args=[world.conversation.pk])).content.decode()
    assert "Accept and pay" in body and "Yes, in stock" in body and "Staff Sam" in body
    accepted = shopper.post(reverse("chat:offer_accept", args=[world.conversation.pk, offer.pk]))
    assert accepted.status_code == 302, accepted
    offer.refresh_from_db()
    assert offer.status == "accepted" and offer.order.total == 400
    variant.refresh_from_db()
    assert variant.stock == 8
    assert shopper.get(accepted.url).status_code == 200
    assert shopper.get(reverse("chat:since", args=[world.conversation.pk]) + "?after=2").status_code == 200
