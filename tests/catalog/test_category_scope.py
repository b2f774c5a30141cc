"""A product page is kept until its own category or something shared changes, a category
page until a category under it or something shared does (shop.catalog.services.change_triggers
``CATEGORY_SCOPED``, ``product_page_key``, ``category_page_key``): a seller's edit of a
listing elsewhere leaves them kept, while every change they show, a product page's own
listing's and those of the other listings of its category in "More in …", a category
page's listings', shows at once."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone

from sellers.models import Store, StoreHours
from shop.blog.models import Post
from shop.catalog.models import CatalogChange, Category, Product, ProductImage, Tag, Variant
from shop.catalog.services.change_triggers import CATEGORY_SCOPED, STORE_ROWS
from shop.catalog.services.products import product_tags_set
from shop.catalog.services.stamp import catalog_stamp
from shop.media.models import StoredImage
from shop.reviews.services import review_save
from tests.catalog.test_page_cache import empty_cache, watched_tables  # noqa: F401 - the cache emptied around each test
from tests.catalog.test_sales_keep_pages import cached, queries_of
from tests.factories.catalog import ProductFactory, ReadyImageFactory
from tests.reviews.conftest import delivered_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelves():
    """A kikoi with two neighbours in fabrics, and a phone in another category."""
    fabrics = Category.objects.get(slug="fashion-fabrics")
    kikoi = ProductFactory(title="Striped kikoi", category=fabrics, images=1, tags=["beach"], variants=[{"price": Decimal("1200")}])
    neighbours = [
        ProductFactory(title=title, category=fabrics, images=1, variants=[{"price": Decimal("800")}]) for title in ("Plain kitenge", "Blue kanga")
    ]
    phone = ProductFactory(title="Feature phone", category=Category.objects.get(slug="electronics-phones"), images=1)
    # A new word is a change of the shared tags too: made beforehand, with the pictures the edits add.
    Tag.objects.create(name="new-tag")
    ReadyImageFactory.create_batch(2)
    return kikoi, neighbours, phone


def page(product: Product) -> str:
    return f"/p/{product.slug}/"


def edits(product: Product):
    """Every kind of change a seller makes to one listing, one table of CATEGORY_SCOPED each."""
    yield "catalog_product", lambda: Product.objects.filter(pk=product.pk).update(title="Renamed listing")
    yield "catalog_variant", lambda: Variant.objects.filter(product=product).update(price=F("price") + 1)
    spare = StoredImage.objects.exclude(pk__in=ProductImage.objects.values("image")).first
    yield "catalog_productimage", lambda: ProductImage.objects.create(product=product, image=spare(), alt="Worn on the beach at Diani")
    yield "catalog_product_tags", lambda: product_tags_set(product=product, names=["new-tag"])


def test_each_kind_of_change_table_is_one_a_seller_edit_makes():
    assert {table for table, _edit in edits(Product())} == set(CATEGORY_SCOPED)


@pytest.mark.parametrize("table", list(CATEGORY_SCOPED))
def test_an_edit_of_a_listing_elsewhere_leaves_the_product_page_kept(shelves, table):
    kikoi, _neighbours, phone = shelves
    cached(page(kikoi))
    stamp = catalog_stamp()

    dict(edits(phone))[table]()

    assert catalog_stamp() != stamp  # listings follow it
    ran, html = queries_of(page(kikoi))
    assert ran == 1, f"an edit of {table} in another category rendered the page again"
    assert "Striped kikoi" in html


@pytest.mark.parametrize("table", list(CATEGORY_SCOPED))
def test_an_edit_of_the_listing_itself_shows_at_once(shelves, table):
    kikoi, _neighbours, _phone = shelves
    before = cached(page(kikoi))

    dict(edits(kikoi))[table]()

    ran, after = queries_of(page(kikoi))
    assert ran > 1
    shown = {"catalog_product": "Renamed listing", "catalog_variant": "1,201", "catalog_productimage": "Picture 2 of 2", "catalog_product_tags": "#new-tag"}
    assert shown[table] not in before
    assert shown[table] in after


def test_a_neighbours_new_price_and_title_show_in_more_in_at_once(shelves):
    kikoi, neighbours, _phone = shelves
    assert "Plain kitenge" in cached(page(kikoi))

    Product.objects.filter(pk=neighbours[0].pk).update(min_price=Decimal("777"))  # its lowest price, on its card
    Product.objects.filter(pk=neighbours[1].pk).update(title="Wax print kanga")

    html = queries_of(page(kikoi))[1]
    assert "777" in html and "Wax print kanga" in html


def test_a_listing_moved_in_or_out_of_the_category_shows_in_more_in_at_once(shelves):
    kikoi, neighbours, phone = shelves
    cached(page(kikoi))

    Product.objects.filter(pk=phone.pk).update(category=kikoi.category)
    assert "Feature phone" in queries_of(page(kikoi))[1]

    cached(page(phone))
    Product.objects.filter(pk=phone.pk).update(category=Category.objects.get(slug="electronics-phones"))
    assert "Feature phone" not in queries_of(page(kikoi))[1]
    assert "Plain kitenge" in cached(page(kikoi))
    neighbours[0].delete()
    assert "Plain kitenge" not in queries_of(page(kikoi))[1]


def test_a_shared_change_renders_every_product_page_again(shelves):
    kikoi, _neighbours, phone = shelves
    for product in (kikoi, phone):
        cached(page(product))

    Store.objects.filter(pk=phone.store_id).update(name="Simu Corner")
    Category.objects.filter(pk=kikoi.category_id).update(name="Fabrics and wraps")

    assert "Simu Corner" in queries_of(page(phone))[1]
    assert queries_of(page(kikoi))[0] > 1


def test_the_triggers_name_the_category_of_each_scoped_change_and_no_other_table_does(shelves):
    kikoi, _neighbours, _phone = shelves
    for table, edit in edits(kikoi):
        last = CatalogChange.objects.order_by("-id").values_list("id", flat=True).first()
        edit()
        named = set(CatalogChange.objects.filter(id__gt=last).values_list("category_id", flat=True))
        assert named == {kikoi.category_id}, table
    last = CatalogChange.objects.order_by("-id").values_list("id", flat=True).first()
    Store.objects.filter(pk=kikoi.store_id).update(name="Renamed store")
    assert set(CatalogChange.objects.filter(id__gt=last).values_list("category_id", flat=True)) == {None}
    assert set(CATEGORY_SCOPED) <= watched_tables()
    if connection.vendor == "postgresql":  # row triggers: a bulk update names each listing's category
        with connection.cursor() as cursor:
            cursor.execute("SELECT DISTINCT event_object_table FROM information_schema.triggers WHERE action_orientation = 'ROW' AND trigger_name LIKE '%%_changed'")
            assert {row[0] for row in cursor.fetchall()} == set(CATEGORY_SCOPED) | set(STORE_ROWS) | {
                "reviews_review", "reviews_reviewphoto", "media_storedimage", "sellers_store"
            }


@pytest.mark.parametrize("table", list(CATEGORY_SCOPED))
def test_a_category_page_is_kept_through_edits_elsewhere_and_shows_its_own_at_once(shelves, table):
    kikoi, _neighbours, phone = shelves
    for url in ("/c/fashion/", "/c/fashion-fabrics/", "/c/fashion-shoes/"):
        cached(url)

    dict(edits(phone))[table]()  # electronics: another part of the tree

    for url in ("/c/fashion/", "/c/fashion-fabrics/", "/c/fashion-shoes/"):
        assert queries_of(url)[0] == 1, f"an edit of {table} in electronics rendered {url} again"
    dict(edits(kikoi))[table]()  # fashion › fabrics
    assert queries_of("/c/fashion/")[0] > 1 and queries_of("/c/fashion-fabrics/")[0] > 1
    assert queries_of("/c/fashion-shoes/")[0] == 1


def test_a_listing_moved_into_a_category_shows_on_its_page_and_its_parents(shelves):
    _kikoi, _neighbours, phone = shelves
    assert "Feature phone" not in cached("/c/fashion/") and "Feature phone" not in cached("/c/fashion-fabrics/")

    Product.objects.filter(pk=phone.pk).update(category=Category.objects.get(slug="fashion-fabrics"))

    assert "Feature phone" in queries_of("/c/fashion/")[1] and "Feature phone" in queries_of("/c/fashion-fabrics/")[1]


def test_a_review_of_a_listing_elsewhere_leaves_the_pages_kept_and_its_own_shows_at_once(shelves):
    kikoi, _neighbours, phone = shelves
    for url in (page(kikoi), "/c/fashion/"):
        cached(url)

    order = delivered_order(store=phone.store, items=[(phone.variants.first(), 1)])
    review_save(order=order, author=order.buyer, item=order.items.first(), stars=2, text="The battery lasts a day")
    assert queries_of(page(kikoi))[0] == 1 and queries_of("/c/fashion/")[0] == 1
    assert "The battery lasts a day" in queries_of(page(phone))[1]

    order = delivered_order(store=kikoi.store, items=[(kikoi.variants.first(), 1)])
    review_save(order=order, author=order.buyer, item=order.items.first(), stars=5, text="Soft and bright")
    assert "Soft and bright" in queries_of(page(kikoi))[1]
    for url in ("/c/fashion/", page(phone)):
        cached(url)
    review_save(order=order, author=order.buyer, stars=4, text="Quick and friendly")  # the store's: its own pages
    assert queries_of("/c/fashion/")[0] == 1 and queries_of(page(phone))[0] == 1
    assert queries_of(page(kikoi))[0] > 1


def test_a_stores_new_rating_shows_on_its_listings_pages_and_leaves_the_others_kept(shelves):
    """A store's rating shows on its listings' pages, whatever their category, and on its
    own page; a category page shows none (``STORE_SCOPED``)."""
    kikoi, _neighbours, phone = shelves
    charger = ProductFactory(title="Solar charger", store=kikoi.store, category=phone.category, images=1)
    pages = [page(kikoi), page(charger), f"/s/{kikoi.store.slug}/"]
    for url in (*pages, page(phone), "/c/fashion/", "/c/electronics/"):
        assert "4.5" not in cached(url)

    Store.objects.filter(pk=kikoi.store_id).update(rating_avg=Decimal("4.5"), rating_count=2)

    for url in pages:
        assert "4.5" in queries_of(url)[1], url
    for url in (page(phone), "/c/fashion/", "/c/electronics/"):
        assert queries_of(url)[0] == 1, url


def test_a_stores_rating_names_the_store_and_the_rest_of_its_row_is_shared(shelves):
    kikoi, _neighbours, _phone = shelves
    recorded = {}
    for name, changes in {
        "rating": {"rating_avg": Decimal("4.5"), "rating_count": 2},
        "name": {"name": "Pwani Wraps"},
        "both": {"rating_count": 3, "name": "Pwani Wraps and Kikois"},
        "orders": {"orders_count": F("orders_count") + 1},
    }.items():
        last = CatalogChange.objects.order_by("-id").values_list("id", flat=True).first()
        Store.objects.filter(pk=kikoi.store_id).update(**changes)
        recorded[name] = set(CatalogChange.objects.filter(id__gt=last).values_list("category_id", "store_id"))
    assert recorded == {
        "rating": {(None, kikoi.store_id)},
        "name": {(None, None)},
        "both": {(None, None), (None, kikoi.store_id)},
        "orders": set(),
    }


def store_edits(store: Store):
    """A change of each table of STORE_ROWS, to ``store``'s rows."""
    yield "sellers_storehours", lambda: StoreHours.objects.update_or_create(store=store, weekday=6, defaults={"closed": True})
    yield "sellers_store_categories", lambda: store.categories.add(Category.objects.get(slug="electronics-phones"))
    yield "blog_post", lambda: Post.objects.create(
        store=store, title="New kikois for the coast", slug="new-kikois", body="Fresh from Lamu.", status=Post.Status.PUBLISHED, published_at=timezone.now()
    )


def test_each_store_row_table_is_one_a_store_edit_makes():
    assert {table for table, _edit in store_edits(Store())} == set(STORE_ROWS)


@pytest.mark.parametrize("table", list(STORE_ROWS))
def test_a_stores_hours_categories_and_posts_name_the_store_and_leave_other_pages_kept(shelves, table):
    kikoi, _neighbours, phone = shelves
    for url in (page(phone), "/c/fashion/", "/c/electronics/", f"/s/{kikoi.store.slug}/"):
        cached(url)
    last = CatalogChange.objects.order_by("-id").values_list("id", flat=True).first()

    dict(store_edits(kikoi.store))[table]()

    assert set(CatalogChange.objects.filter(id__gt=last).values_list("category_id", "store_id")) == {(None, kikoi.store_id)}
    for url in (page(phone), "/c/fashion/", "/c/electronics/"):
        assert queries_of(url)[0] == 1, url
    assert queries_of(f"/s/{kikoi.store.slug}/")[0] > 1
