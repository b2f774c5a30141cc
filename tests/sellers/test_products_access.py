"""A seller only ever sees and touches their own store's products."""

import pytest

from shop.catalog.models import Product
from tests.factories import StoreFactory, UserFactory
from tests.factories.catalog import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine():
    return ProductFactory(title="My kikoi", store=StoreFactory(name="Mine"))


@pytest.fixture
def theirs():
    return ProductFactory(title="Their basket", store=StoreFactory(name="Theirs"), status=Product.Status.ACTIVE)


@pytest.fixture
def seller_client(client, mine):
    client.force_login(mine.store.memberships.get().user)
    return client


def test_buyer_opening_the_products_dashboard_gets_the_403_page(client):
    client.force_login(UserFactory())

    response = client.get("/dashboard/products/")

    assert response.status_code == 403
    assert "Open a store to start selling." in response.content.decode()


@pytest.mark.parametrize("path", ["/dashboard/products/", "/dashboard/products/new/", "/dashboard/products/1/"])
def test_anonymous_visitor_is_sent_to_log_in(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_product_list_shows_only_the_sellers_own_products(seller_client, mine, theirs):
    page = seller_client.get("/dashboard/products/").content.decode()

    assert "My kikoi" in page
    assert "Their basket" not in page


def test_opening_another_stores_product_is_a_404(seller_client, theirs):
    assert seller_client.get(f"/dashboard/products/{theirs.pk}/").status_code == 404


def test_posting_an_edit_to_another_stores_product_is_a_404_and_changes_nothing(seller_client, theirs):
    response = seller_client.post(f"/dashboard/products/{theirs.pk}/", {"title": "Hijacked", "publish": "0"})

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert (theirs.title, theirs.status) == ("Their basket", Product.Status.ACTIVE)


def test_duplicating_another_stores_product_is_a_404_and_copies_nothing(seller_client, theirs):
    response = seller_client.post(f"/dashboard/products/{theirs.pk}/duplicate/")

    assert response.status_code == 404
    assert Product.objects.count() == 2


@pytest.mark.parametrize("action", ["archive", "delete"])
def test_bulk_action_with_a_foreign_id_is_a_404_and_changes_nothing(seller_client, mine, theirs, action):
    mine.status = Product.Status.ACTIVE
    mine.save()

    response = seller_client.post("/dashboard/products/bulk/", {"ids": [mine.pk, theirs.pk], "action": action, "confirm": "1"})

    assert response.status_code == 404
    assert set(Product.objects.values_list("status", flat=True)) == {Product.Status.ACTIVE}
    assert Product.objects.count() == 2


def test_staff_member_of_a_store_manages_its_products(client, mine):
    from sellers.models import StoreMember

    staff = UserFactory()
    StoreMember.objects.create(store=mine.store, user=staff, role=StoreMember.Role.STAFF)
    client.force_login(staff)

    assert client.get(f"/dashboard/products/{mine.pk}/").status_code == 200


def test_duplicate_only_answers_post(seller_client, mine):
    assert seller_client.get(f"/dashboard/products/{mine.pk}/duplicate/").status_code == 405
    assert Product.objects.count() == 1
