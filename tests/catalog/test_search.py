"""Shoppers search: words in titles, brands, tags and descriptions; typos forgiven in both modes,
ranking on PostgreSQL."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shop.catalog.models import Product
from tests.factories.catalog import ProductFactory

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    return [product.title for product in response.context["page"].object_list]


def test_search_finds_words_in_title_brand_tags_and_description(client):
    ProductFactory(title="Kiondo basket")
    ProductFactory(title="Galaxy A15", brand="Samsung")
    ProductFactory(title="Striped wrap", tags=["kikoi"])
    ProductFactory(title="Shuka", description="A checked Maasai blanket")
    ProductFactory(title="Unrelated radio")

    assert titles(client.get("/search/", {"q": "kiondo"})) == ["Kiondo basket"]
    assert titles(client.get("/search/", {"q": "samsung"})) == ["Galaxy A15"]
    assert titles(client.get("/search/", {"q": "kikoi"})) == ["Striped wrap"]
    assert titles(client.get("/search/", {"q": "maasai"})) == ["Shuka"]


def test_every_word_must_match(client):
    ProductFactory(title="Red kikoi")
    ProductFactory(title="Blue kikoi")

    assert titles(client.get("/search/", {"q": "red kikoi"})) == ["Red kikoi"]


def test_title_matches_come_before_description_matches(client):
    ProductFactory(title="Shuka blanket", description="Warm and checked.")
    ProductFactory(title="Picnic set", description="Comes with a shuka to sit on.")

    assert titles(client.get("/search/", {"q": "shuka"})) == ["Shuka blanket", "Picnic set"]


@pytest.mark.parametrize("status", [Product.Status.DRAFT, Product.Status.PENDING, Product.Status.REJECTED, Product.Status.ARCHIVED])
def test_search_never_finds_unpublished_listings(client, status):
    ProductFactory(title="Secret necklace", status=status)

    assert titles(client.get("/search/", {"q": "necklace"})) == []


def test_empty_result_says_so(client):
    response = client.get("/search/", {"q": "unobtainium"})

    assert response.status_code == 200
    assert "Nothing matches “unobtainium”" in response.content.decode()


def test_search_inside_a_category_stays_in_it(client):
    from shop.catalog.models import Category

    ProductFactory(title="Kikoi wrap", category=Category.objects.get(slug="fashion-fabrics"))
    ProductFactory(title="Kikoi towel", category=Category.objects.get(slug="home-decor"))

    assert titles(client.get("/c/fashion/", {"q": "kikoi"})) == ["Kikoi wrap"]


@pytest.mark.parametrize("query", ["'", '"', "a & b | !c", "%", "_", "x" * 500, "<script>", "()"])
def test_odd_search_input_never_breaks_the_page(client, query):
    ProductFactory(title="Kikoi wrap")

    response = client.get("/search/", {"q": query})

    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split('id="results"')[1]


def test_navbar_search_box_goes_to_the_search_page(client):
    page = client.get("/").content.decode()

    assert 'action="/search/"' in page and 'name="q"' in page


@pytest.mark.postgres
def test_a_misspelt_word_still_finds_the_product(client):
    ProductFactory(title="Maasai beaded necklace")
    ProductFactory(title="Leather sandals")

    assert titles(client.get("/search/", {"q": "neclace"})) == ["Maasai beaded necklace"]
    assert titles(client.get("/search/", {"q": "sandels"})) == ["Leather sandals"]


@pytest.mark.postgres
def test_title_match_ranks_above_a_description_only_match(client):
    # The description-only product is newer, so only the ranking can put the title match first.
    ProductFactory(title="Beaded necklace", description="Glass beads on wire.")
    ProductFactory(title="Gift box", description="A necklace, a bracelet and earrings.")
    ProductFactory(title="Kiondo", brand="Necklace & Co", description="A basket.")

    assert titles(client.get("/search/", {"q": "necklace"})) == ["Beaded necklace", "Kiondo", "Gift box"]


@pytest.mark.postgres
def test_postgres_search_combines_with_filters_and_other_sorts(client):
    from decimal import Decimal

    ProductFactory(title="Cheap necklace", variants__price=Decimal("100"))
    ProductFactory(title="Dear necklace", variants__price=Decimal("900"))

    assert titles(client.get("/search/", {"q": "necklace", "sort": "-price"})) == ["Dear necklace", "Cheap necklace"]
    assert titles(client.get("/search/", {"q": "necklace", "max_price": "500"})) == ["Cheap necklace"]


# Typos in the embedded (SQLite) mode: a vocabulary of live listings' words and a fuzzy matcher.
embedded = pytest.mark.skipif(connection.vendor == "postgresql", reason="PostgreSQL forgives typos by trigram")


@embedded
def test_a_misspelt_word_finds_the_listing_in_the_embedded_mode(client):
    ProductFactory(title="Beaded necklace")
    ProductFactory(title="Leather sandals")
    ProductFactory(title="Galaxy A15", brand="Samsung")

    assert titles(client.get("/search/", {"q": "neclace"})) == ["Beaded necklace"]
    assert titles(client.get("/search/", {"q": "sandels"})) == ["Leather sandals"]
    assert titles(client.get("/search/", {"q": "samsnug"})) == ["Galaxy A15"]


@embedded
def test_every_word_of_a_phrase_is_forgiven_its_typo(client):
    ProductFactory(title="Kiondo sisal basket")
    ProductFactory(title="Kiondo table mat")
    ProductFactory(title="Plastic shopping basket")

    assert titles(client.get("/search/", {"q": "kiondo baskit"})) == ["Kiondo sisal basket"]


@embedded
def test_a_correctly_spelt_word_finds_and_ranks_as_before(client):
    # "feather" is one letter from "leather": an exact word must not pull in its neighbours.
    ProductFactory(title="Leather belt")
    ProductFactory(title="Feather duster")
    ProductFactory(title="Beaded necklace")
    ProductFactory(title="Gift box", description="A necklace, a bracelet and earrings.")

    assert titles(client.get("/search/", {"q": "leather"})) == ["Leather belt"]
    assert titles(client.get("/search/", {"q": "necklace"})) == ["Beaded necklace", "Gift box"]


@embedded
def test_gibberish_finds_nothing(client):
    ProductFactory(title="Beaded necklace")
    ProductFactory(title="Kiondo sisal basket")

    response = client.get("/search/", {"q": "xqzvkw"})

    assert titles(response) == []
    assert "Nothing matches “xqzvkw”" in response.content.decode()


@embedded
def test_a_typo_never_reveals_an_unpublished_listing(client):
    ProductFactory(title="Secret necklace", status=Product.Status.DRAFT)

    assert titles(client.get("/search/", {"q": "neclace"})) == []


@embedded
def test_a_listing_published_later_is_found_by_a_typo_once_the_vocabulary_refreshes(client):
    ProductFactory(title="Beaded necklace")
    assert titles(client.get("/search/", {"q": "sandels"})) == []

    ProductFactory(title="Leather sandals")
    cache.clear()  # what the vocabulary's short cache lifetime does on its own

    assert titles(client.get("/search/", {"q": "sandels"})) == ["Leather sandals"]


def _search_queries(client, query: str) -> int:
    cache.clear()  # measure the vocabulary being built, not read from the cache
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/search/", {"q": query})
    assert response.status_code == 200 and titles(response)
    return len(queries)


@embedded
@pytest.mark.parametrize("query", ["neclace", "necklace", "kiondo baskit"])
def test_search_page_query_count_does_not_grow_with_the_catalog(client, query):
    ProductFactory(title="Beaded necklace", tags=["kiondo", "basket"])
    few = _search_queries(client, query)

    for n in range(20):
        ProductFactory(title=f"Kiondo basket {n}", brand=f"Weaver {n}", tags=["necklace", f"tag{n}"])
    many = _search_queries(client, query)

    assert many == few


@pytest.mark.parametrize(
    ("current", "last", "expected"),
    [
        (1, 1, [1]),
        (1, 3, [1, 2, 3]),
        (4, 50, [1, 2, 3, 4, 5, 6, None, 50]),
        (5, 50, [1, None, 3, 4, 5, 6, 7, None, 50]),
        (50, 50, [1, None, 48, 49, 50]),
    ],
)
def test_page_links_show_the_ends_and_two_either_side(current, last, expected):
    from django.core.paginator import Paginator

    from shop.catalog.templatetags.catalog import page_numbers

    page = Paginator(range(last * 2), 2).page(current)
    assert page_numbers(page) == expected
