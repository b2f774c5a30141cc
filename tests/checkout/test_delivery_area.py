"""Home delivery goes only where the store delivers: a local store within its town or city
(Conakry as a whole), a national one within its country, an international one anywhere.
The checkout says why home delivery is missing, and refuses a forged form with the same reason."""

import re
import uuid
from decimal import Decimal

import pytest

from shop.accounts.models import Address
from shop.cart.models import Cart
from shop.cart.services import cart_add
from shop.geo.models import Area
from shop.geo.services import areas_load
from shop.orders.models import Order
from shop.orders.services.checkout import CheckoutError, DeliveryAddress, checkout_place
from tests.factories import StoreFactory, UserFactory
from tests.factories.catalog import ProductFactory

from .conftest import details_for

pytestmark = pytest.mark.django_db

REASON = "\u2068Kaloum Électronique\u2069 delivers only within Conakry."


def place_named(*names) -> Area:
    area = Area.objects.get(name=names[0], parent__isnull=True)
    for name in names[1:]:
        area = area.children.get(name=name)
    return area


@pytest.fixture
def areas():
    areas_load(country_codes=["GN", "KE"])


@pytest.fixture
def kaloum_store(areas):
    # A shop in Almamya (Kaloum, Conakry) that delivers locally.
    return StoreFactory(
        name="Kaloum Électronique",
        slug="kaloum-electronique",
        delivers_local=True,
        area=place_named("Guinea", "Conakry", "Kaloum", "Almamya"),
    )


@pytest.fixture
def radio(kaloum_store):
    product = ProductFactory(title="Radio FM", store=kaloum_store, variants=[{"name": "", "price": Decimal("350"), "stock": 5}])
    return product.variants.get()


def shopper_at(*names, radio):
    user = UserFactory()
    Address.objects.create(
        user=user, label="Home", recipient="Fatou Camara", phone="+224 622 00 00 00",
        area=place_named(*names), street="Rue KA-020", is_default=True,
    )
    cart = Cart.objects.create(user=user)
    cart_add(cart=cart, variant=radio, quantity=1)
    return user, cart


def delivery_radios(page: str, store) -> list[str]:
    return re.findall(rf'name="delivery_{store.pk}" value="(\w+)"', page)


def test_a_nairobi_address_gets_no_home_delivery_from_a_conakry_store_and_is_told_why(client, kaloum_store, radio):
    buyer, _cart = shopper_at("Kenya", "Nairobi", "Nairobi", "Westlands", radio=radio)
    client.force_login(buyer)

    page = client.get("/checkout/").content.decode()

    assert delivery_radios(page, kaloum_store) == ["pickup"]
    assert 'data-testid="no-home-delivery"' in page and REASON in page


def test_a_forged_home_delivery_to_nairobi_is_refused_with_the_reason(client, kaloum_store, radio):
    buyer, _cart = shopper_at("Kenya", "Nairobi", "Nairobi", "Westlands", radio=radio)
    client.force_login(buyer)
    page = client.get("/checkout/").content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f-]+)"', page).group(1)

    response = client.post(
        "/checkout/",
        {
            "idempotency_key": key,
            "address": str(buyer.addresses.get().pk),
            "payment_method": "cod",
            f"delivery_{kaloum_store.pk}": "delivery",
            "instructions": "",
        },
    )

    assert response.status_code == 422
    assert REASON in response.content.decode()
    assert not Order.objects.filter(buyer=buyer).exists()


def test_checkout_place_refuses_home_delivery_out_of_the_stores_area(kaloum_store, radio):
    buyer, cart = shopper_at("Kenya", "Nairobi", "Nairobi", "Westlands", radio=radio)
    details = details_for(buyer, delivery_modes={kaloum_store.pk: Order.DeliveryMode.DELIVERY})

    with pytest.raises(CheckoutError) as refused:
        checkout_place(buyer=buyer, cart=cart, details=details, idempotency_key=uuid.uuid4())

    assert refused.value.problems == [f"{REASON} Choose pick-up at the store, or another address."]
    assert not Order.objects.filter(buyer=buyer).exists()
    assert cart.items.count() == 1


def test_another_conakry_commune_gets_home_delivery(client, kaloum_store, radio):
    buyer, cart = shopper_at("Guinea", "Conakry", "Ratoma", radio=radio)
    client.force_login(buyer)
    page = client.get("/checkout/").content.decode()
    assert delivery_radios(page, kaloum_store) == ["delivery", "pickup"]
    assert 'data-testid="no-home-delivery"' not in page

    details = details_for(buyer, delivery_modes={kaloum_store.pk: Order.DeliveryMode.DELIVERY})
    checkout = checkout_place(buyer=buyer, cart=cart, details=details, idempotency_key=uuid.uuid4())
    assert checkout.orders.get().delivery_mode == Order.DeliveryMode.DELIVERY


def test_a_national_store_delivers_across_guinea_but_not_to_kenya(kaloum_store, radio):
    kaloum_store.delivers_national = True
    kaloum_store.save()
    kankan_buyer, kankan_cart = shopper_at("Guinea", "Kankan", "Siguiri", radio=radio)
    details = details_for(kankan_buyer, delivery_modes={kaloum_store.pk: Order.DeliveryMode.DELIVERY})
    assert checkout_place(buyer=kankan_buyer, cart=kankan_cart, details=details, idempotency_key=uuid.uuid4())

    nairobi_buyer, nairobi_cart = shopper_at("Kenya", "Nairobi", "Nairobi", "Kilimani", radio=radio)
    details = details_for(nairobi_buyer, delivery_modes={kaloum_store.pk: Order.DeliveryMode.DELIVERY})
    with pytest.raises(CheckoutError, match="\u2068Kaloum Électronique\u2069 delivers only within Guinea."):
        checkout_place(buyer=nairobi_buyer, cart=nairobi_cart, details=details, idempotency_key=uuid.uuid4())


def test_an_international_store_delivers_anywhere(kaloum_store, radio):
    kaloum_store.delivers_international = True
    kaloum_store.save()
    buyer, cart = shopper_at("Kenya", "Nairobi", "Nairobi", "Westlands", radio=radio)
    details = details_for(buyer, delivery_modes={kaloum_store.pk: Order.DeliveryMode.DELIVERY})
    checkout = checkout_place(buyer=buyer, cart=cart, details=details, idempotency_key=uuid.uuid4())
    assert checkout.orders.get().delivery_fee > 0


def test_an_address_without_an_area_gets_no_home_delivery(kaloum_store, radio):
    buyer, cart = shopper_at("Guinea", "Conakry", "Ratoma", radio=radio)
    address = buyer.addresses.get()
    details = details_for(
        buyer,
        address=DeliveryAddress(recipient=address.recipient, phone=address.phone, street=address.street, area=None),
        delivery_modes={kaloum_store.pk: Order.DeliveryMode.DELIVERY},
    )
    with pytest.raises(CheckoutError, match="Choose an address with its area"):
        checkout_place(buyer=buyer, cart=cart, details=details, idempotency_key=uuid.uuid4())


def test_changing_the_address_updates_the_delivery_options_in_place(client, kaloum_store, radio):
    buyer, _cart = shopper_at("Guinea", "Conakry", "Ratoma", radio=radio)
    nairobi = Address.objects.create(
        user=buyer, label="Office", recipient="Fatou Camara", phone="+254 712 000 111",
        area=place_named("Kenya", "Nairobi", "Nairobi", "Westlands"), street="Waiyaki Way",
    )
    client.force_login(buyer)

    response = client.get(
        "/checkout/", {"address": str(nairobi.pk)}, headers={"HX-Request": "true", "HX-Target": "delivery-options"}
    )

    page = response.content.decode()
    assert 'id="delivery-options"' in page and 'id="review"' in page
    assert delivery_radios(page, kaloum_store) == ["pickup"] and REASON in page


def checked_delivery(page: str, store) -> str:
    (mode,) = re.findall(rf'<input[^>]*name="delivery_{store.pk}" value="(\w+)"[^>]*checked', page)
    return mode


def test_the_checked_delivery_is_the_one_the_figures_are_for(client, kaloum_store, radio):
    """Every re-render of the review (a delivery choice, the points, a code) sends the
    delivery choices along: the radio left checked is the one whose fee the review shows."""
    buyer, _cart = shopper_at("Guinea", "Conakry", "Ratoma", radio=radio)
    client.force_login(buyer)
    address = str(buyer.addresses.get().pk)

    for asked, fee in (("pickup", "Free"), ("delivery", "KES 200")):
        page = client.get("/checkout/", {"address": address, f"delivery_{kaloum_store.pk}": asked}).content.decode()
        assert checked_delivery(page, kaloum_store) == asked
        assert re.findall(r'data-testid="review-fee">([^<]*)<', page) == [fee]


def test_choosing_another_address_keeps_each_stores_delivery_choice(client, kaloum_store, radio):
    """The address radios send the delivery choices with the inputs of the total: a store's
    delivery stays as chosen wherever the new address still gets it (tests/checkout/test_choices_kept.py)."""
    buyer, _cart = shopper_at("Guinea", "Conakry", "Ratoma", radio=radio)
    client.force_login(buyer)

    page = client.get("/checkout/").content.decode()

    group = page[page.index("data-address-group") :].split(">", 1)[0]
    (included,) = re.findall(r'hx-include="([^"]*)"', group)
    assert "delivery_" in included and "promo_code" in included and "use_points" in included
