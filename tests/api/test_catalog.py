"""The catalogue through the API is the catalogue of the pages: the same search, filters,
order and visibility; refusals are problems; lists page by cursor; reads carry ETags."""

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup

from shop.catalog.models import Category, Product
from tests.factories import StoreFactory
from tests.factories.catalog import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def slugs(answer) -> list[str]:
    return [item["slug"] for item in answer.json()["results"]]


def page_slugs(client, url: str) -> list[str]:
    page = BeautifulSoup(client.get(url).content, "html.parser")
    return [card["data-slug"] for card in page.select("[data-testid=product-card]")]


@pytest.fixture
def baskets(db):
    crafts = StoreFactory(name="Mama Njeri Crafts", slug="mama-njeri")
    home = CategoryFactory(name="Home", slug="home")
    return [
        ProductFactory(store=crafts, category=home, title="Kiondo basket blue", variants=[{"price": Decimal("1200")}]),
        ProductFactory(store=crafts, category=home, title="Kiondo basket red", variants=[{"price": Decimal("900")}]),
        ProductFactory(store=crafts, category=home, title="Sisal mat", variants=[{"price": Decimal("400"), "stock": 0}]),
        ProductFactory(store=crafts, category=home, title="Hidden basket", status=Product.Status.HIDDEN),
    ]


@pytest.mark.parametrize(
    "query",
    ["q=basket", "q=baskte", "q=kiondo&sort=price", "in_stock=on&sort=-price", "max_price=1000", "store=mama-njeri&sort=newest"],
)
def test_the_api_lists_what_the_search_page_lists_in_its_order(client, baskets, query):
    api = client.get(f"/api/v1/products/?{query.replace('in_stock=on', 'in_stock=true')}")

    assert api.status_code == 200
    assert slugs(api) == page_slugs(client, f"/search/?{query}")
    assert "hidden-basket" not in " ".join(slugs(api))


def test_a_product_shows_its_variants_with_what_each_has_in_stock(client, baskets):
    mat = baskets[2]

    answer = client.get(f"/api/v1/products/{mat.slug}/")

    assert answer.status_code == 200
    body = answer.json()
    assert (body["title"], body["currency"], body["in_stock"]) == ("Sisal mat", "KES", False)
    assert [(variant["price"], variant["in_stock"]) for variant in body["variants"]] == [("400.00", False)]


def test_a_hidden_or_unknown_product_is_a_404_problem(client, baskets):
    for slug in (baskets[3].slug, "no-such-thing"):
        answer = client.get(f"/api/v1/products/{slug}/")
        assert answer.status_code == 404
        assert answer["Content-Type"] == "application/problem+json"
        assert answer.json()["code"] == "not_found"


def test_values_of_the_wrong_type_are_refused_saying_which_and_why(client, baskets):
    answer = client.get("/api/v1/products/?min_price=cheap&sort=sideways&lat=500&in_stock=true")

    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid"
    assert sorted(answer.json()["errors"]) == ["lat", "min_price", "sort"]


def test_what_the_page_ignores_is_ignored_and_said(client, baskets):
    answer = client.get("/api/v1/products/?brand=Nobody&sort=distance&lat=-1.27")

    assert answer.status_code == 200
    assert sorted(slugs(answer)) == sorted(page_slugs(client, "/search/?brand=Nobody&sort=distance&lat=-1.27"))
    assert len(answer.json()["notices"]) == 3  # the brand, the lone latitude, the sort that fell back
    assert client.get("/api/v1/products/?sort=distance&lat=-1.27&lng=36.8").json()["notices"] == []


def test_following_next_walks_every_product_once(client, settings):
    settings.SOKO_CATALOG_PAGE_SIZE = 4
    made = {product.slug for product in ProductFactory.create_batch(10)}
    seen, url = [], "/api/v1/products/"
    while url:
        answer = client.get(url)
        assert answer.status_code == 200
        seen += slugs(answer)
        url = answer.json()["next"]

    assert len(seen) == 10
    assert set(seen) == made


@pytest.mark.parametrize("cursor", ["x", "p", "p99999", "p-1", "%00", "p①", "p1%0A"])
def test_a_cursor_the_api_did_not_give_is_refused(client, baskets, cursor):
    answer = client.get(f"/api/v1/products/?cursor={cursor}")

    assert answer.status_code == 400
    assert answer["Content-Type"] == "application/problem+json"
    assert answer.json()["code"] in ("invalid", "nul_character")


def test_a_read_sent_back_with_its_etag_is_not_modified(client, baskets):
    first = client.get("/api/v1/products/")
    again = client.get("/api/v1/products/", headers={"If-None-Match": first["ETag"]})
    baskets[0].title = "Kiondo basket, large"
    baskets[0].save()
    changed = client.get("/api/v1/products/", headers={"If-None-Match": first["ETag"]})

    assert (again.status_code, again.content) == (304, b"")
    assert changed.status_code == 200


def test_stores_list_search_and_a_store_with_its_products(client, baskets):
    StoreFactory(name="Kaloum Électronique", slug="kaloum")

    found = client.get("/api/v1/stores/?q=njeri")
    store = client.get("/api/v1/stores/mama-njeri/")
    products = client.get("/api/v1/stores/mama-njeri/products/")

    assert [item["slug"] for item in found.json()["results"]] == ["mama-njeri"]
    assert store.json()["name"] == "Mama Njeri Crafts"
    assert sorted(slugs(products)) == sorted(product.slug for product in baskets[:3])
    assert client.get("/api/v1/stores/nowhere/").status_code == 404
    assert client.get("/api/v1/stores/?sort=sideways").status_code == 400
    unlocated = client.get("/api/v1/stores/?sort=distance&category=nothing-like-it")
    assert unlocated.status_code == 200
    assert len(unlocated.json()["notices"]) == 2


def test_categories_come_parents_first(client):
    home = CategoryFactory(name="Home", slug="home-test", position=1)
    CategoryFactory(name="Baskets", slug="baskets-test", parent=home)

    answer = client.get("/api/v1/categories/")

    listed = [(item["slug"], item["parent"]) for item in answer.json()]
    assert {slug for slug, _parent in listed} == set(Category.objects.values_list("slug", flat=True))
    place = {slug: position for position, (slug, _parent) in enumerate(listed)}
    assert all(parent is None or place[parent] < place[slug] for slug, parent in listed)
    assert ("baskets-test", "home-test") in listed
