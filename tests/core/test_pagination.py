"""The page query counts the whole match itself; a separate count runs only for an empty page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shop.catalog.models import Product
from shop.core.pagination import WindowCountPaginator
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
