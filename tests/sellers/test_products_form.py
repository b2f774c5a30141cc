"""A seller creates and edits products with variants and pictures from the dashboard."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shop.catalog.models import Product, ProductImage, Variant
from shop.media.models import StoredImage
from tests.factories.catalog import CategoryFactory, ProductFactory, ProductImageFactory
from tests.media.pictures import picture_bytes

pytestmark = pytest.mark.django_db

CREATE_URL = "/dashboard/products/new/"
VARIANT_DEFAULTS = {
    "id": "", "name": "", "sku": "", "colour": "", "size": "", "price": "", "compare_at_price": "",
    "stock": "0", "low_stock_threshold": "3", "duration_minutes": "",
}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def baskets():
    return CategoryFactory(slug="crafts-baskets")


def png(name: str, colour=(200, 30, 40), size=(64, 48)) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, picture_bytes("PNG", size=size, colour=colour), content_type="image/png")


def product_data(*, category, variants, publish="1", initial_forms=0, **fields) -> dict:
    """The POST the product form sends: details, the variants formset and the save button."""
    data = {
        "kind": "physical", "title": "Sisal basket", "category": category.pk, "description": "Woven by hand in Machakos.",
        "brand": "", "condition": "handmade", "tags": "basket, sisal", "publish": publish,
        "variants-TOTAL_FORMS": str(len(variants)), "variants-INITIAL_FORMS": str(initial_forms),
        "variants-MIN_NUM_FORMS": "1", "variants-MAX_NUM_FORMS": "1000",
    } | fields
    for index, variant in enumerate(variants):
        for key, value in (VARIANT_DEFAULTS | variant).items():
            data[f"variants-{index}-{key}"] = value
    return data


def edit_data(product: Product, *, variant_changes=None, images=None, **fields) -> dict:
    """What the edit form posts back unchanged, with ``fields``/``variant_changes`` applied."""
    variants = []
    for variant in product.variants.all():
        row = {
            "id": variant.pk, "name": variant.name, "sku": variant.sku, "colour": variant.attributes.get("colour", ""),
            "size": variant.attributes.get("size", ""), "price": str(variant.price),
            "compare_at_price": str(variant.compare_at_price or ""), "stock": str(variant.stock), "stock_seen": str(variant.stock),
            "low_stock_threshold": str(variant.low_stock_threshold), "duration_minutes": str(variant.duration_minutes or ""),
        }
        variants.append(row | (variant_changes or {}).get(variant.pk, {}))
    data = product_data(
        category=product.category, variants=variants, initial_forms=len(variants), kind=product.kind, title=product.title,
        description=product.description, brand=product.brand, condition=product.condition,
        tags=", ".join(product.tags.values_list("name", flat=True)),
    )
    for position, image in enumerate(product.images.all(), 1):
        data[f"position_{image.pk}"] = str(position)
    if product.images.exists():
        data["primary"] = str(product.images.first().pk)
    return data | fields | (images or {})


def test_seller_creates_a_product_with_two_variants_and_two_pictures_and_it_goes_to_review(seller_client, store, baskets):
    data = product_data(
        category=baskets,
        variants=[
            {"name": "Small", "sku": "BSK-S", "colour": "Natural", "size": "S", "price": "800", "stock": "4", "low_stock_threshold": "2"},
            {"name": "Large", "sku": "BSK-L", "colour": "Natural", "size": "L", "price": "1200", "compare_at_price": "1500", "stock": "0"},
        ],
    )
    data["images"] = [png("front.png", colour=(10, 120, 60)), png("side.png", colour=(200, 200, 20))]

    response = seller_client.post(CREATE_URL, data)

    product = Product.objects.get(store=store)
    assert response.status_code == 302
    assert response["Location"] == f"/dashboard/products/{product.pk}/"
    assert product.status == Product.Status.PENDING
    assert product.title == "Sisal basket" and product.category == baskets and product.slug == "sisal-basket"
    assert sorted(product.tags.values_list("name", flat=True)) == ["basket", "sisal"]
    assert product.min_price == Decimal("800.00") and product.in_stock is True
    small, large = product.variants.all()
    assert (small.name, small.sku, small.attributes, small.stock) == ("Small", "BSK-S", {"colour": "Natural", "size": "S"}, 4)
    assert (large.position, large.price, large.compare_at_price) == (1, Decimal("1200.00"), Decimal("1500.00"))
    pictures = list(product.images.select_related("image"))
    assert [picture.position for picture in pictures] == [0, 1]
    assert [picture.image.width for picture in pictures] == [64, 64]
    front = StoredImage.objects.get(pk=pictures[0].image_id)
    assert front.sha256 != pictures[1].image.sha256
    page = seller_client.get(response["Location"]).content.decode()
    assert "is saved and waiting for review" in page
    assert "Waiting for review" in page


def test_seller_saves_a_draft_that_shoppers_cannot_see(seller_client, store, baskets):
    seller_client.post(CREATE_URL, product_data(category=baskets, variants=[{"name": "One", "price": "50", "stock": "1"}], publish="0"))

    product = Product.objects.get(store=store)
    assert product.status == Product.Status.DRAFT
    assert not Product.objects.visible().exists()


def test_verified_store_goes_live_without_review_when_the_operator_allows_it(seller_client, store, baskets, settings):
    settings.SOKO_AUTO_APPROVE_VERIFIED_STORES = True
    store.verified = True
    store.save()

    seller_client.post(CREATE_URL, product_data(category=baskets, variants=[{"name": "One", "price": "50", "stock": "1"}]))

    product = Product.objects.get(store=store)
    assert product.status == Product.Status.ACTIVE and product.published_at is not None
    assert list(Product.objects.visible()) == [product]


def test_new_product_form_offers_categories_grouped_by_parent(seller_client):
    page = seller_client.get(CREATE_URL).content.decode()

    assert '<optgroup label="Crafts">' in page
    assert "Baskets" in page
    assert 'name="variants-TOTAL_FORMS"' in page
    assert 'type="file" name="images"' in page and "multiple" in page
    assert "Submit for review" in page and "Save draft" in page


@pytest.mark.parametrize(
    ("variants", "message"),
    [
        ([{"name": "", "price": ""}], "Add at least one variant with a name and a price."),
        ([{"name": "Red", "price": "500", "compare_at_price": "500", "stock": "1"}], "The compare-at price must be higher than the price"),
        ([{"name": "Red", "price": "500", "stock": "-2"}], "Stock cannot be negative."),
        ([{"name": "Red", "price": "500", "stock": "99999999999"}], "Stock can be at most 1,000,000 units."),
        ([{"name": "Red", "price": "0", "stock": "1"}], "The price must be more than zero."),
        (
            [{"name": "Red", "sku": "KK-1", "price": "500", "stock": "1"}, {"name": "Blue", "sku": "kk-1", "price": "500", "stock": "1"}],
            "Another variant of this product already uses the SKU kk-1.",
        ),
    ],
    ids=["no-variant", "compare-at-not-higher", "negative-stock", "too-much-stock", "zero-price", "same-sku-twice"],
)
def test_invalid_variants_re_render_the_form_with_a_clear_message_and_save_nothing(seller_client, baskets, variants, message):
    data = product_data(category=baskets, variants=variants)
    data["images"] = [png("front.png")]

    response = seller_client.post(CREATE_URL, data)

    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "Nothing was saved yet" in page
    assert "Pictures you chose were not uploaded; choose them again before saving." in page
    assert not Product.objects.exists() and not Variant.objects.exists() and not StoredImage.objects.exists()


def test_no_variant_rows_at_all_is_refused(seller_client, baskets):
    response = seller_client.post(CREATE_URL, product_data(category=baskets, variants=[]))

    assert "Add at least one variant with a name and a price." in response.content.decode()
    assert not Product.objects.exists()


def test_sku_another_product_of_the_store_uses_is_refused(seller_client, store, baskets):
    ProductFactory(store=store, title="Kikoi", variants=[{"sku": "KK-1"}])

    response = seller_client.post(CREATE_URL, product_data(category=baskets, variants=[{"name": "Red", "sku": "kk-1", "price": "9", "stock": "1"}]))

    assert "“Kikoi” in your store already uses the SKU KK-1." in response.content.decode()
    assert Product.objects.count() == 1


def test_another_stores_sku_is_no_conflict(seller_client, store, baskets):
    ProductFactory(variants=[{"sku": "KK-1"}])

    seller_client.post(CREATE_URL, product_data(category=baskets, variants=[{"name": "Red", "sku": "KK-1", "price": "9", "stock": "1"}]))

    assert Product.objects.filter(store=store).count() == 1


def test_more_pictures_than_allowed_are_refused(seller_client, baskets, settings):
    settings.SOKO_IMAGE_MAX_COUNT = 2
    data = product_data(category=baskets, variants=[{"name": "One", "price": "50", "stock": "1"}])
    data["images"] = [png(f"{n}.png", colour=(n * 40, 0, 0)) for n in range(3)]

    response = seller_client.post(CREATE_URL, data)

    assert "A product can have at most 2 pictures: it would keep 0 and you added 3." in response.content.decode()
    assert not Product.objects.exists() and not StoredImage.objects.exists()


def test_pictures_already_on_the_product_count_towards_the_limit(seller_client, store, settings):
    settings.SOKO_IMAGE_MAX_COUNT = 2
    product = ProductFactory(store=store, images=2)
    data = edit_data(product, images={"images": [png("third.png")]})

    response = seller_client.post(f"/dashboard/products/{product.pk}/", data)

    assert "it would keep 2 and you added 1" in response.content.decode()
    assert product.images.count() == 2


def test_a_text_file_named_like_a_picture_is_refused_by_name(seller_client, baskets):
    data = product_data(category=baskets, variants=[{"name": "One", "price": "50", "stock": "1"}])
    data["images"] = [SimpleUploadedFile("cv.png", b"not a picture at all", content_type="image/png")]

    response = seller_client.post(CREATE_URL, data)

    assert "cv.png is not a JPEG, PNG, WebP or GIF picture, whatever its name says." in response.content.decode()
    assert not Product.objects.exists()


def test_substantive_edit_of_a_live_product_goes_back_to_review(seller_client, store):
    product = ProductFactory(store=store, title="Kikoi", status=Product.Status.ACTIVE)

    response = seller_client.post(f"/dashboard/products/{product.pk}/", edit_data(product, title="Kikoi — best in Nairobi!!!"))

    assert response.status_code == 302
    product.refresh_from_db()
    assert product.title == "Kikoi — best in Nairobi!!!"
    assert product.status == Product.Status.PENDING
    assert not Product.objects.visible().exists()


def test_stock_and_price_edit_of_a_live_product_stays_live(seller_client, store):
    product = ProductFactory(store=store, status=Product.Status.ACTIVE, variants=[{"stock": 2, "price": Decimal("300")}])
    variant = product.variants.get()

    seller_client.post(f"/dashboard/products/{product.pk}/", edit_data(product, variant_changes={variant.pk: {"stock": "0", "price": "280"}}))

    product.refresh_from_db()
    variant.refresh_from_db()
    assert product.status == Product.Status.ACTIVE
    assert (variant.stock, variant.price) == (0, Decimal("280.00"))
    assert product.in_stock is False and product.min_price == Decimal("280.00")


def test_adding_a_picture_to_a_live_product_goes_back_to_review(seller_client, store):
    product = ProductFactory(store=store, status=Product.Status.ACTIVE)

    seller_client.post(f"/dashboard/products/{product.pk}/", edit_data(product, images={"images": [png("new.png")]}))

    product.refresh_from_db()
    assert product.status == Product.Status.PENDING


def test_save_draft_on_a_live_product_with_a_new_title_takes_it_off_sale(seller_client, store):
    product = ProductFactory(store=store, status=Product.Status.ACTIVE)

    seller_client.post(f"/dashboard/products/{product.pk}/", edit_data(product, title="Something else", publish="0"))

    product.refresh_from_db()
    assert product.status == Product.Status.DRAFT


def test_rejected_product_shows_the_reason_and_resubmits_to_review(seller_client, store):
    product = ProductFactory(store=store, status=Product.Status.REJECTED, rejection_reason="Show the basket itself, not a logo.")

    page = seller_client.get(f"/dashboard/products/{product.pk}/").content.decode()
    assert "Staff did not approve this listing" in page
    assert "Show the basket itself, not a logo." in page

    seller_client.post(f"/dashboard/products/{product.pk}/", edit_data(product, description="Now with real photos."))

    product.refresh_from_db()
    assert product.status == Product.Status.PENDING
    assert product.rejection_reason == ""


def test_seller_reorders_removes_and_chooses_the_main_picture(seller_client, store):
    product = ProductFactory(store=store, status=Product.Status.ACTIVE)
    first, second, third = (ProductImageFactory(product=product, position=n) for n in range(3))
    data = edit_data(product)
    data |= {f"position_{first.pk}": "1", f"position_{second.pk}": "2", f"position_{third.pk}": "3"}
    data |= {f"remove_{second.pk}": "on", "primary": str(third.pk)}

    seller_client.post(f"/dashboard/products/{product.pk}/", data)

    assert list(product.images.values_list("pk", "position")) == [(third.pk, 0), (first.pk, 1)]
    assert not ProductImage.objects.filter(pk=second.pk).exists()
    product.refresh_from_db()
    assert product.status == Product.Status.ACTIVE


def test_position_numbers_set_the_order_without_javascript(seller_client, store):
    product = ProductFactory(store=store)
    first, second = (ProductImageFactory(product=product, position=n) for n in range(2))
    data = edit_data(product) | {f"position_{first.pk}": "2", f"position_{second.pk}": "1", "primary": ""}

    seller_client.post(f"/dashboard/products/{product.pk}/", data)

    assert list(product.images.values_list("pk", flat=True)) == [second.pk, first.pk]


def test_seller_deletes_one_variant_and_adds_another(seller_client, store):
    product = ProductFactory(store=store, variants=[{"name": "Red", "price": Decimal("100")}, {"name": "Blue", "price": Decimal("90")}])
    red, blue = product.variants.all()
    data = edit_data(product, variant_changes={blue.pk: {"DELETE": "on"}})
    data["variants-TOTAL_FORMS"] = "3"
    for key, value in (VARIANT_DEFAULTS | {"name": "Green", "price": "120", "stock": "7"}).items():
        data[f"variants-2-{key}"] = value

    seller_client.post(f"/dashboard/products/{product.pk}/", data)

    assert list(product.variants.values_list("name", "position")) == [("Red", 0), ("Green", 1)]
    product.refresh_from_db()
    assert product.min_price == Decimal("100.00")


def test_deleting_every_variant_is_refused(seller_client, store):
    product = ProductFactory(store=store)
    variant = product.variants.get()

    response = seller_client.post(f"/dashboard/products/{product.pk}/", edit_data(product, variant_changes={variant.pk: {"DELETE": "on"}}))

    assert "Add at least one variant with a name and a price." in response.content.decode()
    assert product.variants.count() == 1


def test_service_variant_keeps_its_duration(seller_client, store, baskets):
    seller_client.post(
        CREATE_URL,
        product_data(category=baskets, kind="service", variants=[{"name": "Hem a dress", "price": "300", "stock": "2", "duration_minutes": "45"}]),
    )

    variant = Variant.objects.get()
    assert variant.product.kind == Product.Kind.SERVICE and variant.duration_minutes == 45


def test_edit_page_lists_existing_pictures_with_controls_that_work_without_javascript(seller_client, store):
    product = ProductFactory(store=store)
    first, second = (ProductImageFactory(product=product, position=n) for n in range(2))

    page = seller_client.get(f"/dashboard/products/{product.pk}/").content.decode()

    for image in (first, second):
        assert f'name="position_{image.pk}"' in page
        assert f'name="remove_{image.pk}"' in page
        assert f'name="primary" value="{image.pk}"' in page
    assert page.count("data-image-item") == 2
    assert "/static/js/product-images.js" in page


def _polyglot_png() -> bytes:
    return picture_bytes("PNG", size=(32, 32)) + b"<html><body><script>alert(document.cookie)</script></body></html>"


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("photo.jpg", b"Dear seller, this is a letter, not a photo.\n" * 20, "is not a JPEG, PNG, WebP or GIF picture"),
        ("listing.png", None, "contains web page or script code hidden in the picture"),
        ("poster.png", "bomb", "megapixels"),
        ("holiday.jpg", "nine_mb", "the limit is 8 MB"),
    ],
    ids=["renamed-text-file", "html-png-polyglot", "20000x20000-declared", "9-mb-file"],
)
def test_bad_uploads_give_a_clear_form_error_and_store_nothing(seller_client, baskets, media_root, name, content, message):
    from tests.media.pictures import png_declaring

    if content is None:
        content = _polyglot_png()
    elif content == "bomb":
        content = png_declaring(20000, 20000)
    elif content == "nine_mb":
        content = picture_bytes("JPEG", size=(16, 16)) + b"\0" * (9 * 1024 * 1024)
    data = product_data(category=baskets, variants=[{"name": "One", "price": "50", "stock": "1"}])
    data["images"] = [SimpleUploadedFile(name, content, content_type="image/png")]

    response = seller_client.post(CREATE_URL, data)

    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "is-invalid" in page or "invalid-feedback" in page or "alert-danger" in page
    assert not Product.objects.exists() and not StoredImage.objects.exists()
    assert not [path for path in media_root.parent.rglob("*") if path.is_file()]
