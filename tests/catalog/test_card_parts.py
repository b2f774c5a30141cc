"""A card's picture and price come from each product's first picture (by position) and its
cheapest variant (then by position): read for a whole list in two queries, whatever its
length, and the same as reading them with the ORM's prefetches would give."""

from decimal import Decimal

import pytest
from django.db.models import Prefetch

from shop.catalog.models import Product, ProductImage, Variant
from shop.catalog.selectors.products import product_cards, with_favorite_flag
from tests.factories import UserFactory
from tests.factories.catalog import ProductFactory

pytestmark = pytest.mark.django_db


def prefetched_the_orm_way(ids):
    return {
        product.pk: product
        for product in Product.objects.filter(pk__in=ids).prefetch_related(
            Prefetch("images", queryset=ProductImage.objects.select_related("image").order_by("position", "id")[:1], to_attr="card_images"),
            Prefetch("variants", queryset=Variant.objects.order_by("price", "position", "id")[:1], to_attr="card_variants"),
        )
    }


@pytest.fixture
def shelf():
    tied = ProductFactory(
        images=3,
        variants=[{"price": Decimal("900"), "name": "Later"}, {"price": Decimal("900"), "name": "First"}, {"price": Decimal("1200")}],
    )
    Variant.objects.filter(product=tied, name="Later").update(position=5)
    moved = tied.images.order_by("id").first()
    ProductImage.objects.filter(pk=moved.pk).update(position=7)
    bare = ProductFactory(variants=0)
    cheap_last = ProductFactory(images=1, variants=[{"price": Decimal("500")}, {"price": Decimal("50")}])
    return [tied, bare, cheap_last, *(ProductFactory(images=1) for _ in range(3))]


def test_each_card_gets_its_first_picture_and_cheapest_variant(shelf, django_assert_num_queries):
    ids = [product.pk for product in shelf]
    expected = prefetched_the_orm_way(ids)
    for some in (ids, ids[:1], ids[1:4]):
        with django_assert_num_queries(3):  # the products, their pictures, their variants
            cards = list(product_cards(Product.objects.filter(pk__in=some)).order_by("pk"))
        assert [card.pk for card in cards] == sorted(some)
        with django_assert_num_queries(0):
            for card in cards:
                want = expected[card.pk]
                assert [(image.pk, image.image.pk, image.image.renditions) for image in card.card_images] == [
                    (image.pk, image.image.pk, image.image.renditions) for image in want.card_images
                ]
                assert [variant.pk for variant in card.card_variants] == [variant.pk for variant in want.card_variants]
                assert card.store.name and card.category.slug

    by_pk = {card.pk: card for card in product_cards(Product.objects.filter(pk__in=ids))}
    tied, bare, cheap_last = (by_pk[product.pk] for product in shelf[:3])
    assert tied.card_variants[0].name == "First" and tied.card_images[0].position == 1
    assert bare.card_variants == [] and bare.card_images == []
    assert cheap_last.card_variants[0].price == Decimal("50")


def test_cards_keep_their_parts_through_a_filter_an_annotation_and_a_slice(shelf):
    reader = UserFactory()
    cards = with_favorite_flag(product_cards(Product.objects.all()), user=reader).filter(pk__in=[p.pk for p in shelf]).order_by("-pk")[:2]
    assert [len(card.card_variants) for card in cards] == [1, 1] and all(card.is_favorite is False for card in cards)
    assert list(product_cards(Product.objects.none())) == []
    assert list(product_cards(Product.objects.filter(pk=shelf[0].pk)).values_list("pk", flat=True)) == [shelf[0].pk]
