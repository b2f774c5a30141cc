"""Every search caps what a visitor can ask of the database: the words of a 50-word query
cost what the first eight do, and no search joins a table per word. Fifty one-letter
words on /stores/ used to take 26 s on PostgreSQL and a 500 on SQLite (64-table limit)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sellers.selectors import DirectoryQuery, store_directory
from shop.catalog.models import Category, Product
from shop.core.search import SEARCH_MAX_LENGTH, SEARCH_MAX_WORDS, search_words
from tests.factories import StoreFactory
from tests.factories.catalog import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

FIFTY_WORDS = " ".join("abcdefghijklmnopqrstuvwxy"[i % 25] + str(i) for i in range(50))
ONE_LETTERS = " ".join("abcdefghijklmnoprstuvwy"[i % 23] for i in range(50))


def test_words_are_capped_deduplicated_and_cut_to_length():
    assert search_words(FIFTY_WORDS) == FIFTY_WORDS.split()[:SEARCH_MAX_WORDS]
    assert search_words("Kikoi kikoi KIKOI wrap") == ["Kikoi", "wrap"]
    assert search_words("x" * 5000) == ["x" * SEARCH_MAX_LENGTH]
    assert search_words(None) == []


def joins_and_selects(client, url: str, **params) -> tuple[int, int, int]:
    client.get(url, params)  # warm the caches (vocabulary, facets) so both sides start alike
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    sql = " ".join(query["sql"].upper() for query in captured.captured_queries)
    return sql.count(" JOIN "), sql.count("SELECT"), len(captured.captured_queries)


@pytest.fixture
def directory():
    fashion = CategoryFactory(name="Fashion", slug="fashion")
    child = Category.objects.create(name="Kikoi", slug="kikoi", parent=fashion)
    store = StoreFactory(name="Duka la Amina", tagline="Kikoi and kanga")
    store.categories.add(child)
    ProductFactory(store=store, category=child, title="Kikoi wrap")
    return store


@pytest.mark.parametrize("url", ["/stores/", "/search/", "/c/fashion/"])
def test_a_fifty_word_query_costs_what_an_eight_word_query_does(client, directory, url):
    eight = " ".join(ONE_LETTERS.split()[:SEARCH_MAX_WORDS])
    assert joins_and_selects(client, url, q=ONE_LETTERS) == joins_and_selects(client, url, q=eight)


def test_the_store_directory_joins_no_table_per_word(directory):
    def joins(q: str) -> int:
        return str(store_directory(query=DirectoryQuery(q=q)).query).upper().count(" JOIN ")

    assert joins("kikoi") == joins("kikoi amina duka fashion") == joins(ONE_LETTERS) == joins("")


def test_a_category_word_still_finds_its_stores(client, directory):
    """A store is found by its category's name and by the parent category's name."""
    for word in ("kikoi", "fashion", "Fashion duka"):
        assert "Duka la Amina" in client.get("/stores/", {"q": word}).content.decode()
    assert "Duka la Amina" not in client.get("/stores/", {"q": "fashion electronics"}).content.decode()


@pytest.mark.parametrize(
    "url", ["/admin/sellers/store/", "/admin/catalog/product/", "/admin/orders/order/", "/admin/accounts/user/"]
)
def test_admin_search_caps_the_words_it_ors_over_every_field(admin_client, directory, url):
    eight = " ".join(ONE_LETTERS.split()[:SEARCH_MAX_WORDS])
    assert joins_and_selects(admin_client, url, q=ONE_LETTERS) == joins_and_selects(admin_client, url, q=eight)


@pytest.mark.postgres
def test_postgres_plans_a_fifty_word_product_search_like_an_eight_word_one(client, directory):
    from shop.catalog.selectors.products import product_search

    eight = " ".join(ONE_LETTERS.split()[:SEARCH_MAX_WORDS])
    assert str(product_search(Product.objects.all(), query=ONE_LETTERS).query) == str(
        product_search(Product.objects.all(), query=eight).query
    )
