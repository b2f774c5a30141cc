"""Favourites through the API are the favourites page's: a toggle the heart also makes, a
list the page also shows, and a listing shoppers may not see is a 404."""

import pytest

from shop.catalog.models import Product
from tests.factories import StoreFactory
from tests.factories.catalog import ProductFactory

from .conftest import bearer, post, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def headers(client, person):
    return bearer(sign_in(client, person)["access_token"])


def test_a_heart_on_the_page_shows_in_the_api_and_the_api_toggle_on_the_page(client, person, headers):
    basket, mat = ProductFactory(title="Kiondo basket"), ProductFactory(title="Sisal mat")
    client.force_login(person)
    client.post("/favorites/toggle/", {"product": basket.pk})

    listed = client.get("/api/v1/favorites/", headers=headers)
    toggled = post(client, f"/api/v1/favorites/products/{mat.slug}/toggle/", {}, **headers)
    page = client.get("/favorites/").content.decode()

    assert [item["slug"] for item in listed.json()["products"]] == [basket.slug]
    assert toggled.json() == {"favorite": True}
    assert "Sisal mat" in page and "Kiondo basket" in page


def test_toggle_twice_and_check_a_store(client, headers):
    StoreFactory(slug="mama-njeri")

    on = post(client, "/api/v1/favorites/stores/mama-njeri/toggle/", {}, **headers)
    checked_on = client.get("/api/v1/favorites/stores/mama-njeri/", headers=headers)
    off = post(client, "/api/v1/favorites/stores/mama-njeri/toggle/", {}, **headers)
    checked_off = client.get("/api/v1/favorites/stores/mama-njeri/", headers=headers)

    assert (on.json(), checked_on.json(), off.json(), checked_off.json()) == (
        {"favorite": True}, {"favorite": True}, {"favorite": False}, {"favorite": False}
    )


def test_a_hidden_listing_cannot_be_a_favourite(client, headers):
    hidden = ProductFactory(status=Product.Status.HIDDEN)

    answers = [
        post(client, f"/api/v1/favorites/products/{hidden.slug}/toggle/", {}, **headers),
        client.get(f"/api/v1/favorites/products/{hidden.slug}/", headers=headers),
    ]

    assert [answer.status_code for answer in answers] == [404, 404]


def test_favourites_need_a_signed_in_shopper(client):
    assert client.get("/api/v1/favorites/").status_code == 401
