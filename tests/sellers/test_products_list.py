"""The seller's product list: status, stock and price at a glance, search, tabs, bulk actions, copies."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shop.catalog.models import Product
from tests.factories import StoreFactory
from tests.factories.catalog import ProductFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/dashboard/products/"


@pytest.fixture
def store():
    return StoreFactory()


def row(page: str, product: Product) -> str:
    start = page.index(f'data-product="{product.pk}"')
    end = page.find("</li>", start)
    return page[start:end]


def test_list_shows_status_price_range_total_stock_and_low_stock(seller_client, store):
    kikoi = ProductFactory(
        store=store, title="Kikoi",
        variants=[
            {"price": Decimal("450"), "stock": 2, "low_stock_threshold": 3},
            {"price": Decimal("600"), "stock": 10},
        ],
    )
    rejected = ProductFactory(store=store, title="Logo mug", status=Product.Status.REJECTED, rejection_reason="Blurry photo.")
    sold_out = ProductFactory(store=store, title="Sold out sandals", variants=[{"stock": 0}])

    page = seller_client.get(LIST_URL).content.decode()

    kikoi_row = row(page, kikoi)
    assert "KES 450 – KES 600" in kikoi_row
    assert "12 in stock" in kikoi_row and "2 variants" in kikoi_row
    assert 'data-testid="low-stock"' in kikoi_row and 'data-status="active"' in kikoi_row
    rejected_row = row(page, rejected)
    assert 'data-status="rejected"' in rejected_row and "Blurry photo." in rejected_row
    assert 'data-testid="out-of-stock"' in row(page, sold_out)
    assert 'data-testid="low-stock"' not in row(page, sold_out)


def test_seller_finds_a_product_by_sku(seller_client, store):
    ProductFactory(store=store, title="Kikoi", variants=[{"sku": "KK-RED-M"}])
    ProductFactory(store=store, title="Basket", variants=[{"sku": "BSK-1"}])

    page = seller_client.get(LIST_URL, {"q": "red-m"}).content.decode()

    assert "Kikoi" in page and "Basket" not in page


def test_search_by_sku_does_not_skew_the_stock_total(seller_client, store):
    product = ProductFactory(store=store, variants=[{"sku": "A-1", "stock": 3}, {"sku": "B-1", "stock": 4}])

    page = seller_client.get(LIST_URL, {"q": "a-1"}).content.decode()

    assert "7 in stock" in row(page, product)


def test_status_tabs_filter_and_count(seller_client, store):
    ProductFactory(store=store, title="Live one")
    ProductFactory(store=store, title="Waiting one", status=Product.Status.PENDING)

    response = seller_client.get(LIST_URL, {"status": "pending"})

    page = response.content.decode()
    assert "Waiting one" in page and "Live one" not in page
    assert response.context["tabs"][0] == ("", "All", 2)
    assert ("pending", "Pending review", 1) in response.context["tabs"]


def test_htmx_search_returns_only_the_results_fragment(seller_client, store):
    ProductFactory(store=store, title="Kikoi")

    response = seller_client.get(LIST_URL, {"q": "kik"}, headers={"HX-Request": "true"})

    page = response.content.decode()
    assert page.lstrip().startswith('<div id="product-results">')
    assert "<html" not in page and "Kikoi" in page
    assert "HX-Request" in response["Vary"]


def test_list_pages_twenty_at_a_time(seller_client, store):
    ProductFactory.create_batch(21, store=store)

    first = seller_client.get(LIST_URL)
    second = seller_client.get(LIST_URL, {"page": 2})

    assert len(first.context["page"].object_list) == 20
    assert len(second.context["page"].object_list) == 1
    assert "Page 1 of 2" in first.content.decode()


def test_products_list_costs_the_same_queries_for_5_or_25_products(seller_client, store, django_assert_max_num_queries):
    ProductFactory.create_batch(5, store=store, variants=2, images=2)
    with CaptureQueriesContext(connection) as five:
        assert seller_client.get(LIST_URL).status_code == 200
    ProductFactory.create_batch(20, store=store, variants=3, images=3)

    with django_assert_max_num_queries(len(five.captured_queries)):
        response = seller_client.get(LIST_URL)

    assert len(response.context["page"].object_list) == 20


def test_seller_archives_live_products_in_bulk_and_brings_them_back(seller_client, store):
    one, two = ProductFactory.create_batch(2, store=store)
    draft = ProductFactory(store=store, draft=True)

    response = seller_client.post("/dashboard/products/bulk/", {"ids": [one.pk, two.pk, draft.pk], "action": "archive", "back": "status=active"})

    assert response.status_code == 302 and response["Location"] == "/dashboard/products/?status=active"
    assert set(Product.objects.filter(pk__in=[one.pk, two.pk]).values_list("status", flat=True)) == {Product.Status.ARCHIVED}
    draft.refresh_from_db()
    assert draft.status == Product.Status.DRAFT
    page = seller_client.get(response["Location"]).content.decode()
    assert "2 products archived." in page
    assert "1 product left as they were: only live products can be archived." in page
    assert not Product.objects.visible().exists()

    seller_client.post("/dashboard/products/bulk/", {"ids": [one.pk, two.pk], "action": "activate"})

    assert Product.objects.visible().count() == 2


def test_activating_never_approved_products_leaves_them_alone(seller_client, store):
    draft = ProductFactory(store=store, draft=True)

    seller_client.post("/dashboard/products/bulk/", {"ids": [draft.pk], "action": "activate"})

    draft.refresh_from_db()
    assert draft.status == Product.Status.DRAFT


def test_bulk_delete_asks_for_confirmation_first(seller_client, store):
    doomed = ProductFactory(store=store, title="Old stock")

    response = seller_client.post("/dashboard/products/bulk/", {"ids": [doomed.pk], "action": "delete"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Delete 1 product?" in page and "Old stock" in page
    assert Product.objects.filter(pk=doomed.pk).exists()

    response = seller_client.post("/dashboard/products/bulk/", {"ids": [doomed.pk], "action": "delete", "confirm": "1"})

    assert response.status_code == 302
    assert not Product.objects.filter(pk=doomed.pk).exists()
    assert "1 product deleted." in seller_client.get(response["Location"]).content.decode()


def test_bulk_without_ticked_products_says_so(seller_client, store):
    ProductFactory(store=store)

    response = seller_client.post("/dashboard/products/bulk/", {"action": "archive"}, follow=True)

    assert "Tick at least one product first." in response.content.decode()
    assert Product.objects.visible().count() == 1


def test_bulk_back_link_keeps_only_the_lists_own_filters(seller_client, store):
    product = ProductFactory(store=store)

    response = seller_client.post(
        "/dashboard/products/bulk/", {"ids": [product.pk], "action": "archive", "back": "q=mug&evil=https://x.test&page=2"}
    )

    assert response["Location"] == "/dashboard/products/?q=mug&page=2"


def test_duplicate_makes_a_draft_copy_with_variants_pictures_and_tags(seller_client, store):
    original = ProductFactory(
        store=store, title="Kikoi", images=2, tags=["cotton"],
        variants=[{"name": "Red", "sku": "KK-R", "price": Decimal("500")}, {"name": "Blue", "sku": "KK-B", "price": Decimal("520")}],
    )
    original.created_at = original.created_at.replace(year=2020)
    original.save()

    response = seller_client.post(f"/dashboard/products/{original.pk}/duplicate/")

    copy = Product.objects.exclude(pk=original.pk).get()
    assert response["Location"] == f"/dashboard/products/{copy.pk}/"
    assert (copy.title, copy.status, copy.published_at) == ("Kikoi (copy)", Product.Status.DRAFT, None)
    assert copy.slug != original.slug and copy.created_at.year != 2020
    assert list(copy.variants.values_list("name", "sku", "price")) == [("Red", "", Decimal("500.00")), ("Blue", "", Decimal("520.00"))]
    assert list(copy.images.values_list("image_id", flat=True)) == list(original.images.values_list("image_id", flat=True))
    assert list(copy.tags.values_list("name", flat=True)) == ["cotton"]
    assert copy.min_price == Decimal("500.00")
    assert original.variants.count() == 2 and original.images.count() == 2


@pytest.mark.parametrize("hostile", ["9" * 25, "²", "①", "-1"])
def test_bulk_refuses_an_id_no_product_can_have_with_a_message(seller_client, store, hostile):
    """A 25-digit id overflowed SQLite's integer (a 500); Unicode digits broke int()."""
    product = ProductFactory(store=store)
    response = seller_client.post("/dashboard/products/bulk/", {"ids": [product.pk, hostile], "action": "archive"}, follow=True)
    assert response.status_code == 200
    assert "Choose products from the list." in response.content.decode()
    product.refresh_from_db()
    assert product.status == Product.Status.ACTIVE


def test_bulk_back_link_ignores_a_page_number_in_unicode_digits(seller_client, store):
    product = ProductFactory(store=store)
    response = seller_client.post("/dashboard/products/bulk/", {"ids": [product.pk], "action": "archive", "back": "page=²"})
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/products/"
