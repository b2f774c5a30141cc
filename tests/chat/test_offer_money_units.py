"""A chat offer's agreed prices and delivery fee are in the store's currency, never finer
than its minor unit: in a GNF store a unit price of 1500.50 or a fee of 500.50 is refused
with a message (by the form, the page, the API and ``offer_make`` alike; they used to be
taken to the cent, and the accepted order could be neither charged nor its cash posted),
and a whole-franc offer becomes an order that can be paid."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from shop.chat.forms import OfferForm
from shop.chat.models import Message, Offer, OfferLine
from shop.chat.selectors import conversation_for_user
from shop.chat.services.offers import LineAsked, offer_accept, offer_make
from shop.core.selectors.currencies import money_is_valid_for, money_to_minor
from shop.core.selectors.money import money_units_problem
from shop.payments.services import attempt_create
from tests.api.conftest import bearer, post, sign_in, verified
from tests.factories import PASSWORD
from tests.factories.addresses import AddressFactory
from tests.factories.chat import chat_world, refused

pytestmark = pytest.mark.django_db

WHOLE_FRANCS = "Prices in GNF are whole numbers, without decimals."
D = Decimal


@pytest.fixture
def world():
    return chat_world(price="2000", currency="GNF")


def offer_for(world, price: str, *, mode: str = "pickup", fee: str = "0") -> Offer:
    return offer_make(
        viewer=conversation_for_user(user=world.staff, pk=world.conversation.pk, for_writing=True),
        user=world.staff,
        lines=[LineAsked(variant_id=world.product.variants.get().pk, quantity=2, unit_price=D(price))],
        delivery_mode=mode,
        delivery_fee=D(fee),
    )


def nothing_offered(world):
    assert not Offer.objects.exists() and not OfferLine.objects.exists()
    assert not Message.objects.filter(conversation=world.conversation).exists()


def test_the_rule_is_the_shared_one(world):
    assert money_units_problem(D("1500.50"), world.store.currency) == WHOLE_FRANCS


def test_an_agreed_price_with_a_fraction_of_a_franc_is_refused(world):
    error = refused(lambda: offer_for(world, "1500.50"), code="lines")
    assert str(error) == WHOLE_FRANCS
    nothing_offered(world)


def test_a_delivery_fee_with_a_fraction_of_a_franc_is_refused(world):
    error = refused(lambda: offer_for(world, "1500", mode="delivery", fee="500.50"), code="amount")
    assert str(error) == WHOLE_FRANCS
    nothing_offered(world)


def test_a_pick_up_offer_has_no_fee_whatever_was_typed(world):
    offer = offer_for(world, "1500", mode="pickup", fee="500.50")
    assert offer.delivery_fee == 0


def test_a_kes_price_finer_than_a_cent_is_refused_and_cents_are_kept():
    kes = chat_world(price="250.00")
    assert str(refused(lambda: offer_for(kes, "199.995"), code="lines")) == "Prices in KES have at most 2 decimals."
    assert offer_for(kes, "199.95").items_total == D("399.90")


def test_a_whole_franc_offer_becomes_an_order_that_can_be_charged(world):
    AddressFactory(user=world.buyer)
    offer = offer_for(world, "1500", mode="delivery", fee="500")
    accepted = offer_accept(
        viewer=conversation_for_user(user=world.buyer, pk=world.conversation.pk, for_writing=True),
        user=world.buyer,
        offer_id=offer.pk,
    )
    order = accepted.order
    assert (order.currency, order.items_total, order.delivery_fee) == ("GNF", D("3000"), D("500"))
    assert money_is_valid_for(order.total, "GNF")
    attempt = attempt_create(checkout=order.checkout, gateway="card", provider="dev")
    assert attempt.amount_minor == money_to_minor(order.checkout.total, "GNF") == 3500


def form(world, **fields) -> OfferForm:
    data = {"variant_0": world.product.variants.get().pk, "quantity_0": 1, "price_0": "1500", "delivery_mode": "pickup",
            "delivery_fee": "0", "hours": 24, **fields}
    return OfferForm(data, store=world.store)


def test_the_form_says_so_beside_the_price_and_beside_the_fee(world):
    priced = form(world, price_0="1500.5")
    assert not priced.is_valid()
    assert priced.errors["price_0"] == [WHOLE_FRANCS]
    fee = form(world, delivery_mode="delivery", delivery_fee="500.5")
    assert not fee.is_valid()
    assert fee.errors["delivery_fee"] == [WHOLE_FRANCS]
    assert form(world, delivery_mode="delivery", delivery_fee="500").is_valid()


def test_the_page_shows_the_reason_and_writes_nothing(world):
    client = Client()
    assert client.login(email=world.owner.email, password=PASSWORD)
    url = reverse("chat:offer_new", args=[world.conversation.pk])
    base = {"variant_0": world.product.variants.get().pk, "quantity_0": 1, "delivery_fee": "0", "hours": 24}
    for fields in ({"price_0": "1500.50", "delivery_mode": "pickup"},
                   {"price_0": "1500", "delivery_mode": "delivery", "delivery_fee": "500.50"}):
        page = client.post(url, {**base, **fields})
        assert page.status_code == 422
        assert WHOLE_FRANCS in page.content.decode()
    nothing_offered(world)


def test_the_api_refuses_with_the_reason(world, client):
    headers = {**bearer(sign_in(client, verified(world.staff))["access_token"]), "Idempotency-Key": "gnf-offer"}
    url = f"/api/v1/conversations/{world.conversation.pk}/offers/"
    variant = world.product.variants.get().pk
    for number, body in enumerate((
        {"lines": [{"variant": variant, "quantity": 1, "unit_price": "1500.50"}], "delivery_mode": "pickup"},
        {"lines": [{"variant": variant, "quantity": 1, "unit_price": "1500"}], "delivery_mode": "delivery",
         "delivery_fee": "500.50"},
    )):
        answer = post(client, url, body, **{**headers, "Idempotency-Key": f"gnf-offer-{number}"})
        assert answer.status_code == 409, answer.content
        assert answer.json()["detail"] == WHOLE_FRANCS
    nothing_offered(world)
