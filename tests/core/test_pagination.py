"""The page query counts the whole match itself; a separate count runs only for an empty page.
A long list's page (RankedPagePaginator) reads its rows by the ids of a narrow subquery and
counts only up to a threshold."""

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from shop.catalog.models import Product
from shop.core.pagination import RankedPagePaginator, WindowCountPaginator, _two_figures
from tests.factories.catalog import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def products():
    ProductFactory.create_batch(7)
    return Product.objects.order_by("pk")


@pytest.mark.parametrize(("asked", "number", "rows"), [(1, 1, 3), ("2", 2, 3), (3, 3, 1), ("x", 1, 3), (None, 1, 3), ("-4", 1, 3)])
def test_a_page_and_the_total_come_from_one_query(products, asked, number, rows):
    with CaptureQueriesContext(connection) as queries:
        page = WindowCountPaginator(products, 3).get_page(asked)
        shown = list(page.object_list)

    assert (page.number, len(shown), page.paginator.count, page.paginator.num_pages) == (number, rows, 7, 3)
    assert len(queries) == 1
    assert shown == list(products)[(number - 1) * 3 : number * 3]


@pytest.mark.parametrize("asked", ["9", "99999999999999999999999"])
def test_a_page_past_the_end_shows_the_last_one(products, asked):
    page = WindowCountPaginator(products, 3).get_page(asked)

    assert (page.number, len(page.object_list), page.paginator.count) == (3, 1, 7)


def test_an_empty_result_is_one_empty_page(db):
    page = WindowCountPaginator(Product.objects.order_by("pk"), 3).get_page(1)

    assert (page.number, list(page.object_list), page.paginator.count) == (1, [], 0)


# A page of a long list: ids from a narrow subquery, a count that stops ------------------


@pytest.mark.parametrize(("asked", "number", "rows"), [(1, 1, 3), ("2", 2, 3), (3, 3, 1), ("x", 1, 3), ("-4", 1, 3)])
def test_a_ranked_page_and_its_total_come_from_one_query(products, asked, number, rows):
    with CaptureQueriesContext(connection) as queries:
        page = RankedPagePaginator(products, 3, exact_below=100).get_page(asked)
        shown = list(page.object_list)

    assert (page.number, len(shown), page.paginator.count, page.paginator.num_pages) == (number, rows, 7, 3)
    assert len(queries) == 1
    assert not page.paginator.estimated
    assert shown == list(products)[(number - 1) * 3 : number * 3]


@pytest.mark.parametrize("asked", ["9", "99999999999999999999999"])
def test_a_ranked_page_past_the_end_shows_the_last_one(products, asked):
    page = RankedPagePaginator(products, 3, exact_below=100).get_page(asked)

    assert (page.number, len(page.object_list), page.paginator.count) == (3, 1, 7)


def test_a_ranked_list_keeps_its_order_and_its_annotations(products):
    newest_first = products.order_by("-pk").annotate(doubled=F("pk") * 2)

    page = RankedPagePaginator(newest_first, 3, exact_below=100).get_page(2)

    assert [product.pk for product in page.object_list] == [product.pk for product in newest_first][3:6]
    assert all(product.doubled == product.pk * 2 for product in page.object_list)


def test_the_last_page_of_a_long_list_knows_its_total_without_an_estimate(products):
    page = RankedPagePaginator(products, 3, exact_below=2).get_page(3)

    assert (page.paginator.count, page.paginator.estimated) == (7, False)


def test_past_the_threshold_sqlite_counts_exactly_and_postgresql_estimates(products):
    page = RankedPagePaginator(products, 3, exact_below=4).get_page(1)

    if connection.vendor == "postgresql":
        assert page.paginator.estimated
        assert page.paginator.count >= 5
    else:
        assert (page.paginator.count, page.paginator.estimated) == (7, False)


@pytest.mark.parametrize(("number", "shown"), [(7, 7), (99, 99), (123, 120), (16_384, 16_000), (1_049_999, 1_000_000)])
def test_an_estimate_is_shown_to_two_figures(number, shown):
    assert _two_figures(number) == shown
