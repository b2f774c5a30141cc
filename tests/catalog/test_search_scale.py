"""Search and category pages cost what the page shows, not what matches: a signed-in
shopper's hearts are worked out for the shown listings only, the total is counted up to a
threshold and estimated above it ("about 16,000 products"), and a typo is corrected by the
title trigram index. Timings are in bench/catalog_scale.py, not here."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings

from sellers.selectors import store_products
from shop.catalog.models import Category, Favorite, Product
from shop.catalog.selectors.filters import SORT_ORDER
from shop.catalog.selectors.products import category_leaders, product_scope, product_search
from shop.catalog.selectors.search import search_words_indexed
from tests.factories import StoreFactory
from tests.factories.catalog import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fashion():
    return Category.objects.get(slug="fashion")


def _kikois(count: int, category: Category, *, favourite_of=None) -> None:
    """``count`` listings that all match "kikoi", half of them the shopper's favourites."""
    store = StoreFactory(latitude=Decimal("-1.28"), longitude=Decimal("36.8"))
    for n in range(count):
        product = ProductFactory(title=f"Striped kikoi {n}", category=category, store=store, images=1, variants=1)
        if favourite_of is not None and n % 2:
            Favorite.objects.create(user=favourite_of, product=product)


def _queries(client, path, params) -> CaptureQueriesContext:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params)
    assert response.status_code == 200
    assert response.context["page"].object_list
    return queries


@override_settings(SOKO_CATALOG_EXACT_COUNT_BELOW=10, SOKO_CATALOG_PAGE_SIZE=10)
@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/search/", {"q": "kikoi"}),
        ("/search/", {"q": "kikio"}),  # a typo
        ("/c/fashion/", {}),
        ("/c/fashion/", {"page": "2", "sort": "price"}),
        ("/search/", {"q": "kikoi", "sort": "distance", "lat": "-1.3", "lng": "36.8"}),
    ],
)
def test_a_signed_in_page_costs_the_same_queries_for_30_and_90_matches(client, user, fashion, path, params):
    client.force_login(user)
    _kikois(30, fashion, favourite_of=user)
    thirty = _queries(client, path, params)

    _kikois(60, fashion, favourite_of=user)
    ninety = _queries(client, path, params)

    assert len(ninety) == len(thirty), [query["sql"][:120] for query in ninety.captured_queries]


def test_hearts_are_worked_out_for_the_shown_listings_only(client, user, fashion):
    client.force_login(user)
    _kikois(40, fashion, favourite_of=user)

    queries = _queries(client, "/search/", {"q": "kikoi"})

    (page_query,) = [query["sql"] for query in queries.captured_queries if "catalog_favorite" in query["sql"]]
    # The favourites' EXISTS is asked once, of the page's rows: neither the subquery that
    # picks the page's ids nor the one that counts the matches reads favourites.
    assert page_query.count("catalog_favorite") == 1
    ids = re.search(r"IN \((SELECT .*? LIMIT 24)\)", page_query).group(1)
    counted = re.search(r"SELECT COUNT\(\*\) FROM \((SELECT .*?)\) matches", page_query).group(1)
    assert "catalog_favorite" not in ids and "catalog_favorite" not in counted
    shown = client.get("/search/", {"q": "kikoi"}).context["page"].object_list
    favourites = set(Favorite.objects.filter(user=user).values_list("product_id", flat=True))
    assert [product.is_favorite for product in shown] == [product.pk in favourites for product in shown]
    assert any(product.is_favorite for product in shown)


@override_settings(SOKO_CATALOG_EXACT_COUNT_BELOW=50)
def test_below_the_threshold_the_total_is_exact(client, fashion):
    _kikois(30, fashion)

    response = client.get("/search/", {"q": "kikoi"})

    assert response.context["page"].paginator.count == 30
    assert "30 products · page 1 of 2" in response.content.decode()


@pytest.mark.postgres
@override_settings(SOKO_CATALOG_EXACT_COUNT_BELOW=10)
def test_above_the_threshold_the_total_is_an_estimate_and_says_so(client, fashion):
    _kikois(30, fashion)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_product")

    response = client.get("/search/", {"q": "kikoi"})

    paginator = response.context["page"].paginator
    assert paginator.estimated and paginator.count > 10
    count = response.content.decode().split('data-testid="result-count"')[1].split("</span>")[0]
    assert re.search(r"about [\d,]+ products · page 1 of about \d+", count)


@override_settings(SOKO_CATALOG_EXACT_COUNT_BELOW=10)
def test_a_page_past_an_estimate_shows_the_last_page(client, fashion):
    _kikois(30, fashion)

    response = client.get("/search/", {"q": "kikoi", "page": "40"})

    page = response.context["page"]
    assert (page.number, len(page.object_list), page.paginator.count) == (2, 6, 30)


def test_a_typo_is_still_corrected(client, fashion):
    _kikois(3, fashion)
    ProductFactory(title="Leather sandals", category=fashion)

    found = [product.title for product in client.get("/search/", {"q": "kikio"}).context["page"].object_list]

    assert sorted(found) == ["Striped kikoi 0", "Striped kikoi 1", "Striped kikoi 2"]


@pytest.mark.postgres
def test_postgresql_matches_a_typo_by_title_trigrams_and_a_known_word_by_the_search_document(fashion):
    _kikois(3, fashion)
    ProductFactory(title="Draft kimono", status=Product.Status.DRAFT, category=fashion)

    assert search_words_indexed(["kikoi", "kikio", "kimono"]) == {"kikoi"}  # drafts do not count
    known, _ = product_search(product_scope(), query="kikoi").query.sql_with_params()
    typo, _ = product_search(product_scope(), query="kikio").query.sql_with_params()
    assert "search_document @@" in known and "%>" not in known
    assert "%>" in typo and "search_document @@" not in typo and "EXISTS" not in typo


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("listing", "index"),
    [
        (lambda category, product: product_scope(category_ids=[category.pk]).order_by(*SORT_ORDER["newest"]), "product_live_category_newest_idx"),
        (lambda category, product: product_scope().order_by(*SORT_ORDER["newest"]), "product_live_newest_idx"),
        (lambda category, product: category_leaders(product.category_id), "product_live_category_popular_idx"),
        (lambda category, product: store_products(store=product.store, user=AnonymousUser()), "product_live_store_newest_idx"),
    ],
)
def test_each_default_listing_reads_its_ids_in_order_from_an_index(fashion, listing, index):
    product = ProductFactory(category=fashion)
    sql, params = listing(fashion, product).values("pk")[:24].query.sql_with_params()

    with transaction.atomic(), connection.cursor() as cursor:
        # A test table is tiny: with scans and sorts priced out, the planner shows whether an
        # index gives the listing's order.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    # (With one row, the planner may as well take another live listings' index in order.)
    assert re.search(r"Index (Only )?Scan using product_live_", plan) and "Sort" not in plan, plan
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [index])
        assert "WHERE ((status)::text = 'active'::text)" in cursor.fetchone()[0]
