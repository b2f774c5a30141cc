"""A seller says which picture shows which variant ("this photo is the blue one") in the
product form, so shoppers who pick Blue see the blue kikoi."""

from decimal import Decimal

import pytest

from shop.catalog.models import Product, ProductImage
from shop.catalog.services.products import product_duplicate
from tests.factories.catalog import ProductFactory

from .test_products_form import edit_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def kikoi(store):
    return ProductFactory(
        title="Kikoi wrap",
        store=store,
        images=3,
        variants=[{"name": "Blue", "price": Decimal("900"), "stock": 4}, {"name": "Red", "price": Decimal("900"), "stock": 4}],
    )


def pictures(product) -> list[ProductImage]:
    return list(product.images.order_by("position", "id"))


def test_the_form_offers_each_picture_a_choice_of_variant(seller_client, kikoi):
    page = seller_client.get(f"/dashboard/products/{kikoi.pk}/").content.decode()

    first = pictures(kikoi)[0]
    assert page.count('data-testid="image-variant"') == 3
    assert f'name="variant_{first.pk}"' in page
    assert '<option value="" selected>All</option>' in page
    for variant in kikoi.variants.all():
        assert f'<option value="{variant.pk}">{variant.name}</option>' in page


def test_seller_assigns_pictures_to_variants_and_a_live_listing_stays_live(seller_client, kikoi):
    blue, red = kikoi.variants.order_by("position", "id")
    front, side, back = pictures(kikoi)

    response = seller_client.post(
        f"/dashboard/products/{kikoi.pk}/",
        edit_data(kikoi) | {f"variant_{front.pk}": "", f"variant_{side.pk}": str(blue.pk), f"variant_{back.pk}": str(red.pk)},
    )

    assert response.status_code == 302
    assert [image.variant_id for image in pictures(kikoi)] == [None, blue.pk, red.pk]
    assert Product.objects.get(pk=kikoi.pk).status == Product.Status.ACTIVE
    page = seller_client.get(f"/dashboard/products/{kikoi.pk}/").content.decode()
    assert f'<option value="{blue.pk}" selected>Blue</option>' in page


def test_a_variant_of_another_product_is_refused_and_nothing_is_saved(seller_client, store, kikoi):
    other = ProductFactory(store=store).variants.get()
    front = pictures(kikoi)[0]

    response = seller_client.post(f"/dashboard/products/{kikoi.pk}/", edit_data(kikoi, title="Kikoi, renamed") | {f"variant_{front.pk}": str(other.pk)})

    assert response.status_code == 200
    assert "Choose one of this product&#x27;s variants." in response.content.decode()
    assert ProductImage.objects.get(pk=front.pk).variant_id is None
    assert Product.objects.get(pk=kikoi.pk).title == "Kikoi wrap"


def test_a_product_with_one_variant_offers_no_choice(seller_client, store):
    product = ProductFactory(store=store, images=2)

    page = seller_client.get(f"/dashboard/products/{product.pk}/").content.decode()

    assert 'data-testid="image-variant"' not in page


def test_a_duplicate_keeps_each_picture_on_its_own_copy_of_the_variant(kikoi):
    blue, red = kikoi.variants.order_by("position", "id")
    front, side, back = pictures(kikoi)
    ProductImage.objects.filter(pk=side.pk).update(variant=blue)
    ProductImage.objects.filter(pk=back.pk).update(variant=red)

    copy = product_duplicate(product=kikoi)

    copy_blue, copy_red = copy.variants.order_by("position", "id")
    assert [image.variant_id for image in pictures(copy)] == [None, copy_blue.pk, copy_red.pk]
