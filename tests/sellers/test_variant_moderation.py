"""What shoppers see of a variant is reviewed like the product's own text: an unverified
store renamed a live variant to "SCAM: pay via 0700…" and it stayed on sale."""

from decimal import Decimal

import pytest

from shop.catalog.models import Product
from tests.factories.catalog import ProductFactory

from .test_products_form import edit_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def live(store):
    return ProductFactory(
        store=store, status=Product.Status.ACTIVE, variants=[{"name": "Small", "price": Decimal("300"), "stock": 4}]
    )


def edit(seller_client, product, **changes):
    variant = product.variants.get()
    response = seller_client.post(f"/dashboard/products/{product.pk}/", edit_data(product, variant_changes={variant.pk: changes}))
    assert response.status_code == 302
    product.refresh_from_db()
    return product


@pytest.mark.parametrize(
    "changes",
    [
        {"name": "SCAM: pay via 0700 000 000"},
        {"colour": "Pay by M-Pesa to 0700 000 000"},
        {"size": "XXL"},
        {"price": "30"},
        {"price": "900"},
        {"compare_at_price": "5000"},
    ],
    ids=["renamed", "colour", "size", "price-cut-90%", "price-tripled", "compare-at-claim"],
)
def test_a_change_shoppers_see_sends_a_live_listing_of_an_unverified_store_back_to_review(seller_client, live, changes):
    product = edit(seller_client, live, **changes)

    assert product.status == Product.Status.PENDING
    assert not Product.objects.visible().exists()


@pytest.mark.parametrize(
    "changes",
    [{"stock": "0"}, {"price": "280"}, {"price": "420"}, {"sku": "SM-1"}, {"low_stock_threshold": "1"}],
    ids=["stock", "price-7%", "price-40%", "sku", "threshold"],
)
def test_stock_sku_and_small_price_changes_stay_live(seller_client, live, changes):
    assert edit(seller_client, live, **changes).status == Product.Status.ACTIVE


def test_a_new_variant_goes_to_review(seller_client, live):
    data = edit_data(live) | {
        "variants-TOTAL_FORMS": "2",
        "variants-1-name": "Call 0700 000 000 for a discount", "variants-1-price": "300", "variants-1-stock": "1",
        "variants-1-low_stock_threshold": "3",
    }

    seller_client.post(f"/dashboard/products/{live.pk}/", data)

    live.refresh_from_db()
    assert live.variants.count() == 2
    assert live.status == Product.Status.PENDING


def test_the_price_threshold_is_a_setting(seller_client, live, settings):
    settings.SOKO_REVIEW_PRICE_CHANGE_PERCENT = Decimal("5")
    assert edit(seller_client, live, price="330").status == Product.Status.PENDING


def test_a_verified_store_renames_without_review_when_the_operator_allows_it(seller_client, live, store, settings):
    settings.SOKO_AUTO_APPROVE_VERIFIED_STORES = True
    store.verified = True
    store.save(update_fields=["verified"])

    assert edit(seller_client, live, name="Medium").status == Product.Status.ACTIVE
