"""The address book: add, edit, delete, one default, cascading area selects, a map pin,
and nobody else's addresses on any URL."""

from decimal import Decimal

import pytest

from shop.accounts.models import Address
from tests.factories import UserFactory
from tests.factories.addresses import AddressFactory, westlands
from tests.geo.factories import AreaFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def shopper(client):
    user = UserFactory()
    client.force_login(user)
    return user


def address_data(area=None, **changes) -> dict:
    area = area or westlands()
    district = area.parent
    data = {
        "label": "Home",
        "recipient": "Amina Njeri",
        "phone": "+254 712 345 678",
        "country": district.parent.parent.pk,
        "region": district.parent.pk,
        "district": district.pk,
        "neighbourhood": area.pk,
        "street": "Muthithi Rd, Apple Court flat 4",
        "latitude": "",
        "longitude": "",
    }
    data.update(changes)
    return data


def test_the_address_book_needs_an_account(client):
    response = client.get("/accounts/addresses/")

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_first_address_added_becomes_the_default(client, shopper):
    response = client.post("/accounts/addresses/new/", address_data(latitude="-1.2676123", longitude="36.81"))

    assert response.status_code == 302 and response["Location"] == "/accounts/addresses/"
    address = Address.objects.get(user=shopper)
    assert address.is_default and address.area == westlands()
    assert address.latitude == Decimal("-1.267612") and address.longitude == Decimal("36.810000")
    page = client.get("/accounts/addresses/").content.decode()
    assert "Muthithi Rd" in page and "Westlands, Nairobi, Nairobi, Kenya" in page


def test_the_form_offers_a_map_pin_and_use_my_location(client, shopper):
    page = client.get("/accounts/addresses/new/").content.decode()

    assert "data-address-map" in page and "Use my location" in page
    assert 'name="latitude"' in page and 'name="longitude"' in page
    assert 'hx-get="/accounts/addresses/areas/"' in page and 'hx-target="#id_region"' in page


def test_the_area_selects_cascade_with_htmx(client, shopper):
    area = westlands()
    county = area.parent.parent

    response = client.get(f"/accounts/addresses/areas/?region={county.pk}", headers=HTMX)

    body = response.content.decode()
    assert f'<option value="{area.parent.pk}">Nairobi</option>' in body
    assert '<select id="id_neighbourhood" hx-swap-oob="innerHTML">' in body


def test_an_area_that_has_places_below_it_needs_one_of_them(client, shopper):
    response = client.post("/accounts/addresses/new/", address_data(neighbourhood=""))

    assert response.status_code == 422
    assert "Choose a neighbourhood in Nairobi." in response.content.decode()
    assert not Address.objects.exists()


def test_a_neighbourhood_of_another_district_is_refused(client, shopper):
    elsewhere = AreaFactory(name="Kaloum", parent=AreaFactory(name="Conakry", parent=AreaFactory(name="Guinea", code="GN")))

    response = client.post("/accounts/addresses/new/", address_data(neighbourhood=elsewhere.pk))

    assert "Choose a neighbourhood in the area above" in response.content.decode()
    assert not Address.objects.exists()


def test_half_a_map_pin_is_refused(client, shopper):
    response = client.post("/accounts/addresses/new/", address_data(latitude="-1.26"))

    assert "Give both latitude and longitude, or neither." in response.content.decode()


def test_making_another_address_the_default_leaves_exactly_one(client, shopper):
    home = AddressFactory(user=shopper)
    work = AddressFactory(user=shopper, label="Work")
    assert home.is_default and not work.is_default

    response = client.post(f"/accounts/addresses/{work.pk}/default/")

    assert response.status_code == 302
    assert list(Address.objects.filter(user=shopper, is_default=True)) == [work]


def test_adding_an_address_as_default_moves_the_default(client, shopper):
    home = AddressFactory(user=shopper)

    client.post("/accounts/addresses/new/", address_data(label="Mum's place", make_default="on"))

    home.refresh_from_db()
    assert not home.is_default
    assert Address.objects.get(user=shopper, is_default=True).label == "Mum's place"


def test_editing_an_address(client, shopper):
    home = AddressFactory(user=shopper)
    page = client.get(f"/accounts/addresses/{home.pk}/edit/").content.decode()
    assert "Muthithi Rd" in page and "This is your default address." in page

    client.post(f"/accounts/addresses/{home.pk}/edit/", address_data(street="Riverside Drive 12"))

    home.refresh_from_db()
    assert home.street == "Riverside Drive 12" and home.is_default


def test_deleting_the_default_hands_it_to_another_address(client, shopper):
    home = AddressFactory(user=shopper)
    work = AddressFactory(user=shopper, label="Work")

    client.post(f"/accounts/addresses/{home.pk}/delete/")

    assert list(Address.objects.filter(user=shopper)) == [work]
    work.refresh_from_db()
    assert work.is_default


def test_saving_returns_to_the_checkout_when_it_came_from_there(client, shopper):
    response = client.post("/accounts/addresses/new/?next=/checkout/", address_data(next="/checkout/"))

    assert response["Location"] == "/checkout/"


def test_an_outside_next_is_ignored(client, shopper):
    response = client.post("/accounts/addresses/new/", address_data(next="https://evil.example/"))

    assert response["Location"] == "/accounts/addresses/"


@pytest.mark.parametrize(
    "method, url",
    [
        ("get", "/accounts/addresses/{pk}/edit/"),
        ("post", "/accounts/addresses/{pk}/edit/"),
        ("post", "/accounts/addresses/{pk}/delete/"),
        ("post", "/accounts/addresses/{pk}/default/"),
    ],
)
def test_another_users_address_is_not_found_on_every_url(client, shopper, method, url):
    theirs = AddressFactory(user=UserFactory(), street="Their street")

    response = getattr(client, method)(url.format(pk=theirs.pk), address_data(street="Hijacked"))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.street == "Their street" and theirs.is_default


def test_the_list_shows_only_my_addresses(client, shopper):
    AddressFactory(user=shopper, street="My street")
    AddressFactory(user=UserFactory(), street="Their street")

    page = client.get("/accounts/addresses/").content.decode()

    assert "My street" in page and "Their street" not in page
