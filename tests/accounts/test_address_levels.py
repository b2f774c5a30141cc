"""An address goes down the area tree as far as it goes: every level looks required (its
asterisk), the browser is told ``required`` only where it can know the level's options,
and one refusal names every level still missing that can be known, in the address book
and in the checkout's new address alike. A store's area may stop at any level."""

import pytest

from sellers.forms import StoreSettingsForm
from shop.accounts.models import Address
from shop.cart.models import Cart
from shop.cart.services import cart_add
from shop.geo.forms import AREA_FIELD_NAMES
from tests.factories import StoreFactory, UserFactory
from tests.factories.addresses import AddressFactory, westlands
from tests.factories.catalog import ProductFactory
from tests.geo.factories import AreaFactory
from tests.html import dom

pytestmark = pytest.mark.django_db

ALL_MISSING = "Choose a region in Kenya, then its town or district and its neighbourhood."


@pytest.fixture
def shopper(client):
    user = UserFactory()
    client.force_login(user)
    return user


@pytest.fixture
def places():
    area = westlands()
    return {"neighbourhood": area, "district": area.parent, "region": area.parent.parent, "country": area.parent.parent.parent}


def typed(places, down_to: str, **changes) -> dict:
    """The address form typed with its area chosen down to the level ``down_to``."""
    depth = AREA_FIELD_NAMES.index(down_to) + 1
    data = {"label": "Home", "recipient": "Amina Njeri", "phone": "+254 712 345 678", "street": "Muthithi Rd"}
    data.update({name: places[name].pk if position < depth else "" for position, name in enumerate(AREA_FIELD_NAMES)})
    data.update(latitude="", longitude="", **changes)
    return data


@pytest.mark.parametrize(
    ("down_to", "sentence"),
    [
        ("country", ALL_MISSING),
        ("region", "Choose a town or district in Nairobi, then its neighbourhood."),
        ("district", "Choose a neighbourhood in Nairobi."),
    ],
)
def test_the_address_book_names_every_missing_level_in_one_refusal(client, shopper, places, down_to, sentence):
    response = client.post("/accounts/addresses/new/", typed(places, down_to))

    assert response.status_code == 422
    page = response.content.decode()
    assert page.count(sentence) == 1, page[:3000]
    for other in ("Choose a town or district in", "Choose a neighbourhood in", "Choose a region in"):
        assert other not in page.replace(sentence, ""), other
    assert dom(response).one("input[name=recipient]").attr("value") == "Amina Njeri"
    assert not Address.objects.exists()


def test_a_tree_that_stops_early_asks_only_for_the_levels_it_has(client, shopper):
    island = AreaFactory(name="Lamu", parent=AreaFactory(name="Kenya", code="KE"))
    country = island.parent

    refused = client.post(
        "/accounts/addresses/new/",
        {"label": "Home", "recipient": "A", "phone": "+254 712 000 000", "street": "S", "country": country.pk},
    )
    assert refused.status_code == 422
    assert "Choose a region in Kenya." in refused.content.decode()

    saved = client.post(
        "/accounts/addresses/new/",
        {"label": "Home", "recipient": "A", "phone": "+254 712 000 000", "street": "S", "country": country.pk, "region": island.pk},
    )
    assert saved.status_code == 302
    assert Address.objects.get().area == island


def asterisked(response) -> dict[str, bool]:
    html = dom(response)
    return {name: html.one(f"label[for=id_{name}]").has(".asteriskField") for name in AREA_FIELD_NAMES}


def required_attribute(response) -> dict[str, bool]:
    html = dom(response)
    return {name: html.one(f"select#id_{name}").attr("required") is not None for name in AREA_FIELD_NAMES}


def test_every_level_looks_required_and_the_browser_is_told_only_what_it_can_know(client, shopper, places):
    empty = client.get("/accounts/addresses/new/")
    assert asterisked(empty) == dict.fromkeys(AREA_FIELD_NAMES, True)
    # The regions are known once a country is chosen, after this page: only the country is required here.
    assert required_attribute(empty) == {"country": True, "region": False, "district": False, "neighbourhood": False}

    address = AddressFactory(user=shopper, area=places["neighbourhood"])
    edited = client.get(f"/accounts/addresses/{address.pk}/edit/")
    assert asterisked(edited) == dict.fromkeys(AREA_FIELD_NAMES, True)
    assert required_attribute(edited) == dict.fromkeys(AREA_FIELD_NAMES, True)


def test_a_level_under_a_place_with_nothing_below_is_not_marked_required(client, shopper):
    island = AreaFactory(name="Lamu", parent=AreaFactory(name="Kenya", code="KE"))
    AddressFactory(user=shopper, area=island)

    page = client.get(f"/accounts/addresses/{Address.objects.get().pk}/edit/")

    assert asterisked(page) == {"country": True, "region": True, "district": False, "neighbourhood": False}


def test_a_store_area_may_stop_at_any_level(places):
    store = StoreFactory(area=places["region"])

    form = StoreSettingsForm(instance=store)

    assert [form.fields[name].required for name in AREA_FIELD_NAMES] == [True, False, False, False]


@pytest.fixture
def checkout_shopper(client, places):
    user = UserFactory()
    product = ProductFactory(store=StoreFactory(), variants=[{"name": "One", "price": "500", "stock": 5}])
    cart_add(cart=Cart.objects.create(user=user), variant=product.variants.get(), quantity=1)
    client.force_login(user)
    return user


def test_the_checkout_names_every_missing_level_of_a_new_address_in_one_refusal(client, checkout_shopper, places):
    page = client.get("/checkout/")
    # Inline, the fields hide while a saved address is chosen: asterisks, no ``required``.
    assert asterisked(page) == dict.fromkeys(AREA_FIELD_NAMES, True)
    assert required_attribute(page) == dict.fromkeys(AREA_FIELD_NAMES, False)
    form = {
        "idempotency_key": dom(page).one("input[name=idempotency_key]").attr("value"),
        "currency": "KES",
        "address": "new",
        "payment_method": "cod",
        **typed(places, "country"),
    }

    response = client.post("/checkout/", form)

    assert response.status_code == 422
    text = response.content.decode()
    assert ALL_MISSING in text
    assert "Choose a town or district in" not in text and "Choose a neighbourhood in" not in text
    summary = dom(response).one("[data-testid=checkout-errors]").text
    assert summary.count("Choose a region in Kenya") == 1
    assert dom(response).one("input[name=street]").attr("value") == "Muthithi Rd"
