"""The product form under forged posts: another store's variant id, a huge TOTAL_FORMS."""

import pytest

from shop.catalog.models import Variant
from tests.factories.catalog import ProductFactory

from .test_products_form import edit_data, product_data

pytestmark = pytest.mark.django_db


def test_another_stores_variant_id_is_refused_and_nothing_is_created(seller_client, store):
    mine = ProductFactory(store=store, variants=[{"name": "Small", "sku": "MY-S"}])
    foreign = ProductFactory(variants=[{"name": "Theirs", "sku": "THEIR-1"}]).variants.get()
    data = edit_data(mine)
    # A second "existing" row that names the other store's variant.
    data.update({
        "variants-TOTAL_FORMS": "2", "variants-INITIAL_FORMS": "2",
        "variants-1-id": str(foreign.pk), "variants-1-name": "Theirs", "variants-1-sku": "THEIR-1",
        "variants-1-price": "100", "variants-1-stock": "1", "variants-1-low_stock_threshold": "3",
    })
    before = Variant.objects.count()

    response = seller_client.post(f"/dashboard/products/{mine.pk}/", data)

    assert response.status_code in {200, 422}
    assert "This variant is not one of this product&#x27;s" in response.content.decode()
    assert Variant.objects.count() == before
    assert list(mine.variants.values_list("sku", flat=True)) == ["MY-S"]
    foreign.refresh_from_db()
    assert foreign.product_id != mine.pk


def test_a_forged_total_forms_builds_no_more_rows_than_a_product_may_have(seller_client, store, settings):
    """TOTAL_FORMS=100000 used to build 100,000 forms: 15 s of CPU for one request."""
    settings.SOKO_PRODUCT_MAX_VARIANTS = 5
    mine = ProductFactory(store=store)
    data = edit_data(mine) | {"variants-TOTAL_FORMS": "100000"}

    response = seller_client.post(f"/dashboard/products/{mine.pk}/", data)

    assert response.status_code in {200, 422}
    assert "A product can have at most 5 variants." in response.content.decode()
    assert len(response.context["editor"].variants.forms) == 5
    assert mine.variants.count() == 1


def test_the_largest_real_product_form_fits_the_field_limit(seller_client, store, settings):
    rows = [{"name": f"Size {n}", "sku": f"SZ-{n}", "price": "100", "stock": "1"} for n in range(settings.SOKO_PRODUCT_MAX_VARIANTS)]
    data = product_data(category=ProductFactory(store=store).category, variants=rows)
    data |= {f"variants-{n}-DELETE": "" for n in range(len(rows))}
    assert len(data) + 60 <= settings.DATA_UPLOAD_MAX_NUMBER_FIELDS  # 60: picture fields, CSRF, buttons

    response = seller_client.post("/dashboard/products/new/", data)

    assert response.status_code == 302
    assert Variant.objects.filter(product__store=store, sku__startswith="SZ-").count() == len(rows)


def test_a_request_with_more_fields_than_any_form_has_is_a_400(seller_client, settings):
    data = {f"field{n}": "x" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}

    response = seller_client.post("/dashboard/products/new/", data)

    assert response.status_code == 400
