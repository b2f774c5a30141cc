"""A new seller opens a store with as little typing as possible: the web address is made
from the store's name when left empty, is always free, and the page says what it is."""

import pytest
from django.urls import reverse

from sellers.models import Store
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

SETUP_URL = "/dashboard/setup/"


def setup_data(**fields) -> dict:
    return {"name": "Mama Njeri Crafts", "slug": "", "phone": "+254 712 345 678", "area": "Westlands, Nairobi"} | fields


@pytest.fixture
def new_seller(client, user):
    client.force_login(user)
    return client


def test_web_address_left_empty_is_made_from_the_store_name(new_seller, user):
    response = new_seller.post(SETUP_URL, setup_data(name="Kaloum Électronique & Fils"))

    assert response.status_code == 302
    store = Store.objects.get(memberships__user=user)
    assert store.slug == "kaloum-electronique-fils"


def test_a_made_web_address_never_clashes_with_another_store_or_a_reserved_one(client, user):
    StoreFactory(slug="mama-njeri-crafts")
    StoreFactory(slug="mama-njeri-crafts-2")
    client.force_login(user)

    client.post(SETUP_URL, setup_data())
    assert Store.objects.get(memberships__user=user).slug == "mama-njeri-crafts-3"

    other = StoreFactory().memberships.get().user
    other.store_memberships.all().delete()
    client.force_login(other)
    client.post(SETUP_URL, setup_data(name="Soko"))
    assert Store.objects.get(memberships__user=other).slug == "soko-2"


def test_a_name_without_latin_letters_still_gets_an_address(new_seller, user):
    new_seller.post(SETUP_URL, setup_data(name="دکان"))

    assert Store.objects.get(memberships__user=user).slug == "store"


def test_a_typed_web_address_is_kept(new_seller, user):
    new_seller.post(SETUP_URL, setup_data(slug="Njeri Baskets"))

    assert Store.objects.get(memberships__user=user).slug == "njeri-baskets"


def test_only_the_missing_fields_are_marked_required(new_seller):
    response = new_seller.post(SETUP_URL, setup_data(slug="", phone="", area=""))

    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"phone", "area"}
    assert form["name"].value() == "Mama Njeri Crafts"
    assert not Store.objects.exists()


def test_the_address_field_is_called_the_stores_web_address_with_the_full_url(new_seller):
    page = new_seller.get(SETUP_URL).content.decode()

    assert "Web address" in page
    assert "Store address" not in page
    assert 'data-prefix="http://testserver/s/"' in page
    assert "Your store's page: " in page


def test_a_refused_address_shows_the_full_url_the_seller_typed(new_seller):
    StoreFactory(slug="mama-njeri-crafts")

    response = new_seller.post(SETUP_URL, setup_data(slug="mama-njeri-crafts"))

    page = response.content.decode()
    assert "http://testserver/s/<strong>mama-njeri-crafts</strong>/" in page
    assert "A store already uses that web address; mama-njeri-crafts-2 is free, or choose another." in page


def test_the_overview_shows_the_stores_full_web_address(client):
    store = StoreFactory(slug="mama-njeri-crafts")
    client.force_login(store.memberships.get().user)

    page = client.get(reverse("sellers:dashboard")).content.decode()

    assert "Web address" in page
    assert 'data-testid="store-web-address">http://testserver/s/mama-njeri-crafts/</a>' in page


@pytest.mark.parametrize(
    "who, expected",
    [("visitor", "/accounts/signup/?intent=sell"), ("shopper", "/dashboard/setup/"), ("seller", "/dashboard/")],
)
def test_sell_on_soko_in_the_footer_leads_each_person_somewhere_useful(client, user, seller, who, expected):
    if who != "visitor":
        client.force_login(seller if who == "seller" else user)

    page = client.get("/").content.decode()

    assert f'<a href="{expected}" class="link-secondary" data-testid="sell-on-soko">Sell on Soko</a>' in page
    if who == "shopper":
        # and the set-up page opens for them (a sign-up page would send a logged-in person home)
        assert client.get(expected).status_code == 200
    if who == "visitor":
        # the sign-up form then starts with "Sell" chosen
        assert client.get(expected).context["form"]["intent"].value() == "sell"


def test_store_settings_show_the_web_address_in_full_too(client):
    store = StoreFactory(slug="mama-njeri-crafts")
    client.force_login(store.memberships.get().user)

    page = client.get(reverse("sellers:settings")).content.decode()

    assert "Web address" in page and "Store address" not in page
    assert "Your store's page: " in page
    assert "http://testserver/s/<strong>mama-njeri-crafts</strong>/" in page
