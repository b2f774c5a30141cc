"""A query compiled once runs again with other values: every place an argument reaches is
given the value, the ORM builds it once per database, and an argument that does not reach
the SQL as a parameter of its own is refused when the query is first compiled."""

import pytest
from django.db.models import Q

from shop.accounts.models import User
from shop.core.compiled import CompiledQuery
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_each_argument_is_given_its_value_wherever_it_reaches_the_sql():
    users = [UserFactory(display_name=name) for name in ("Amina", "Baraka", "Chausiku")]
    built = []

    def named(first, second):
        built.append((first, second))
        return User.objects.filter(Q(pk=first) | Q(pk=second)).exclude(pk=second, is_staff=True).order_by("pk").values_list("display_name")

    query = CompiledQuery(User, named)

    assert query.rows(users[0].pk, users[2].pk) == [("Amina",), ("Chausiku",)]
    assert query.rows(users[1].pk, users[1].pk) == [("Baraka",)]
    assert query.value(users[2].pk, -1) == "Chausiku"
    assert query.value(-1, -2) is None
    assert len(built) == 1  # built and compiled once


def test_an_argument_that_does_not_reach_the_sql_unchanged_is_refused():
    query = CompiledQuery(User, lambda name: User.objects.filter(display_name__icontains=name).values_list("pk"))

    with pytest.raises(ValueError, match="does not reach its SQL"):
        query.rows("Amina")


def test_instances_are_what_the_queryset_gives_joined_rows_and_converted_columns_included():
    """Every column, joined rows on their fields (a missing one as None), dates as dates on
    every database (SQLite stores them as text), decimals as decimals."""
    from shop.catalog.models import Product
    from tests.factories.catalog import ProductFactory

    products = [ProductFactory(), ProductFactory()]
    query = CompiledQuery(Product, lambda pk: Product.objects.select_related("store__logo", "category").filter(pk=pk))

    for product in products:
        compiled = query.first(product.pk)
        expected = Product.objects.select_related("store__logo", "category").get(pk=product.pk)
        assert compiled is not None and compiled.pk == product.pk
        for field in Product._meta.concrete_fields:
            assert getattr(compiled, field.attname) == getattr(expected, field.attname), field.name
        assert compiled.published_at == expected.published_at and compiled.published_at.tzinfo is not None
        assert Product._meta.get_field("store").is_cached(compiled)
        assert compiled.store.name == expected.store.name and compiled.store.created_at == expected.store.created_at
        assert Product._meta.get_field("category").is_cached(compiled) and compiled.category.slug == expected.category.slug
        assert compiled.store.logo is None and compiled.store._meta.get_field("logo").is_cached(compiled.store)
        assert compiled._state.adding is False and compiled._state.db == expected._state.db
    assert query.first(-1) is None
    assert query.instances(-1) == []


def test_an_argument_other_than_an_id_names_its_stand_in():
    users = [UserFactory(email=f"person{n}@example.com") for n in range(2)]
    query = CompiledQuery(User, lambda email: User.objects.filter(email=email), stand_ins=("stand-in@example.com",))

    assert query.first("person1@example.com") == users[1]
    assert query.first("nobody@example.com") is None


def test_a_named_stand_in_comes_first_and_ids_after_it_and_annotations_reach_the_instances():
    from django.db.models import Exists, OuterRef

    from shop.catalog.models import Favorite, Product
    from tests.factories.catalog import ProductFactory

    kept, other = ProductFactory(), ProductFactory()
    keeper = UserFactory()
    Favorite.objects.create(user=keeper, product=kept)
    query = CompiledQuery(
        Product,
        lambda slug, user_id: Product.objects.filter(slug=slug).annotate(
            is_favorite=Exists(Favorite.objects.filter(user_id=user_id, product=OuterRef("pk")))
        ),
        stand_ins=("stand-in-slug",),
    )

    assert query.first(kept.slug, keeper.pk).is_favorite is True
    assert query.first(other.slug, keeper.pk).is_favorite is False
    assert query.first(kept.slug, UserFactory().pk).is_favorite is False


def test_prefetched_rows_answer_without_a_query_and_know_their_parent(django_assert_num_queries):
    from shop.catalog.models import Product, Variant
    from shop.core.compiled import prefetched
    from tests.factories.catalog import ProductFactory

    product = Product.objects.get(pk=ProductFactory(variants=2, tags=["clay", "pot"]).pk)
    variants = list(Variant.objects.filter(product=product).order_by("-id"))
    tags = list(product.tags.order_by("name"))
    product = Product.objects.get(pk=product.pk)

    prefetched(product, "variants", variants)
    prefetched(product, "tags", tags)
    with django_assert_num_queries(0):
        assert list(product.variants.all()) == variants
        assert [tag.name for tag in product.tags.all()] == ["clay", "pot"]
        assert all(variant.product is product for variant in product.variants.all())
