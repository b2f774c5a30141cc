"""A shopper looks for a store on /stores/: by name, category or tag, open now, delivering, nearest."""

from datetime import time
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shop.catalog.models import Category
from shop.geo.selectors.distance import haversine_km
from tests.factories import StoreFactory
from tests.factories.catalog import ReadyImageFactory
from tests.factories.stores import store_hours_week

pytestmark = pytest.mark.django_db

NAIROBI_CBD = (Decimal("-1.2864"), Decimal("36.8172"))


def names(response) -> list[str]:
    return [store.name for store in response.context["stores"]]


def test_the_directory_lists_stores_and_works_without_javascript(client):
    StoreFactory(name="Mama Njeri Crafts", orders_count=5)
    StoreFactory(name="Kaloum Électronique", orders_count=50)

    response = client.get("/stores/")

    assert response.status_code == 200
    page = response.content.decode()
    assert '<form method="get" action="/stores/"' in page
    assert 'hx-push-url="true"' in page and 'hx-target="#store-results"' in page
    assert names(response) == ["Kaloum Électronique", "Mama Njeri Crafts"]  # most popular first
    assert "2 stores" in page


def test_search_finds_stores_by_name_tagline_tag_or_category(client):
    crafts, electronics = Category.objects.get(slug="crafts"), Category.objects.get(slug="electronics")
    baskets = StoreFactory(name="Mama Njeri", tags="baskets, kikoi")
    baskets.categories.set([crafts])
    phones = StoreFactory(name="Kaloum Électronique", tagline="Phones and laptop repairs")
    phones.categories.set([electronics])
    StoreFactory(name="Nyali Fresh Market")

    assert names(client.get("/stores/?q=njeri")) == ["Mama Njeri"]
    assert names(client.get("/stores/?q=KIKOI")) == ["Mama Njeri"]
    assert names(client.get("/stores/?q=crafts")) == ["Mama Njeri"]
    assert names(client.get("/stores/?q=laptop")) == ["Kaloum Électronique"]
    assert names(client.get("/stores/?q=electronics+repairs")) == ["Kaloum Électronique"]
    assert names(client.get("/stores/?q=nothing-like-this")) == []
    assert "No store matches that" in client.get("/stores/?q=nothing-like-this").content.decode()


def test_a_store_with_several_matching_categories_is_listed_once(client):
    store = StoreFactory(name="Everything Shop")
    store.categories.set(Category.objects.filter(slug__in=["home", "health", "beauty"]))

    assert names(client.get("/stores/?q=h")) == ["Everything Shop"]


def test_filter_by_category(client):
    StoreFactory(name="Crafty").categories.set([Category.objects.get(slug="crafts")])
    StoreFactory(name="Techy").categories.set([Category.objects.get(slug="electronics")])

    response = client.get("/stores/?category=crafts")

    assert names(response) == ["Crafty"]
    assert '<option value="crafts" selected>' in response.content.decode()


def test_filter_by_delivery_scope_keeps_stores_offering_any_of_those_asked(client):
    StoreFactory(name="Local only", delivers_local=True)
    StoreFactory(name="Nationwide", delivers_national=True)
    StoreFactory(name="Downloads", delivers_local=False, delivers_digital=True)
    StoreFactory(name="Everywhere", delivers_international=True)

    assert sorted(names(client.get("/stores/?scope=national&scope=digital"))) == ["Downloads", "Nationwide"]
    assert names(client.get("/stores/?scope=international")) == ["Everywhere"]


def test_open_now_keeps_stores_open_at_this_moment_in_their_own_time_zone(client):
    always = StoreFactory(name="Always open", time_zone="Africa/Nairobi")
    store_hours_week(always, opens=time(0), closes=time(0))
    never = StoreFactory(name="Closed all week", time_zone="Asia/Karachi")
    store_hours_week(never, closed_days=range(7))
    StoreFactory(name="No hours given")

    response = client.get("/stores/?open_now=on")

    assert names(response) == ["Always open"]
    assert 'data-testid="card-open"' in response.content.decode()


def test_nearest_first_from_the_shopper_location_with_stores_without_coordinates_last(client):
    StoreFactory(name="Kaloum Électronique", latitude=Decimal("9.509200"), longitude=Decimal("-13.712200"))
    StoreFactory(name="Aaa no coordinates")
    StoreFactory(name="Nyali Fresh Market", latitude=Decimal("-4.043500"), longitude=Decimal("39.668200"))
    StoreFactory(name="Mama Njeri Crafts", latitude=Decimal("-1.261000"), longitude=Decimal("36.802300"))
    StoreFactory(name="Kilimani Fixit", latitude=Decimal("-1.290000"), longitude=Decimal("36.783300"))

    lat, lng = NAIROBI_CBD
    response = client.get(f"/stores/?lat={lat}&lng={lng}&sort=distance")

    assert names(response) == [
        "Mama Njeri Crafts",  # 3.3 km
        "Kilimani Fixit",  # 3.8 km
        "Nyali Fresh Market",  # about 440 km, in Mombasa
        "Kaloum Électronique",  # about 5,700 km, in Conakry
        "Aaa no coordinates",
    ]
    stores = list(response.context["stores"])
    assert stores[0].distance_km == pytest.approx(haversine_km(lat, lng, Decimal("-1.261"), Decimal("36.8023")), rel=1e-6)
    assert 2.5 < stores[0].distance_km < 3.5
    assert 400 < stores[2].distance_km < 480
    assert stores[4].distance_km is None
    page = response.content.decode()
    assert "nearest first" in page
    assert "3.3 km" in page


def test_a_location_alone_sorts_by_distance(client):
    StoreFactory(name="Far", latitude=Decimal("9.5"), longitude=Decimal("-13.7"))
    StoreFactory(name="Near", latitude=Decimal("-1.26"), longitude=Decimal("36.80"))

    assert names(client.get("/stores/?lat=-1.2864&lng=36.8172")) == ["Near", "Far"]


def test_nearest_without_a_location_explains_how_to_share_it(client):
    StoreFactory(name="Bbb")
    StoreFactory(name="Aaa")

    response = client.get("/stores/?sort=distance")

    assert names(response) == ["Aaa", "Bbb"]
    assert "Share your location" in response.content.decode()


def test_sort_by_rating_or_popularity(client):
    StoreFactory(name="Loved", rating_avg=Decimal("4.90"), rating_count=10, orders_count=5)
    StoreFactory(name="Busy", rating_avg=Decimal("4.10"), rating_count=300, orders_count=900)
    StoreFactory(name="New", rating_avg=Decimal("0"), rating_count=0, orders_count=0)

    assert names(client.get("/stores/?sort=rating")) == ["Loved", "Busy", "New"]
    assert names(client.get("/stores/?sort=popular")) == ["Busy", "Loved", "New"]


@pytest.mark.parametrize(
    "query", ["?lat=abc&lng=36.8", "?lat=95&lng=36.8&sort=distance", "?sort=cheapest", "?category=no-such", "?scope=moon", "?page=99"]
)
def test_a_bad_parameter_is_ignored_rather_than_an_error(client, query):
    StoreFactory(name="Still here")

    response = client.get(f"/stores/{query}")

    assert response.status_code == 200
    assert names(response) == ["Still here"]


def test_htmx_gets_only_the_results_fragment_and_the_response_varies_on_it(client):
    StoreFactory(name="Mama Njeri Crafts")

    response = client.get("/stores/?q=mama", HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert "<html" not in html and "stores-filters" not in html
    assert 'data-testid="store-card"' in html
    assert "HX-Request" in response["Vary"]
    assert "HX-Request" in client.get("/stores/")["Vary"]


def test_the_directory_is_paginated(client, settings):
    settings.SOKO_STORES_PAGE_SIZE = 2
    for n in range(5):
        StoreFactory(name=f"Store {n}")

    response = client.get("/stores/?sort=name&page=3")

    assert names(response) == ["Store 4"]
    assert 'href="?sort=name&amp;page=2"' in response.content.decode()


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "query", ["", "?q=store&sort=rating", "?open_now=on&scope=local", "?lat=-1.28&lng=36.81", "?category=crafts"]
)
def test_the_directory_costs_the_same_queries_for_three_stores_or_fifteen(client, query, django_assert_max_num_queries):
    crafts = Category.objects.get(slug="crafts")

    def add_stores(count):
        for n in range(count):
            store = StoreFactory(
                name=f"Store {n}", logo=ReadyImageFactory(), latitude=Decimal("-1.2"), longitude=Decimal("36.8")
            )
            store.categories.set([crafts])
            store_hours_week(store, opens=time(0), closes=time(0))

    add_stores(3)
    few = count_queries(client, f"/stores/{query}")
    add_stores(12)

    with django_assert_max_num_queries(few):
        client.get(f"/stores/{query}")
    assert few <= 8  # one of them the kept copy's key (the stamp, the orders counted)
