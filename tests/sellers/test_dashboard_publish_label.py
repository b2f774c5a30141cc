"""The product form's button says what saving will do: a verified store's listing goes
live at once ("Publish"), anyone else's goes to staff ("Submit for review")."""

import pytest
from django.urls import reverse

from shop.catalog.models import Product
from tests.factories import StoreFactory
from tests.factories.catalog import CategoryFactory, ProductFactory
from tests.sellers.test_products_form import product_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def verified_store(settings):
    settings.SOKO_AUTO_APPROVE_VERIFIED_STORES = True
    return StoreFactory(name="Kaloum Électronique", verified=True)


def publish_button(page: str) -> str:
    start = page.index('data-testid="publish"')
    return page[start : page.index("</button>", start)]


def test_verified_store_is_offered_publish_and_its_listing_goes_live(client, verified_store):
    client.force_login(verified_store.memberships.get().user)

    page = client.get(reverse("sellers:product_create")).content.decode()
    assert "Publish" in publish_button(page)
    assert "Submit for review" not in page

    client.post(
        reverse("sellers:product_create"),
        product_data(category=CategoryFactory(), variants=[{"name": "One", "price": "50", "stock": "1"}]),
    )
    assert Product.objects.get(store=verified_store).status == Product.Status.ACTIVE


def test_unverified_store_is_offered_submit_for_review_and_its_listing_waits(client, settings):
    settings.SOKO_AUTO_APPROVE_VERIFIED_STORES = True
    store = StoreFactory()
    client.force_login(store.memberships.get().user)

    page = client.get(reverse("sellers:product_create")).content.decode()
    assert "Submit for review" in publish_button(page)

    client.post(
        reverse("sellers:product_create"),
        product_data(category=CategoryFactory(), variants=[{"name": "One", "price": "50", "stock": "1"}]),
    )
    assert Product.objects.get(store=store).status == Product.Status.PENDING


def test_verified_store_reviews_everything_when_the_operator_turns_auto_approval_off(client, verified_store, settings):
    settings.SOKO_AUTO_APPROVE_VERIFIED_STORES = False
    client.force_login(verified_store.memberships.get().user)

    page = client.get(reverse("sellers:product_create")).content.decode()

    assert "Submit for review" in publish_button(page)


def test_verified_stores_draft_says_publish_it_when_ready(client, verified_store):
    draft = ProductFactory(store=verified_store, draft=True)
    client.force_login(verified_store.memberships.get().user)

    page = client.get(reverse("sellers:product_edit", args=[draft.pk])).content.decode()

    assert "A draft: only you can see it. Publish it when it is ready." in page
    assert "Publish" in publish_button(page)
