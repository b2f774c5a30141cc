"""Buying through the API is buying on the pages: the address book through the address
page's form, the cart through the cart's services, the checkout page's quote with its
signed review (placed once, refused when the total moved), and paying with the payment
page's gateways. Someone else's address, line or checkout is a 404."""

import uuid
from decimal import Decimal

import pytest
from django.core import signing

from shop.accounts.models import Address
from shop.cart.models import Cart, CartItem
from shop.cart.services import cart_add
from shop.catalog.models import Variant
from shop.orders.models import Checkout
from shop.orders.selectors.checkout import REVIEW_SALT
from shop.payments.models import PaymentAttempt
from shop.payments.providers.mpesa.client import DarajaClient
from tests.checkout.conftest import basket, buyer, cart, crafts, kikoi, weavers  # noqa: F401  (fixtures)
from tests.factories import UserFactory
from tests.factories.addresses import AddressFactory, westlands
from tests.fakes.daraja import FakeDaraja
from tests.fakes.stripe_server import FakeStripe

from .conftest import bearer, post, sign_in, verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def headers(client, buyer):  # noqa: F811
    verified(buyer)
    return bearer(sign_in(client, buyer)["access_token"])


def patch(client, url, data, **headers):
    return client.patch(url, data, content_type="application/json", headers=headers)


def put(client, url, data, **headers):
    return client.put(url, data, content_type="application/json", headers=headers)


def keyed(**headers) -> dict:
    return {**headers, "Idempotency-Key": str(uuid.uuid4())}


# Addresses and location ------------------------------------------------------------------


def test_an_address_added_by_the_app_is_in_the_page_book_and_the_first_is_default(client, headers):
    Address.objects.all().delete()
    area = westlands()

    made = post(
        client,
        "/api/v1/addresses/",
        {"label": "Work", "recipient": "Amina", "phone": "0712 345 678", "street": "Riverside Dr", "area": area.pk},
        **headers,
    )
    listed = client.get("/api/v1/addresses/", headers=headers)

    assert made.status_code == 201, made.content
    assert made.json()["is_default"] is True and "Westlands" in made.json()["area_name"]
    assert [row["label"] for row in listed.json()] == ["Work"]
    assert Address.objects.get().area == area


def test_an_area_with_places_below_is_refused_in_the_pages_words(client, headers):
    nairobi = westlands().parent

    answer = post(
        client,
        "/api/v1/addresses/",
        {"label": "Work", "recipient": "Amina", "phone": "0712 345 678", "street": "Riverside Dr", "area": nairobi.pk},
        **headers,
    )

    assert answer.status_code == 409 and answer.json()["code"] == "address_refused"
    assert "Choose a neighbourhood in Nairobi." in answer.json()["errors"]["neighbourhood"]


def test_change_and_delete_an_address_but_not_someone_elses(client, buyer, headers):  # noqa: F811
    mine = buyer.addresses.get()
    theirs = AddressFactory(user=UserFactory())

    changed = patch(client, f"/api/v1/addresses/{mine.pk}/", {"street": "Ngong Rd"}, **headers)
    foreign = [
        client.get(f"/api/v1/addresses/{theirs.pk}/", headers=headers),
        patch(client, f"/api/v1/addresses/{theirs.pk}/", {"street": "x"}, **headers),
        client.delete(f"/api/v1/addresses/{theirs.pk}/", headers=headers),
    ]
    deleted = client.delete(f"/api/v1/addresses/{mine.pk}/", headers=headers)

    assert changed.status_code == 200 and changed.json()["street"] == "Ngong Rd"
    assert [answer.status_code for answer in foreign] == [404, 404, 404]
    assert deleted.status_code == 204 and not buyer.addresses.exists()
    assert Address.objects.filter(pk=theirs.pk).exists()


def test_the_location_is_the_pin_on_the_default_address(client, buyer, headers):  # noqa: F811
    answer = put(client, "/api/v1/me/location/", {"latitude": "-1.2921", "longitude": "36.8219"}, **headers)

    address = buyer.addresses.get()
    assert answer.status_code == 200
    assert (address.latitude, address.longitude) == (Decimal("-1.292100"), Decimal("36.821900"))


def test_without_an_address_there_is_nowhere_to_keep_the_location(client, buyer, headers):  # noqa: F811
    buyer.addresses.all().delete()

    answer = put(client, "/api/v1/me/location/", {"latitude": "1", "longitude": "2"}, **headers)

    assert answer.status_code == 409 and answer.json()["code"] == "no_address"


# The cart ------------------------------------------------------------------------------------


def test_the_cart_groups_lines_by_store_with_their_totals(client, headers, cart, weavers, crafts):  # noqa: F811
    answer = client.get("/api/v1/cart/", headers=headers)

    body = answer.json()
    assert answer.status_code == 200
    assert [group["store"]["name"] for group in body["stores"]] == ["Kisii Weavers", "Mama Njeri Crafts"]
    assert [group["subtotal"] for group in body["stores"]] == ["2401.00", "850.00"]
    assert body["totals"] == [{"currency": "KES", "total": "3251.00", "units": 3}]
    assert body["stores"][0]["lines"][0]["label"] == "Kiondo basket — Red"


def test_a_changed_price_is_flagged_until_accepted(client, headers, cart, basket):  # noqa: F811
    Variant.objects.filter(pk=basket.pk).update(price=Decimal("1300"))

    line = client.get("/api/v1/cart/", headers=headers).json()["stores"][0]["lines"][0]

    assert (line["price_changed"], line["problem_code"], line["unit_price_seen"]) == (True, "price_changed", "1200.50")
    assert "Price changed" in line["problem"]


def test_add_change_and_remove_lines(client, headers, buyer, basket, kikoi):  # noqa: F811
    added = post(client, "/api/v1/cart/lines/", {"variant": basket.pk, "quantity": 1}, **headers)
    line = CartItem.objects.get(cart__user=buyer)
    capped = patch(client, f"/api/v1/cart/lines/{line.pk}/", {"quantity": 5}, **headers)
    removed = client.delete(f"/api/v1/cart/lines/{line.pk}/", headers=headers)

    assert added.status_code == 201 and added.json()["message"] == "Added 1 × Kiondo basket — Red to your cart."
    assert capped.status_code == 200 and capped.json()["capped"] is True
    assert capped.json()["cart"]["stores"][0]["lines"][0]["quantity"] == 3
    assert removed.status_code == 200 and removed.json()["cart"]["stores"] == []


def test_someone_elses_line_is_a_404(client, headers, basket):  # noqa: F811
    their_cart = Cart.objects.create(user=UserFactory())
    line = cart_add(cart=their_cart, variant=basket, quantity=1).item

    answers = [
        patch(client, f"/api/v1/cart/lines/{line.pk}/", {"quantity": 2}, **headers),
        client.delete(f"/api/v1/cart/lines/{line.pk}/", headers=headers),
    ]

    assert [answer.status_code for answer in answers] == [404, 404]
    assert CartItem.objects.get(pk=line.pk).quantity == 1


# The checkout --------------------------------------------------------------------------------


def reviewed(token: str) -> dict:
    """What a review token says (its signature's timestamp aside)."""
    return signing.loads(token, salt=REVIEW_SALT)


def quote(client, headers, **asked):
    return post(client, "/api/v1/checkout/quote/", asked, **headers)


def test_the_quote_is_the_pages_review_with_the_same_token(client, buyer, headers, cart, weavers, crafts):  # noqa: F811
    answer = quote(client, headers, payment_method="cod")
    client.force_login(buyer)
    page = client.get("/checkout/")

    body = answer.json()
    assert answer.status_code == 200, answer.content
    assert reviewed(body["review_token"]) == reviewed(page.context["preview"].review_token)
    assert body["total"] == str(page.context["preview"].total)
    weavers_order, crafts_order = body["orders"]
    assert (weavers_order["delivery"], crafts_order["delivery"]) == ("delivery", "pickup")
    assert crafts_order["home_delivery_refused"] and [o["mode"] for o in crafts_order["delivery_options"]] == ["pickup"]
    assert "cod" in [method["code"] for method in body["payment_methods"]]


def test_placing_the_quote_once_however_often_it_is_sent(client, buyer, headers, cart, weavers):  # noqa: F811
    token = quote(client, headers).json()["review_token"]
    send = keyed(**headers)
    asked = {"payment_method": "cod", "review_token": token}

    first = post(client, "/api/v1/checkout/", asked, **send)
    again = post(client, "/api/v1/checkout/", asked, **send)

    assert first.status_code == 201, first.content
    assert again.json() == first.json() and Checkout.objects.count() == 1
    body = first.json()
    assert len(body["orders"]) == 2 and body["payment"]["status"] == "on_delivery"
    assert Decimal(body["total"]) == sum(Decimal(order["total"]) for order in body["orders"])
    assert not CartItem.objects.filter(cart__user=buyer).exists()


def test_a_price_that_moved_after_the_quote_places_nothing_and_says_the_new_total(client, headers, cart, basket):  # noqa: F811
    token = quote(client, headers).json()["review_token"]
    Variant.objects.filter(pk=basket.pk).update(price=Decimal("1300"))
    CartItem.objects.filter(variant=basket).update(unit_price_seen=Decimal("1300"))
    new_total = quote(client, headers).json()["total"]

    answer = post(client, "/api/v1/checkout/", {"payment_method": "cod", "review_token": token}, **keyed(**headers))

    assert answer.status_code == 409 and answer.json()["code"] == "total_changed"
    assert answer.json()["total"] == new_total and answer.json()["currency"] == "KES"
    assert not Checkout.objects.exists()


def test_a_home_delivery_the_store_does_not_offer_is_refused_with_its_reason(client, headers, cart, crafts):  # noqa: F811
    token = quote(client, headers).json()["review_token"]

    answer = post(
        client,
        "/api/v1/checkout/",
        {"payment_method": "cod", "review_token": token, "delivery": [{"store": crafts.pk, "mode": "delivery"}]},
        **keyed(**headers),
    )

    assert answer.status_code == 409 and answer.json()["code"] == "delivery_not_offered"
    assert "\u2068Mama Njeri Crafts\u2069 does not deliver" in answer.json()["detail"]  # the name isolated from the sentence


def test_someone_elses_address_is_a_404_at_checkout(client, headers, cart):  # noqa: F811
    theirs = AddressFactory(user=UserFactory())

    assert quote(client, headers, address=theirs.pk).status_code == 404


def test_an_empty_cart_has_nothing_to_quote(client, headers):
    answer = quote(client, headers)

    assert answer.status_code == 409 and answer.json()["code"] == "cart_empty"


# Paying --------------------------------------------------------------------------------------


@pytest.fixture
def by_card(client, headers, cart):  # noqa: F811
    token = quote(client, headers).json()["review_token"]
    answer = post(client, "/api/v1/checkout/", {"payment_method": "card", "review_token": token}, **keyed(**headers))
    assert answer.status_code == 201, answer.content
    return answer.json()


def test_a_card_checkout_awaits_payment_until_its_deadline(client, headers, by_card):
    state = client.get(f"/api/v1/checkouts/{by_card['id']}/payment/", headers=headers).json()
    methods = client.get(f"/api/v1/checkouts/{by_card['id']}/payment-methods/", headers=headers).json()

    assert (by_card["payment_status"], state["status"], state["under_way"]) == ("awaiting", "pending", False)
    assert state["due_by"] is not None and state["amount"] == by_card["total"]
    assert {"card", "cod"} <= {method["code"] for method in methods}


def test_paying_by_card_answers_stripes_page(client, headers, by_card, settings):
    with FakeStripe(webhook_secret="whsec_test_soko") as stripe:
        settings.STRIPE_SECRET_KEY = "sk_test_soko"
        settings.STRIPE_API_BASE = stripe.url
        settings.STRIPE_WEBHOOK_SECRET = "whsec_test_soko"
        answer = post(client, f"/api/v1/checkouts/{by_card['id']}/payments/", {"method": "card"}, **keyed(**headers))

    assert answer.status_code == 201, answer.content
    assert answer.json()["under_way"] is True and answer.json()["redirect_url"].startswith(stripe.url)
    assert PaymentAttempt.objects.get().status == PaymentAttempt.Status.PENDING


def test_mpesa_sends_the_request_to_the_phone(client, headers, by_card, settings):
    DarajaClient._tokens.clear()
    with FakeDaraja() as daraja:
        for name, value in daraja.settings().items():
            setattr(settings, name, value)
        settings.MPESA_CALLBACK_URL = "https://soko.example/payments/mpesa/callback/"
        answer = post(
            client,
            f"/api/v1/checkouts/{by_card['id']}/payments/",
            {"method": "mpesa", "phone": "0712 345 678"},
            **keyed(**headers),
        )
        attempt = PaymentAttempt.objects.get()

    assert answer.status_code == 201, answer.content
    assert answer.json()["under_way"] is True and answer.json()["method"] == "mpesa"
    assert attempt.phone == "254712345678" and list(daraja.pushes) == [attempt.reference]


def test_cash_on_delivery_confirms_it_and_then_nothing_more_is_taken(client, headers, by_card):
    url = f"/api/v1/checkouts/{by_card['id']}/payments/"

    cash = post(client, url, {"method": "cod"}, **keyed(**headers))
    card = post(client, url, {"method": "card"}, **keyed(**headers))

    assert cash.status_code == 201 and cash.json()["status"] == "on_delivery"
    assert card.status_code == 409 and card.json()["code"] == "payment_not_awaited"


def test_a_method_not_offered_is_refused(client, headers, by_card):
    answer = post(client, f"/api/v1/checkouts/{by_card['id']}/payments/", {"method": "bitcoin"}, **keyed(**headers))

    assert answer.status_code == 409 and answer.json()["code"] == "payment_method_unavailable"


def test_someone_elses_checkout_is_a_404(client, by_card):
    stranger = verified(UserFactory())
    headers = bearer(sign_in(client, stranger)["access_token"])
    pk = by_card["id"]

    answers = [
        client.get(f"/api/v1/checkouts/{pk}/payment/", headers=headers),
        client.get(f"/api/v1/checkouts/{pk}/payment-methods/", headers=headers),
        post(client, f"/api/v1/checkouts/{pk}/payments/", {"method": "cod"}, **keyed(**headers)),
    ]

    assert [answer.status_code for answer in answers] == [404, 404, 404]
