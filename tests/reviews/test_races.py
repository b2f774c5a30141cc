"""Ratings stay exact when many buyers review the same product and store at the same moment."""

from decimal import Decimal

import pytest

from shop.catalog.models import Product
from shop.reviews.models import Review
from shop.reviews.services import review_save
from tests.concurrency import at_once

from .conftest import delivered_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_reviews_leave_the_product_and_store_ratings_exact():
    first = delivered_order()
    variant, store = first.items.first().variant, first.store
    orders = [first] + [delivered_order(items=[(variant, 1)], store=store) for _ in range(7)]
    stars = [1, 2, 3, 4, 5, 5, 4, 3]

    results = at_once(
        [
            lambda o=o, s=s: review_save(order=o, author=o.buyer, item=o.items.first(), stars=s)
            for o, s in zip(orders, stars, strict=True)
        ]
        + [lambda o=o, s=s: review_save(order=o, author=o.buyer, stars=s) for o, s in zip(orders, stars, strict=True)]
    )

    assert all(isinstance(result, Review) for result in results), results
    product = Product.objects.get(pk=variant.product_id)
    expected = (Decimal(sum(stars)) / len(stars)).quantize(Decimal("0.01"))
    assert (product.rating_avg, product.rating_count) == (expected, 8)
    store = type(store).objects.get(pk=store.pk)
    assert (store.rating_avg, store.rating_count) == (expected, 8)
