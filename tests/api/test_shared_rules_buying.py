"""One rule, two doors: the same scenario driven through the pages (the cart page, the
checkout page) and through the API ends the same way, refused in the same words with the
same code. Stock: asking for more than there is, a sold-out variant, and stock that ran
out before the order was placed. Promo codes: an unknown one, an expired one and one
whose minimum the cart does not reach, at the review and when placing."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from shop.cart.models import Cart, CartItem
from shop.cart.services import CartError, cart_add
from shop.catalog.models import Variant
from shop.orders.models import Checkout
from shop.promotions.models import PromoCode
from tests.checkout.conftest import basket, crafts, kikoi, weavers  # noqa: F401  (fixtures)
from tests.checkout.test_page import checked, form_key
from tests.factories import UserFactory
from tests.factories.addresses import AddressFactory

from .conftest import bearer, post, sign_in, verified

pytestmark = pytest.mark.django_db


def shopper(*lines):
    """A buyer with an address and a cart holding ``lines`` ((variant, quantity)...)."""
    user = verified(UserFactory())
    AddressFactory(user=user)
    cart = Cart.objects.create(user=user)
    for variant, quantity in lines:
        cart_add(cart=cart, variant=variant, quantity=quantity)
    return user


def on_the_page(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def through_the_api(user) -> tuple[Client, dict]:
    app = Client()
    return app, bearer(sign_in(app, user)["access_token"])


def flashed(response) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in get_messages(response.wsgi_request)]


def lines_of(user) -> list[tuple[int, int]]:
    return list(CartItem.objects.filter(cart__user=user).values_list("variant_id", "quantity"))


# Stock -----------------------------------------------------------------------------------------


def test_asking_for_more_than_is_in_stock_puts_what_there_is_and_says_so(basket):  # noqa: F811
    page_buyer, app_buyer = shopper(), shopper()

    page = on_the_page(page_buyer).post("/cart/add/", {"variant": basket.pk, "quantity": 5})
    app, headers = through_the_api(app_buyer)
    api = post(app, "/api/v1/cart/lines/", {"variant": basket.pk, "quantity": 5}, **headers)

    said = "Only 3 of Kiondo basket — Red in stock: your cart has 3."
    assert flashed(page) == [("warning", said)]
    assert api.status_code == 201 and (api.json()["message"], api.json()["capped"]) == (said, True)
    assert lines_of(page_buyer) == lines_of(app_buyer) == [(basket.pk, 3)]


def test_a_sold_out_variant_is_refused_alike(basket):  # noqa: F811
    Variant.objects.filter(pk=basket.pk).update(stock=0)
    page_buyer, app_buyer = shopper(), shopper()

    page = on_the_page(page_buyer).post("/cart/add/", {"variant": basket.pk, "quantity": 1})
    app, headers = through_the_api(app_buyer)
    api = post(app, "/api/v1/cart/lines/", {"variant": basket.pk, "quantity": 1}, **headers)
    with pytest.raises(CartError) as service:
        cart_add(cart=Cart.objects.get(user=page_buyer), variant=basket, quantity=1)

    said = "Sold out: Kiondo basket — Red."
    assert flashed(page) == [("error", said)]
    assert api.status_code == 409 and (api.json()["detail"], api.json()["code"]) == (said, "out_of_stock")
    assert service.value.code == "out_of_stock"
    assert lines_of(page_buyer) == lines_of(app_buyer) == []


def place_on_the_page(user, **changes):
    browser = on_the_page(user)
    query = "?" + "&".join(f"{name}={value}" for name, value in changes.items()) if changes else ""
    page = browser.get(f"/checkout/{query}").content.decode()
    data = {"idempotency_key": form_key(page), "instructions": "", **checked(page), **changes}
    return browser.post("/checkout/", data)


def place_through_the_api(user, **asked):
    app, headers = through_the_api(user)
    token = post(app, "/api/v1/checkout/quote/", asked, **headers).json()["review_token"]
    body = {"payment_method": "cod", "review_token": token, **asked}
    return post(app, "/api/v1/checkout/", body, **headers, **{"Idempotency-Key": str(uuid.uuid4())})


@pytest.mark.parametrize(
    ("stock", "code", "said"),
    [
        (1, "not_enough_stock", "Only 1 left of Kiondo basket — Red (you asked for 2)."),
        (0, "out_of_stock", "Sold out: Kiondo basket — Red."),
    ],
)
def test_stock_that_ran_out_before_placing_places_nothing_for_the_same_reason(basket, kikoi, stock, code, said):  # noqa: F811
    page_buyer, app_buyer = shopper((basket, 2), (kikoi, 1)), shopper((basket, 2), (kikoi, 1))
    Variant.objects.filter(pk=basket.pk).update(stock=stock)

    page = place_on_the_page(page_buyer)
    api = place_through_the_api(app_buyer)

    form = page.context["form"]
    assert page.status_code == 422 and (form.placement_problems, form.placement_code) == ([said], code)
    assert api.status_code == 409 and (api.json()["problems"], api.json()["code"]) == ([said], code)
    assert not Checkout.objects.exists() and Variant.objects.get(pk=basket.pk).stock == stock


# Promo codes -------------------------------------------------------------------------------------


def promo(text: str, **fields) -> PromoCode:
    values = {
        "kind": "percent",
        "amount": Decimal("10"),
        "currency": "KES",
        "starts_at": timezone.now() - timedelta(days=2),
    } | fields
    return PromoCode.objects.create(code=text, **values)


CODES = [
    ("NOSUCH", {}, "promo_unknown", "There is no promo code “NOSUCH”. Check how it is spelt."),
    ("OLD10", {"ends_at": timezone.now() - timedelta(days=1)}, "promo_expired", "The code OLD10 has expired."),
    (
        "BIG10",
        {"min_order": Decimal("10000")},
        "promo_minimum_not_met",
        "The code BIG10 needs items of at least KES 10,000; yours come to KES 3,251.",
    ),
]


@pytest.mark.parametrize(("text", "fields", "code", "said"), CODES, ids=[row[2] for row in CODES])
def test_a_code_that_does_not_apply_is_explained_alike_at_the_review(basket, kikoi, text, fields, code, said):  # noqa: F811
    if fields:
        promo(text, **fields)
    page_buyer, app_buyer = shopper((basket, 2), (kikoi, 1)), shopper((basket, 2), (kikoi, 1))

    preview = on_the_page(page_buyer).get(f"/checkout/?promo_code={text}").context["preview"]
    app, headers = through_the_api(app_buyer)
    quote = post(app, "/api/v1/checkout/quote/", {"promo_code": text}, **headers).json()

    assert (preview.promo_problem_code, preview.promo_problem) == (code, said)
    assert quote["promo_problem"] == {"code": code, "detail": said}
    assert quote["code_discount"] == "0.00" and preview.code_discount == 0
    assert quote["total"] == str(preview.total)


@pytest.mark.parametrize(("text", "fields", "code", "said"), CODES, ids=[row[2] for row in CODES])
def test_a_code_that_does_not_apply_places_nothing_alike(basket, kikoi, text, fields, code, said):  # noqa: F811
    if fields:
        promo(text, **fields)
    page_buyer, app_buyer = shopper((basket, 2), (kikoi, 1)), shopper((basket, 2), (kikoi, 1))

    page = place_on_the_page(page_buyer, promo_code=text)
    api = place_through_the_api(app_buyer, promo_code=text)

    form = page.context["form"]
    assert page.status_code == 422 and (form.placement_problems, form.placement_code) == ([said], code)
    assert api.status_code == 409 and (api.json()["detail"], api.json()["code"]) == (said, code)
    assert not Checkout.objects.exists()
    assert lines_of(page_buyer) == lines_of(app_buyer) == [(basket.pk, 2), (kikoi.pk, 1)]
