"""A picture's change (prepared, its content IDs or pins written) drops only the kept pages
that may show it (shop.catalog.services.change_triggers ``PICTURES_SHOWN_BY``): a listing's
picture its category's pages, a store's logo every page, a photo sent in a chat none. Every
column that refers to a picture is named there, so a new one is decided on the day it is
added."""

from decimal import Decimal

import pytest
from django.apps import apps

from sellers.models import Store
from shop.catalog.models import CatalogChange, Category, ProductImage
from shop.catalog.services.change_triggers import PICTURES_SHOWN_BY
from shop.catalog.services.stamp import catalog_stamp
from shop.media.models import StoredImage
from shop.reviews.models import ReviewPhoto
from shop.reviews.services import review_save
from tests.catalog.test_page_cache import empty_cache  # noqa: F401 - the cache emptied around each test
from tests.catalog.test_sales_keep_pages import cached, queries_of
from tests.factories.catalog import ProductFactory, ReadyImageFactory
from tests.reviews.conftest import delivered_order

pytestmark = pytest.mark.django_db

PAGES = ("/", "/c/fashion/", "/c/electronics/", "/search/?q=kikoi")


def pending() -> StoredImage:
    return ReadyImageFactory(status=StoredImage.Status.PENDING, renditions={})


def prepared(picture: StoredImage) -> None:
    """What the picture's job writes when its renditions are made."""
    ready = ReadyImageFactory.build(sha256=picture.sha256)
    StoredImage.objects.filter(pk=picture.pk).update(status=StoredImage.Status.READY, renditions=ready.renditions)


def changes_since(last: int) -> set:
    return set(CatalogChange.objects.filter(id__gt=last).values_list("category_id", flat=True))


def last_change() -> int:
    return CatalogChange.objects.order_by("-id").values_list("id", flat=True).first() or 0


@pytest.fixture
def shelves():
    kikoi = ProductFactory(title="Striped kikoi", category=Category.objects.get(slug="fashion-fabrics"), variants=[{"price": Decimal("1200")}])
    phone = ProductFactory(title="Feature phone", category=Category.objects.get(slug="electronics-phones"), images=1)
    return kikoi, phone


def test_every_column_that_refers_to_a_picture_says_which_pages_show_it():
    columns = {
        f"{model._meta.db_table}.{field.column}"
        for model in apps.get_models(include_auto_created=True)
        for field in model._meta.get_fields()
        if getattr(field, "concrete", False) and field.is_relation and field.related_model is StoredImage
    }
    assert columns == set(PICTURES_SHOWN_BY)


def test_a_listings_picture_prepared_shows_on_its_pages_and_leaves_other_categories_kept(shelves):
    kikoi, phone = shelves
    picture = pending()
    ProductImage.objects.create(product=kikoi, image=picture, alt="Worn on the beach")
    before = {url: cached(url) for url in (f"/p/{kikoi.slug}/", f"/p/{phone.slug}/", *PAGES)}
    assert picture.sha256 not in before[f"/p/{kikoi.slug}/"]
    last = last_change()

    prepared(picture)

    assert changes_since(last) == {kikoi.category_id}
    assert picture.sha256 in queries_of(f"/p/{kikoi.slug}/")[1]
    assert picture.sha256 in queries_of("/c/fashion/")[1]
    assert picture.sha256 in queries_of("/search/?q=kikoi")[1]
    assert queries_of(f"/p/{phone.slug}/")[0] == 1
    assert queries_of("/c/electronics/")[0] == 1


def test_a_picture_no_kept_page_shows_changes_nothing(shelves):
    """A photo sent in a chat, a return's, a complaint's: made and prepared, every kept
    page stays kept and the stamp where it was."""
    kikoi, phone = shelves
    for url in (f"/p/{kikoi.slug}/", f"/p/{phone.slug}/", *PAGES):
        cached(url)
    stamp = catalog_stamp()

    picture = pending()
    prepared(picture)
    StoredImage.objects.filter(pk=picture.pk).update(cid="bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi")

    assert catalog_stamp() == stamp
    for url in (f"/p/{kikoi.slug}/", f"/p/{phone.slug}/", *PAGES):
        assert queries_of(url)[0] == 1, url


def test_a_stores_logo_prepared_renders_every_page_again(shelves):
    kikoi, phone = shelves
    logo = pending()
    Store.objects.filter(pk=phone.store_id).update(logo=logo)
    for url in (f"/p/{kikoi.slug}/", "/c/fashion/"):
        cached(url)
    last = last_change()

    prepared(logo)

    assert changes_since(last) == {None}
    assert queries_of(f"/p/{kikoi.slug}/")[0] > 1 and queries_of("/c/fashion/")[0] > 1


def test_a_picture_shown_by_listings_of_two_categories_names_both(shelves):
    kikoi, phone = shelves
    picture = ProductImage.objects.get(product=phone).image
    ProductImage.objects.create(product=kikoi, image=picture, alt="The same picture")
    last = last_change()

    StoredImage.objects.filter(pk=picture.pk).update(cid="bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku")

    assert changes_since(last) == {kikoi.category_id, phone.category_id}


def test_a_review_photo_is_a_change_of_the_reviewed_listings_category(shelves):
    kikoi, phone = shelves
    order = delivered_order(store=kikoi.store, items=[(kikoi.variants.first(), 1)])
    review = review_save(order=order, author=order.buyer, item=order.items.first(), stars=5, text="Soft and bright")
    for url in (f"/p/{phone.slug}/", "/c/electronics/"):
        cached(url)
    last = last_change()

    photo = ReviewPhoto.objects.create(review=review, image=pending())
    prepared(photo.image)
    ReviewPhoto.objects.filter(pk=photo.pk).update(position=1)
    photo.delete()

    assert changes_since(last) == {kikoi.category_id}
    assert queries_of(f"/p/{phone.slug}/")[0] == 1 and queries_of("/c/electronics/")[0] == 1



def test_a_stores_review_photo_names_the_store(shelves):
    kikoi, _phone = shelves
    order = delivered_order(store=kikoi.store, items=[(kikoi.variants.first(), 1)])
    review = review_save(order=order, author=order.buyer, stars=4, text="Quick and friendly")
    last = last_change()

    photo = ReviewPhoto.objects.create(review=review, image=pending())
    prepared(photo.image)

    assert set(CatalogChange.objects.filter(id__gt=last).values_list("category_id", "store_id")) == {(None, kikoi.store_id)}
