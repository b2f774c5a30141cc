"""A photo's GPS position is offered to its seller as the store's map pin, never shown
to shoppers, and only the store's own photos can be used."""

from decimal import Decimal

import pytest

from tests.factories import StoreFactory
from tests.factories.catalog import ProductFactory, ProductImageFactory, ReadyImageFactory

pytestmark = pytest.mark.django_db

WESTLANDS = (Decimal("-1.267500"), Decimal("36.807100"))


@pytest.fixture
def store():
    return StoreFactory(latitude=None, longitude=None)


@pytest.fixture
def owner_client(client, store):
    client.force_login(store.memberships.get().user)
    return client


def photo_taken_at(store, position):
    image = ReadyImageFactory(gps_latitude=position[0], gps_longitude=position[1])
    ProductImageFactory(product=ProductFactory(store=store), image=image)
    return image


def test_seller_is_offered_the_photo_position_and_pins_the_store_there(owner_client, store):
    image = photo_taken_at(store, WESTLANDS)

    dashboard = owner_client.get("/dashboard/").content.decode()
    assert 'data-testid="photo-location"' in dashboard and "-1.2675, 36.8071" in dashboard

    response = owner_client.post("/dashboard/settings/location-from-photo/", {"image": image.pk})

    assert response.status_code == 302
    store.refresh_from_db()
    assert (store.latitude, store.longitude) == WESTLANDS
    assert 'data-testid="photo-location"' not in owner_client.get("/dashboard/").content.decode()


def test_another_stores_photo_cannot_be_used(owner_client, store):
    foreign = photo_taken_at(StoreFactory(), WESTLANDS)

    response = owner_client.post("/dashboard/settings/location-from-photo/", {"image": foreign.pk})

    assert response.status_code == 404
    store.refresh_from_db()
    assert store.latitude is None


def test_shoppers_never_see_where_a_photo_was_taken(client, store):
    product = ProductFactory(store=store)
    ProductImageFactory(product=product, image=ReadyImageFactory(gps_latitude=WESTLANDS[0], gps_longitude=WESTLANDS[1]))

    for url in (f"/p/{product.slug}/", f"/s/{store.slug}/", "/search/?q=" + product.title.split()[0]):
        page = client.get(url).content.decode()
        assert "1.2675" not in page and "36.807" not in page, url
