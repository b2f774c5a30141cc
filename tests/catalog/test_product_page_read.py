"""A product page reads its product with queries compiled once: what it gets is what the
queryset with its joined rows and prefetches gives (every column, the pictures, variants
and tags in their order, the reader's favourites), reading them makes no further query,
and what a shopper may not see is not found."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Prefetch

from shop.catalog.models import Category, Favorite, Product, ProductImage, Variant
from shop.catalog.selectors.products import product_get_visible
from shop.core.errors import NotFound
from tests.factories import StoreFactory, UserFactory
from tests.factories.catalog import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def wrap():
    product = ProductFactory(
        title="Kikoi beach wrap",
        category=Category.objects.get(slug="fashion-fabrics"),
        store=StoreFactory(name="Mama Njeri Crafts"),
        images=3,
        tags=["kikoi", "cotton", "beach"],
        variants=[
            {"name": "Blue", "price": Decimal("1200"), "stock": 10},
            {"name": "Orange", "price": Decimal("1250"), "stock": 2},
        ],
    )
    # Positions out of the order they were made in, so the order read is the one asked for.
    first = product.images.order_by("id").first()
    ProductImage.objects.filter(pk=first.pk).update(position=9)
    Variant.objects.filter(product=product, name="Blue").update(position=5)
    return product


def expected(slug, user=None):
    queryset = (
        Product.objects.visible()
        .select_related("store__area__parent", "category__parent")
        .prefetch_related(
            Prefetch("images", queryset=ProductImage.objects.select_related("image").order_by("position", "id")),
            Prefetch("variants", queryset=Variant.objects.order_by("position", "id")),
            "tags",
        )
    )
    if user is not None:
        queryset = queryset.annotate(
            is_favorite=Exists(Favorite.objects.filter(user=user, product=OuterRef("pk"))),
            is_store_favorite=Exists(Favorite.objects.filter(user=user, store=OuterRef("store_id"))),
        )
    return queryset.get(slug=slug)


def columns(instance):
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def test_the_page_reads_what_the_queryset_gives_and_nothing_more(wrap, django_assert_num_queries):
    want = expected(wrap.slug)

    with django_assert_num_queries(4):  # the product with its store and category, pictures, variants, tags
        got = product_get_visible(slug=wrap.slug, user=AnonymousUser())
    with django_assert_num_queries(0):
        assert columns(got) == columns(want)
        assert columns(got.store) == columns(want.store) and columns(got.category) == columns(want.category)
        assert got.category.parent is not None and columns(got.category.parent) == columns(want.category.parent)
        assert got.store.area == want.store.area
        assert [columns(image) for image in got.images.all()] == [columns(image) for image in want.images.all()]
        assert [columns(image.image) for image in got.images.all()] == [columns(image.image) for image in want.images.all()]
        assert [variant.name for variant in got.variants.all()] == ["Orange", "Blue"]
        assert [columns(variant) for variant in got.variants.all()] == [columns(variant) for variant in want.variants.all()]
        assert [tag.name for tag in got.tags.all()] == ["beach", "cotton", "kikoi"]
        assert all(image.product is got for image in got.images.all())
        assert all(variant.product is got for variant in got.variants.all())
        assert [image.position for image in got.images.all()] == [1, 2, 9]
        assert not hasattr(got, "is_favorite")


def test_a_signed_in_reader_learns_what_they_keep_as_favourites(wrap):
    keeper, other = UserFactory(), UserFactory()
    Favorite.objects.create(user=keeper, product=wrap)

    got = product_get_visible(slug=wrap.slug, user=keeper)
    assert (got.is_favorite, got.is_store_favorite) == (True, False)
    assert columns(got) == columns(expected(wrap.slug, keeper))

    Favorite.objects.create(user=other, store=wrap.store)
    got = product_get_visible(slug=wrap.slug, user=other)
    assert (got.is_favorite, got.is_store_favorite) == (False, True)
    assert [variant.pk for variant in got.variants.all()] == [variant.pk for variant in expected(wrap.slug, other).variants.all()]


def test_a_product_a_shopper_may_not_see_is_not_found(wrap):
    draft = ProductFactory(draft=True)
    for slug in (draft.slug, "no-such-product", ""):
        for user in (AnonymousUser(), UserFactory()):
            with pytest.raises(NotFound):
                product_get_visible(slug=slug, user=user)
    wrap.status = Product.Status.PENDING
    wrap.save(update_fields=["status"])
    with pytest.raises(NotFound):
        product_get_visible(slug=wrap.slug, user=AnonymousUser())
