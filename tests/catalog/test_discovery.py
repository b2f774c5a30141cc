"""Shoppers discover products: the home page, category pages, filters, sorting, paging."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shop.catalog.models import Category, Product
from tests.factories import StoreFactory
from tests.factories.catalog import CategoryFactory, ProductFactory
from tests.html import dom

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
HIDDEN_STATUSES = [Product.Status.DRAFT, Product.Status.PENDING, Product.Status.REJECTED, Product.Status.ARCHIVED]


def titles(response) -> list[str]:
    return [product.title for product in response.context["page"].object_list]


@pytest.fixture
def fashion():
    return Category.objects.get(slug="fashion")


@pytest.fixture
def shoes(fashion):
    return Category.objects.get(slug="fashion-shoes")


# Home -----------------------------------------------------------------------------------


def test_home_shows_categories_featured_and_new_arrivals(client):
    ProductFactory(title="Maasai shuka blanket", featured=True, images=1)
    ProductFactory(title="Fresh mandazi", published_at=timezone.now())

    response = client.get("/")

    page = response.content.decode()
    assert response.status_code == 200
    assert dom(page).has('a[href="/c/fashion/"] .bi-handbag')
    assert [p.title for p in response.context["featured"]] == ["Maasai shuka blanket"]
    assert [p.title for p in response.context["new_arrivals"]][0] == "Fresh mandazi"
    assert "KES 250" in page


@pytest.mark.parametrize("status", HIDDEN_STATUSES)
def test_home_never_shows_unpublished_listings(client, status):
    ProductFactory(title="Secret prototype", featured=True, status=status)

    page = client.get("/").content.decode()

    assert "Secret prototype" not in page


def test_home_page_query_count_does_not_grow_with_products(client, django_assert_max_num_queries, user):
    client.force_login(user)
    ProductFactory.create_batch(3, featured=True, images=2, variants=2)
    with django_assert_max_num_queries(30) as few:
        client.get("/")
    ProductFactory.create_batch(12, featured=True, images=2, variants=2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/")


# Category pages -------------------------------------------------------------------------


def test_category_page_lists_products_of_its_subcategories_too(client, fashion, shoes):
    ProductFactory(title="Leather sandals", category=shoes)
    ProductFactory(title="Kitenge dress", category=fashion)
    ProductFactory(title="Smartphone", category=Category.objects.get(slug="electronics"))

    response = client.get("/c/fashion/")

    assert response.status_code == 200
    assert sorted(titles(response)) == ["Kitenge dress", "Leather sandals"]
    assert "Leather sandals" in response.content.decode()


def test_unknown_category_is_not_found(client):
    assert client.get("/c/no-such-thing/").status_code == 404


@pytest.mark.parametrize("status", HIDDEN_STATUSES)
def test_unpublished_listings_are_missing_from_category_pages_and_search(client, fashion, status):
    ProductFactory(title="Hidden kanga", category=fashion, status=status)
    ProductFactory(title="Visible kanga", category=fashion)

    assert titles(client.get("/c/fashion/")) == ["Visible kanga"]
    assert titles(client.get("/search/", {"q": "kanga"})) == ["Visible kanga"]
    assert titles(client.get("/search/")) == ["Visible kanga"]


# Filters --------------------------------------------------------------------------------


def test_shopper_narrows_a_category_to_a_subcategory(client, fashion, shoes):
    ProductFactory(title="Leather sandals", category=shoes)
    ProductFactory(title="Kitenge dress", category=fashion)

    response = client.get("/c/fashion/", {"category": "fashion-shoes"})

    assert titles(response) == ["Leather sandals"]
    chosen = dom(response).one("option[value=fashion-shoes]")
    assert chosen.text == "Shoes" and chosen.attr("selected") is not None


def test_the_filter_forms_copies_share_the_category_choices_and_still_check_them(client, fashion, shoes):
    """A listing's filter form is built on every rendered page; Django copies each field
    for it, and copying the category tree's choices each time was a few milliseconds."""
    from shop.catalog.selectors.filters import ProductFilter
    from shop.catalog.selectors.products import category_tree

    filterset = ProductFilter({"category": "fashion-shoes"}, Product.objects.all(), tree=category_tree())
    field = filterset.form.fields["category"]
    assert field.choices.choices is filterset.filters["category"].field.choices.choices  # shared, not copied
    assert ("fashion-shoes", "\u2003Shoes") in list(field.choices) and filterset.form.is_valid()
    assert not ProductFilter({"category": "no-such"}, Product.objects.all(), tree=category_tree()).form.is_valid()


def test_search_page_category_filter_includes_children(client, fashion, shoes):
    old = timezone.now() - timedelta(days=1)
    ProductFactory(title="Leather sandals", category=shoes, published_at=old)
    ProductFactory(title="Kitenge dress", category=fashion)
    ProductFactory(title="Radio", category=Category.objects.get(slug="electronics"))

    assert titles(client.get("/search/", {"category": "fashion"})) == ["Kitenge dress", "Leather sandals"]


def test_price_range_keeps_products_whose_price_is_inside(client):
    ProductFactory(title="Cheap", variants__price=Decimal("100"))
    ProductFactory(title="Middle", variants__price=Decimal("500.50"))
    ProductFactory(title="Dear", variants__price=Decimal("2000"))

    assert titles(client.get("/search/", {"min_price": "200", "max_price": "1000"})) == ["Middle"]
    assert set(titles(client.get("/search/", {"min_price": "500.50"}))) == {"Middle", "Dear"}
    assert set(titles(client.get("/search/", {"max_price": "500"}))) == {"Cheap"}


def test_brand_filter_ignores_letter_case(client):
    ProductFactory(title="Galaxy A15", brand="Samsung")
    ProductFactory(title="Redmi 13", brand="Xiaomi")

    assert titles(client.get("/search/", {"brand": "Samsung"})) == ["Galaxy A15"]
    assert titles(client.get("/search/", {"brand": "samsung"})) == ["Galaxy A15"]


def test_colour_and_size_filters_look_at_every_variant(client):
    ProductFactory(
        title="Kikoi wrap",
        variants=[{"attributes": {"colour": "Red", "size": "M"}}, {"attributes": {"colour": "Blue", "size": "L"}}],
    )
    ProductFactory(title="Plain tee", variants=[{"attributes": {"colour": "white", "size": "M"}}])

    assert titles(client.get("/search/", {"colour": "blue"})) == ["Kikoi wrap"]
    assert titles(client.get("/search/", {"colour": "Red"})) == ["Kikoi wrap"]
    assert set(titles(client.get("/search/", {"size": "M"}))) == {"Kikoi wrap", "Plain tee"}
    assert titles(client.get("/search/", {"colour": "white", "size": "M"})) == ["Plain tee"]
    page = client.get("/search/").content.decode()
    assert dom(page).one("option[value=blue]").text == "Blue" and dom(page).one("option[value=L]").text == "L"


def test_condition_filter(client):
    ProductFactory(title="New radio", condition=Product.Condition.NEW)
    ProductFactory(title="Used radio", condition=Product.Condition.USED)

    assert titles(client.get("/search/", {"condition": "used"})) == ["Used radio"]


def test_delivery_scope_filter_uses_what_the_store_offers(client):
    ProductFactory(title="Local only", store=StoreFactory(delivers_local=True, delivers_national=False))
    ProductFactory(title="Countrywide", store=StoreFactory(delivers_local=False, delivers_national=True))
    ProductFactory(title="E-book", store=StoreFactory(delivers_local=False, delivers_digital=True))

    assert titles(client.get("/search/", {"delivery": "national"})) == ["Countrywide"]
    assert titles(client.get("/search/", {"delivery": "digital"})) == ["E-book"]
    assert titles(client.get("/search/", {"delivery": "local"})) == ["Local only"]


def test_in_stock_filter_hides_sold_out_products(client):
    ProductFactory(title="Available", variants__stock=3)
    ProductFactory(title="Gone", variants__stock=0)

    assert set(titles(client.get("/search/"))) == {"Available", "Gone"}
    assert titles(client.get("/search/", {"in_stock": "on"})) == ["Available"]


def test_minimum_rating_filter(client):
    ProductFactory(title="Loved", rating_avg=Decimal("4.6"), rating_count=20)
    ProductFactory(title="Fine", rating_avg=Decimal("3.2"), rating_count=5)
    ProductFactory(title="Unrated")

    assert titles(client.get("/search/", {"min_rating": "4"})) == ["Loved"]
    assert set(titles(client.get("/search/", {"min_rating": "3"}))) == {"Loved", "Fine"}


def test_store_filter(client):
    crafts = StoreFactory(slug="mama-crafts", name="Mama Crafts")
    ProductFactory(title="Basket", store=crafts)
    ProductFactory(title="Phone")

    assert titles(client.get("/search/", {"store": "mama-crafts"})) == ["Basket"]


# Sorting --------------------------------------------------------------------------------


@pytest.fixture
def three_products():
    now = timezone.now()
    nairobi = StoreFactory(name="Nairobi shop", latitude=Decimal("-1.286389"), longitude=Decimal("36.817223"))
    mombasa = StoreFactory(name="Mombasa shop", latitude=Decimal("-4.043477"), longitude=Decimal("39.668206"))
    nowhere = StoreFactory(name="Shop without a pin")
    ProductFactory(
        title="Alpha", store=mombasa, variants__price=Decimal("300"), published_at=now - timedelta(days=2),
        rating_avg=Decimal("4.9"), rating_count=3, orders_count=5,
    )
    ProductFactory(
        title="Bravo", store=nowhere, variants__price=Decimal("100"), published_at=now,
        rating_avg=Decimal("3.0"), rating_count=8, orders_count=50,
    )
    ProductFactory(
        title="Charlie", store=nairobi, variants__price=Decimal("200"), published_at=now - timedelta(days=1),
        rating_avg=Decimal("4.1"), rating_count=1, orders_count=1,
    )


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("", ["Bravo", "Charlie", "Alpha"]),
        ("newest", ["Bravo", "Charlie", "Alpha"]),
        ("price", ["Bravo", "Charlie", "Alpha"]),
        ("-price", ["Alpha", "Charlie", "Bravo"]),
        ("rating", ["Alpha", "Charlie", "Bravo"]),
        ("popular", ["Bravo", "Alpha", "Charlie"]),
    ],
)
def test_shopper_sorts_the_list(client, three_products, sort, expected):
    assert titles(client.get("/search/", {"sort": sort})) == expected


def test_nearest_stores_come_first_and_stores_without_a_pin_last(client, three_products):
    # Standing in Nairobi's CBD: the Nairobi shop is ~0 km away, Mombasa ~440 km.
    response = client.get("/search/", {"sort": "distance", "lat": "-1.2864", "lng": "36.8172"})

    assert titles(response) == ["Charlie", "Alpha", "Bravo"]
    distances = [p.distance_km for p in response.context["page"].object_list]
    assert distances[0] < 1 and 400 < distances[1] < 500 and distances[2] is None
    assert "440 km" in response.content.decode() or "441 km" in response.content.decode()


def test_distance_sort_without_a_location_explains_and_falls_back(client, three_products):
    response = client.get("/search/", {"sort": "distance"})

    assert response.status_code == 200
    assert titles(response) == ["Bravo", "Charlie", "Alpha"]
    assert "share your location" in response.content.decode()


# Invalid input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"min_price": "abc"}, "Price from: Enter a number. This filter was ignored."),
        ({"max_price": "-5"}, "Price to: Ensure this value is greater than or equal to 0."),
        ({"lat": "999", "lng": "36.8", "sort": "distance"}, "Your latitude: Ensure this value is less than or equal to 90."),
        ({"lat": "-1.28"}, "needs both a latitude and a longitude"),
        ({"brand": "NoSuchBrand"}, "Brand: Select a valid choice."),
        ({"category": "no-such-category"}, "Category: Select a valid choice."),
        ({"sort": "cheapest-first"}, "That sort order is not available"),
        ({"min_rating": "11"}, "Rating: Select a valid choice."),
        ({"condition": "broken"}, "Condition: Select a valid choice."),
    ],
)
def test_invalid_filter_input_is_explained_and_ignored(client, params, message):
    ProductFactory(title="Still here", brand="Acme")

    response = client.get("/search/", params)

    assert response.status_code == 200
    assert titles(response) == ["Still here"]
    assert message in response.content.decode()


@pytest.mark.parametrize("page", ["abc", "0", "999", "-1"])
def test_odd_page_numbers_still_show_a_page(client, page):
    ProductFactory(title="Only one")

    response = client.get("/search/", {"page": page})

    assert response.status_code == 200
    assert titles(response) == ["Only one"]


def test_invalid_input_message_also_arrives_in_the_htmx_fragment(client):
    response = client.get("/search/", {"min_price": "abc"}, headers=HTMX)

    assert response.status_code == 200
    assert "This filter was ignored." in response.content.decode()


# HTMX and paging ------------------------------------------------------------------------


def test_htmx_request_gets_only_the_results_fragment(client):
    ProductFactory(title="Kikoi wrap")

    response = client.get("/search/", {"q": "kikoi"}, headers=HTMX)

    body = response.content.decode()
    assert response.status_code == 200
    assert dom(body).children[0].attr("id") == "results"
    assert "Kikoi wrap" in body
    assert not dom(body).has("html") and not dom(body).has("#filter-form")
    assert "HX-Request" in response["Vary"]


def test_full_page_says_it_varies_by_htmx_too(client):
    response = client.get("/c/fashion/")

    assert dom(response).has("html body")
    assert "HX-Request" in response["Vary"]


def test_history_restore_gets_the_whole_page(client):
    response = client.get("/search/", headers={**HTMX, "HX-History-Restore-Request": "true"})

    assert dom(response).has("html body")


def test_the_filter_form_works_without_javascript_and_with_htmx(client):
    page = client.get("/c/fashion/").content.decode()

    form = dom(page).one("form#filter-form")
    assert (form.attr("method"), form.attr("action")) == ("get", "/c/fashion/")
    assert (form.attr("hx-get"), form.attr("hx-trigger")) == ("/c/fashion/", "change, submit")
    assert (form.attr("hx-target"), form.attr("hx-push-url")) == ("#results", "true")


def test_pages_of_24_keep_the_filters_in_their_links(client, settings):
    settings.SOKO_CATALOG_PAGE_SIZE = 24
    ProductFactory.create_batch(30, brand="Acme")

    first = client.get("/search/", {"brand": "Acme"})
    second = client.get("/search/", {"brand": "Acme", "page": "2"})

    assert len(titles(first)) == 24 and len(titles(second)) == 6
    assert "?brand=Acme&amp;page=2" in first.content.decode()
    assert set(titles(first)).isdisjoint(titles(second))


# Constant queries -----------------------------------------------------------------------


def _catalog(count: int, category: Category) -> None:
    stores = [StoreFactory(latitude=Decimal("-1.28"), longitude=Decimal("36.8")) for _ in range(3)]
    for n in range(count):
        ProductFactory(
            category=category,
            store=stores[n % 3],
            brand=f"Brand {n % 4}",
            images=2,
            variants=[{"attributes": {"colour": "red", "size": "M"}}, {"attributes": {"colour": "blue", "size": "L"}}],
            tags=["kikoi"],
            rating_avg=Decimal("4.5"),
            rating_count=3,
        )


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "product", "sort": "relevance"},
        {"brand": "Brand 1", "colour": "red", "in_stock": "on", "sort": "distance", "lat": "-1.3", "lng": "36.8"},
    ],
)
def test_list_page_query_count_is_the_same_for_30_and_60_products(client, user, fashion, params):
    client.force_login(user)
    _catalog(30, fashion)
    cache.clear()  # measure with the filter options computed, not cached
    with django_queries() as thirty:
        response = client.get("/c/fashion/", params)
    assert response.context["page"].object_list

    _catalog(30, fashion)
    cache.clear()
    with django_queries() as sixty:
        response = client.get("/c/fashion/", params)

    assert len(response.context["page"].object_list) == (24 if not params.get("brand") else 16)
    assert len(sixty) == len(thirty), [q["sql"][:120] for q in sixty.captured_queries]
    assert len(thirty) <= 16


def test_a_full_page_of_24_products_with_pictures_variants_and_stores_costs_a_fixed_number_of_queries(
    client, fashion, django_assert_max_num_queries
):
    _catalog(60, fashion)

    # session-free visitor: category tree, 3 filter options, count, page, pictures, variants
    with django_assert_max_num_queries(8):
        response = client.get("/c/fashion/")

    assert len(response.context["page"].object_list) == 24


def test_filter_options_are_remembered_between_requests(client, fashion):
    _catalog(3, fashion)
    client.get("/c/fashion/")

    with django_queries() as again:
        page = client.get("/c/fashion/").content.decode()

    assert not [q for q in again.captured_queries if "DISTINCT" in q["sql"]]
    assert dom(page).one('option[value="Brand 1"]').text == "Brand 1"


def django_queries():
    return CaptureQueriesContext(connection)


def test_category_factory_makes_what_it_is_told():
    toys = CategoryFactory(name="Toys", parent=CategoryFactory(name="Kids"))

    assert toys.slug == "toys" and toys.parent.slug == "kids"
