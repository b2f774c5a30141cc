"""A rating distribution counts the visible reviews of its product, or of the store itself,
by stars: a hidden review, another product's and the other kind are not in it."""

import pytest
from django.utils import timezone

from shop.reviews.models import Review
from shop.reviews.selectors import rating_distribution
from shop.reviews.services import review_save

from .conftest import delivered_order

pytestmark = pytest.mark.django_db


def test_each_distribution_counts_its_own_visible_reviews_by_stars():
    first = delivered_order()
    variant, store = first.items.first().variant, first.store
    other = delivered_order(store=store)
    stars = [5, 5, 4, 1]
    for n, given in enumerate(stars):
        order = first if n == 0 else delivered_order(items=[(variant, 1)], store=store)
        review_save(order=order, author=order.buyer, item=order.items.first(), stars=given, text="")
        review_save(order=order, author=order.buyer, stars=3)  # the store itself
    review_save(order=other, author=other.buyer, item=other.items.first(), stars=2, text="")  # another product
    hidden = Review.objects.filter(product=variant.product, stars=1).get()
    hidden.hidden_at = timezone.now()
    hidden.save(update_fields=["hidden_at"])

    product = rating_distribution(product_id=variant.product_id)
    assert product.count == 3
    assert product.rows == [(5, 2, 67), (4, 1, 33), (3, 0, 0), (2, 0, 0), (1, 0, 0)]

    own = rating_distribution(store_id=store.pk)
    assert own.count == 4 and own.rows == [(5, 0, 0), (4, 0, 0), (3, 4, 100), (2, 0, 0), (1, 0, 0)]

    assert rating_distribution(product_id=other.items.first().variant.product_id).rows[3] == (2, 1, 100)
    nobody = rating_distribution(product_id=-1)
    assert nobody.count == 0 and nobody.rows == [(stars, 0, 0) for stars in range(5, 0, -1)]
