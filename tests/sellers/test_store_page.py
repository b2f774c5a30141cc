"""A shopper opens /s/<slug>/: who the store is, when it is open, where, how to reach it, what it sells."""

from datetime import time
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shop.catalog.models import Category, Favorite, Product
from tests.factories import StoreFactory, UserFactory
from tests.factories.catalog import ProductFactory, ReadyImageFactory
from tests.factories.stores import places, store_hours_week

pytestmark = pytest.mark.django_db


@pytest.fixture
def store():
    where = places()
    store = StoreFactory(
        name="Mama Njeri Crafts",
        slug="mama-njeri-crafts",
        tagline="Handwoven baskets from Kisii",
        description="Every basket is made by hand.",
        phone="+254 712 345 678",
        email="hello@mama-njeri.test",
        area=where.westlands,
        area_label="Sarit Centre",
        latitude=Decimal("-1.261000"),
        longitude=Decimal("36.802300"),
        delivers_local=True,
        delivers_national=True,
        x_handle="mamanjeri",
        discord="mama.njeri",
        telegram="mamanjeri_crafts",
        ens_name="mamanjeri.eth",
        tags="baskets, kikoi",
        verified=True,
        rating_avg=Decimal("4.60"),
        rating_count=32,
        orders_count=120,
        time_zone="Africa/Nairobi",
        logo=ReadyImageFactory(),
        cover=ReadyImageFactory(),
    )
    store.categories.set([Category.objects.get(slug="crafts")])
    store_hours_week(store, opens=time(0), closes=time(0))  # open around the clock: "Open now" whenever the test runs
    return store


def test_the_store_page_shows_who_the_store_is_and_how_to_reach_it(client, store):
    response = client.get("/s/mama-njeri-crafts/")

    assert response.status_code == 200
    page = response.content.decode()
    for shown in [
        '<span data-testid="store-name"><bdi>Mama Njeri Crafts</bdi></span>',
        'data-testid="verified-badge"',
        "Handwoven baskets from Kisii",
        "<strong>4.6</strong>",
        "32 ratings",
        "120 orders",
        "Open now",
        "Open 24 hours",
        "Times in Africa/Nairobi",
        "Local",
        "National",
        "Westlands, Nairobi, Nairobi, Kenya",
        "Sarit Centre",
        "Show on a map",
        'href="tel:+254712345678"',
        'href="mailto:hello@mama-njeri.test"',
        'href="https://x.com/mamanjeri"',
        'href="https://t.me/mamanjeri_crafts"',
        "mama.njeri",
        "mamanjeri.eth",
        "unverified",
        "Every basket is made by hand.",
        'href="/stores/?category=crafts"',
        "#kikoi",
        store.logo.srcset("webp"),
        store.cover.srcset("webp"),
    ]:
        assert shown in page, shown
    assert "International" not in page


def test_a_store_page_without_optional_details_stays_tidy(client):
    StoreFactory(name="Plain Shop", slug="plain-shop", area_label="")

    page = client.get("/s/plain-shop/").content.decode()

    assert "Plain Shop" in page
    for absent in ['data-testid="verified-badge"', 'data-testid="open-badge"', 'data-testid="store-hours"', "unverified", "None"]:
        assert absent not in page, absent
    assert "No ratings yet" in page
    assert "has nothing on sale right now" in page


def test_the_ens_name_is_called_verified_only_with_an_ethereum_node_that_confirmed_it(client, store, settings):
    from django.utils import timezone

    store.ens_verified_at = timezone.now()
    store.save()
    assert 'data-testid="ens-unverified"' in client.get("/s/mama-njeri-crafts/").content.decode()  # no node: cannot say

    settings.SOKO_ETH_RPC_URL = "http://127.0.0.1:8545"
    page = client.get("/s/mama-njeri-crafts/").content.decode()

    assert 'data-testid="ens-verified"' in page
    assert ">unverified<" not in page


def test_a_closed_store_says_so(client, store):
    store.hours.all().delete()
    store_hours_week(store, closed_days=range(7))

    page = client.get("/s/mama-njeri-crafts/").content.decode()

    assert "Closed now" in page


def test_only_products_shoppers_may_see_are_listed_newest_first(client, store):
    old = ProductFactory(store=store, title="Old basket")
    new = ProductFactory(store=store, title="New basket")
    new.published_at = old.published_at.replace(year=old.published_at.year + 1)
    new.save()
    ProductFactory(store=store, title="Draft basket", draft=True)
    ProductFactory(store=store, title="Rejected basket", status=Product.Status.REJECTED)
    ProductFactory(title="Someone else's basket")

    response = client.get("/s/mama-njeri-crafts/")

    assert [product.title for product in response.context["products"]] == ["New basket", "Old basket"]
    assert "Products <span" in response.content.decode()


def test_products_are_paginated_and_the_next_page_comes_as_a_fragment_for_htmx(client, store, settings):
    settings.SOKO_CATALOG_PAGE_SIZE = 2
    for n in range(5):
        ProductFactory(store=store, title=f"Basket {n}")

    first = client.get("/s/mama-njeri-crafts/")
    assert len(first.context["products"]) == 2
    assert 'href="?page=2"' in first.content.decode()

    fragment = client.get("/s/mama-njeri-crafts/?page=3", HTTP_HX_REQUEST="true")

    assert "HX-Request" in fragment["Vary"]
    html = fragment.content.decode()
    assert "<html" not in html and "Handwoven baskets from Kisii" not in html
    assert html.count('data-testid="product-card"') == 1
    assert "Page 3 of 3" in html


def test_a_shopper_who_saved_the_store_sees_it_saved(client, store):
    shopper = UserFactory()
    Favorite.objects.create(user=shopper, store=store)
    client.force_login(shopper)

    page = client.get("/s/mama-njeri-crafts/").content.decode()

    assert '<span class="ms-1">Saved</span><span class="visually-hidden"> <bdi>Mama Njeri Crafts</bdi></span>' in page


def test_an_unknown_store_is_not_found(client):
    assert client.get("/s/no-such-store/").status_code == 404


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_store_page_costs_the_same_queries_for_two_products_or_twenty(client, store, django_assert_max_num_queries):
    for _n in range(2):
        ProductFactory(store=store, images=1)
    few = count_queries(client, "/s/mama-njeri-crafts/")
    for _n in range(18):
        ProductFactory(store=store, images=2, variants=2)

    with django_assert_max_num_queries(few):
        client.get("/s/mama-njeri-crafts/")
    assert few <= 11  # one of them the store's latest blog posts, one the kept copy's key (the stamp, the orders counted)


def test_a_logged_in_shopper_page_costs_a_fixed_number_of_queries_too(client, store, django_assert_max_num_queries):
    client.force_login(UserFactory())
    ProductFactory(store=store, images=1)
    few = count_queries(client, "/s/mama-njeri-crafts/")
    for _n in range(10):
        ProductFactory(store=store, images=1)

    with django_assert_max_num_queries(few):
        client.get("/s/mama-njeri-crafts/")
