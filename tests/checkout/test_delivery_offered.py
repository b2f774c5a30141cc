"""The delivery a checkout offers for an address is what the store can do for that address,
saved or being typed (``store_home_delivery``, one rule), so the page as the buyer sees it
places on the first click; a refusal says each of its sentences once, and a "To pay" that is
not the one the buyer reviewed is named as such."""

import html
import re
from decimal import Decimal

import pytest
from django.test import Client

from shop.accounts.models import Address
from shop.cart.models import Cart
from shop.cart.services import cart_add
from shop.geo.forms import AREA_LEVELS
from shop.geo.selectors.areas import area_path
from shop.geo.selectors.delivery import store_home_delivery
from shop.geo.services import areas_load
from shop.orders.models import Checkout, Order
from tests.factories import StoreFactory, UserFactory
from tests.factories.catalog import ProductFactory
from tests.html import dom

from .test_delivery_area import place_named

pytestmark = pytest.mark.django_db

REASON = "\u2068Kaloum Électronique\u2069 delivers only within Conakry."


@pytest.fixture
def areas():
    areas_load(country_codes=["GN", "KE"])


@pytest.fixture
def kaloum(areas):
    return StoreFactory(
        name="Kaloum Électronique", delivers_local=True, area=place_named("Guinea", "Conakry", "Kaloum", "Almamya")
    )


def radio_of(store, price="1510"):
    return ProductFactory(store=store, variants=[{"name": "", "price": Decimal(price), "stock": 50}]).variants.get()


def shopper_in_ratoma(client, store):
    """A buyer whose default address is in Ratoma (Conakry), with one radio of ``store`` in the cart, logged in."""
    buyer = UserFactory()
    Address.objects.create(
        user=buyer,
        label="Home",
        recipient="F",
        phone="+224 622 00 00 00",
        area=place_named("Guinea", "Conakry", "Ratoma"),
        street="Rue",
        is_default=True,
    )
    cart_add(cart=Cart.objects.create(user=buyer), variant=radio_of(store), quantity=1)
    client.force_login(buyer)
    return buyer


def deepest(area):
    """``area``, or its first descendant at the last level (a typed address goes down as far as the tree does)."""
    while area.children.exists():
        area = area.children.order_by("pk").first()
    return area


def typed_fields(area) -> dict:
    """The new-address fields of the checkout form, typed for ``area``."""
    by_kind = {ancestor.kind: ancestor.pk for ancestor in area_path(area=area)}
    fields = {name: str(by_kind[kind]) for name, kind, _label in AREA_LEVELS if kind in by_kind}
    return {
        "address": "new",
        "label": "Home",
        "recipient": "Fatou Camara",
        "phone": "+224 622 00 00 00",
        "street": "Rue KA-020",
        **fields,
    }


def page_form(page: str) -> dict:
    """What the browser sends for the page as it stands."""
    data = dict(re.findall(r'type="radio" name="(\w+)" value="([\w-]+)"[^>]*checked', page))
    data["idempotency_key"] = re.search(r'name="idempotency_key" value="([0-9a-f-]+)"', page).group(1)
    data["review"] = html.unescape(re.search(r'name="review" value="([^"]*)"', page).group(1))
    data.update(currency="KES", instructions="", promo_code="")
    return data


def delivery_radios(page: str, store) -> list[str]:
    return re.findall(rf'name="delivery_{store.pk}" value="(\w+)"', page)


def page_text(page: str) -> str:
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def to_pay(page: str) -> str:
    return html.unescape(re.search(r'data-testid="review-total">([^<]*)<', page).group(1))


STORES = {
    "local to Conakry": {"delivers_local": True},
    "national (Guinea)": {"delivers_local": False, "delivers_national": True},
    "international": {"delivers_local": False, "delivers_international": True},
    "pick-up only": {"delivers_local": False},
}
PLACES = {
    "Ratoma (Conakry)": ("Guinea", "Conakry", "Ratoma"),
    "Westlands (Nairobi)": ("Kenya", "Nairobi", "Nairobi", "Westlands"),
}


def test_each_address_is_offered_what_the_store_does_there_and_the_page_places_as_shown(kaloum):
    for (scope, flags), (place, names), typed in (
        (store, place, typed) for store in STORES.items() for place in PLACES.items() for typed in (False, True)
    ):
        store = StoreFactory(area=kaloum.area, **flags)
        area = deepest(place_named(*names))
        buyer = UserFactory()
        cart_add(cart=Cart.objects.create(user=buyer), variant=radio_of(store), quantity=1)
        if typed:
            asked = typed_fields(area)
        else:
            saved = Address.objects.create(
                user=buyer,
                label="Home",
                recipient="F",
                phone="+224 622 00 00 00",
                area=area,
                street="Rue",
                is_default=True,
            )
            asked = {"address": str(saved.pk)}
        client = Client()
        client.force_login(buyer)

        page = client.get("/checkout/", asked).content.decode()

        offered = store_home_delivery(store=store, area=area).offered
        case = f"{scope} store, {'typed' if typed else 'saved'} address in {place}"
        assert delivery_radios(page, store) == (["delivery", "pickup"] if offered else ["pickup"]), case
        response = client.post("/checkout/", {**asked, **page_form(page), "payment_method": "cod"})
        assert response.status_code == 302, (case, page_text(response.content.decode())[:600])
        order = Order.objects.get(buyer=buyer)
        assert order.delivery_mode == ("delivery" if offered else "pickup"), case
        assert order.checkout.total == Decimal("1710" if offered else "1510"), case


def test_an_address_being_typed_gets_home_delivery_only_once_its_place_is_one_the_store_delivers_to(client, kaloum):
    buyer = UserFactory()
    cart_add(cart=Cart.objects.create(user=buyer), variant=radio_of(kaloum), quantity=1)
    client.force_login(buyer)
    htmx = {"HX-Request": "true", "HX-Target": "delivery-options"}

    nothing_yet = client.get("/checkout/", {"address": "new"}, headers=htmx).content.decode()
    assert delivery_radios(nothing_yet, kaloum) == ["pickup"] and to_pay(nothing_yet) == "KES 1,510"
    assert "Choose an address with its area to get home delivery from \u2068Kaloum Électronique\u2069." in page_text(nothing_yet)

    nairobi = typed_fields(deepest(place_named("Kenya", "Nairobi", "Nairobi", "Westlands")))
    away = client.get("/checkout/", nairobi, headers=htmx).content.decode()
    assert delivery_radios(away, kaloum) == ["pickup"] and to_pay(away) == "KES 1,510"
    assert page_text(away).count(REASON) == 1

    ratoma = typed_fields(deepest(place_named("Guinea", "Conakry", "Ratoma")))
    near = client.get("/checkout/", ratoma, headers=htmx).content.decode()
    assert delivery_radios(near, kaloum) == ["delivery", "pickup"] and to_pay(near) == "KES 1,710"


def refused_once(response, *sentences: str) -> str:
    """The refused page, each of ``sentences`` on it exactly once in its one error summary, and
    nothing from the messages framework."""
    assert response.status_code == 422
    page = response.content.decode()
    assert len(dom(page).all(".alert-danger")) == 1
    text = page_text(page)
    for sentence in sentences:
        assert text.count(sentence) == 1, (sentence, text.count(sentence), text[:1500])
    assert not list(response.context["messages"])
    return page


def test_a_home_delivery_the_store_does_not_make_is_refused_once_and_the_new_total_is_named(client, kaloum):
    buyer = UserFactory()
    ratoma = Address.objects.create(
        user=buyer,
        label="Home",
        recipient="F",
        phone="+224 622 00 00 00",
        area=place_named("Guinea", "Conakry", "Ratoma"),
        street="Rue",
        is_default=True,
    )
    nairobi = Address.objects.create(
        user=buyer,
        label="Office",
        recipient="F",
        phone="+254 712 000 111",
        area=place_named("Kenya", "Nairobi", "Nairobi", "Westlands"),
        street="Waiyaki Way",
    )
    cart_add(cart=Cart.objects.create(user=buyer), variant=radio_of(kaloum), quantity=1)
    client.force_login(buyer)
    seen = client.get("/checkout/").content.decode()
    assert to_pay(seen) == "KES 1,710"

    # A stale page: home delivery, reviewed at KES 1,710, sent with the Nairobi address.
    data = {**page_form(seen), "address": str(nairobi.pk), "payment_method": "cod"}
    page = refused_once(
        client.post("/checkout/", data),
        REASON,
        "The total is now KES 1,510, not the KES 1,710 you reviewed: check it before you place the order.",
    )
    assert to_pay(page) == "KES 1,510" and delivery_radios(page, kaloum) == ["pickup"]
    assert ratoma.pk

    placed = client.post("/checkout/", {**page_form(page), "payment_method": "cod"})
    assert placed.status_code == 302
    assert Checkout.objects.get(buyer=buyer).total == Decimal("1510")


def test_a_total_that_changed_is_said_once_and_the_page_then_places(client, kaloum, settings):
    shopper_in_ratoma(client, kaloum)
    seen = client.get("/checkout/").content.decode()
    settings.SOKO_DELIVERY_FEES = {**settings.SOKO_DELIVERY_FEES, "KES": Decimal("300")}

    page = refused_once(
        client.post("/checkout/", {**page_form(seen), "payment_method": "cod"}),
        "The total changed to KES 1,810 since you reviewed it: check it and place again.",
    )
    assert "The total is now" not in page_text(page)
    assert client.post("/checkout/", {**page_form(page), "payment_method": "cod"}).status_code == 302


def test_a_promo_code_refused_at_placing_is_said_once(client, kaloum):
    shopper_in_ratoma(client, kaloum)
    seen = client.get("/checkout/", {"promo_code": "NOPE"}).content.decode()
    problem = page_text(re.search(r'data-testid="promo-problem">([^<]*)<', seen).group(1))

    refused_once(client.post("/checkout/", {**page_form(seen), "promo_code": "NOPE", "payment_method": "cod"}), problem)


def test_a_missing_payment_choice_is_said_once(client, kaloum):
    shopper_in_ratoma(client, kaloum)
    seen = client.get("/checkout/").content.decode()
    data = page_form(seen)
    data.pop("payment_method", None)

    refused_once(client.post("/checkout/", data), "Choose how you will pay.")
