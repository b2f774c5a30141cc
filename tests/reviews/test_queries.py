"""The product page, the review list and the store's dashboard cost the same number of
queries for 5 reviews as for 100 (with photos and responses)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shop.reviews.services import review_respond, review_save
from tests.factories import UserFactory
from tests.factories.orders import member_of
from tests.media.pictures import picture_bytes, upload

from .conftest import delivered_order

pytestmark = pytest.mark.django_db


def reviewed(variant, store, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        order = delivered_order(items=[(variant, 1)], store=store)
        photos = [upload("p.jpg", picture_bytes(colour=(n % 250, 20, 20)))] if n % 3 == 0 else []
        review = review_save(
            order=order,
            author=order.buyer,
            item=order.items.first(),
            stars=n % 5 + 1,
            text=f"Review {n}",
            photos=photos,
        )
        review_save(order=order, author=order.buyer, stars=5)
        if n % 2:
            review_respond(review=review, user=member_of(order), text="Thanks")


def count(client, url) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_review_pages_cost_the_same_for_5_and_100_reviews(client):
    first = delivered_order()
    variant, store = first.items.first().variant, first.store
    client.force_login(UserFactory())
    seller = member_of(first)
    urls = [
        reverse("catalog:product", args=[variant.product.slug]),
        reverse("reviews:product", args=[variant.product_id]) + "?sort=helpful",
        reverse("stores:detail", args=[store.slug]),
    ]
    reviewed(variant, store, 5)
    small = [count(client, url) for url in urls]
    client.force_login(seller)
    small_dashboard = count(client, reverse("sellers:reviews"))

    reviewed(variant, store, 95, start=5)
    client.force_login(UserFactory())
    assert [count(client, url) for url in urls] == small
    client.force_login(seller)
    assert count(client, reverse("sellers:reviews")) == small_dashboard
