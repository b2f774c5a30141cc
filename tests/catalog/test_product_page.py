"""A shopper opens a product: pictures, options, price and stock, the seller, related items."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shop.catalog.models import Category, Favorite, Product, ProductImage
from tests.factories import StoreFactory, UserFactory
from tests.factories.catalog import ProductFactory
from tests.html import dom

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def kikoi():
    return ProductFactory(
        title="Kikoi beach wrap",
        slug="kikoi-beach-wrap",
        brand="Mama Njeri",
        condition=Product.Condition.HANDMADE,
        description="Soft striped cotton.",
        category=Category.objects.get(slug="fashion-fabrics"),
        store=StoreFactory(name="Mama Njeri Crafts", slug="mama-njeri-crafts", verified=True, delivers_national=True),
        images=3,
        tags=["kikoi", "cotton"],
        variants=[
            {"name": "Blue", "price": Decimal("1200"), "compare_at_price": Decimal("1500"), "stock": 10},
            {"name": "Orange", "price": Decimal("1250"), "stock": 2},
            {"name": "Green", "price": Decimal("1200"), "stock": 0},
        ],
    )


def test_product_page_shows_everything_a_shopper_needs(client, kikoi):
    response = client.get("/p/kikoi-beach-wrap/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Kikoi beach wrap" in page and "Mama Njeri" in page and "Handmade" in page and "Physical item" in page
    html = dom(page)
    assert html.count("#gallery picture") >= 4  # the main picture and three thumbnails
    assert html.one("[data-testid=variant-price]").text == "KES 1,200"
    assert html.one("[data-testid=compare-at]").text == "KES 1,500"
    assert "In stock" in page
    assert html.has('a[href="/s/mama-njeri-crafts/"]') and "Verified" in page
    assert "Local · National" in page
    assert "Westlands, Nairobi" in page
    assert html.one('a[href="/search/?q=kikoi"]').text == "#kikoi" and html.one('a[href="/search/?q=cotton"]').text == "#cotton"
    assert "Soft striped cotton." in page


def test_choosing_an_option_without_javascript_shows_its_price_and_stock(client, kikoi):
    orange = kikoi.variants.get(name="Orange")

    page = client.get(f"/p/kikoi-beach-wrap/?variant={orange.pk}").content.decode()

    html = dom(page)
    assert html.one("[data-testid=variant-price]").text == "KES 1,250"
    assert "Only 2 left" in page
    assert not html.has("[data-testid=compare-at]")
    assert [option.attr("value") for option in html.all("input[name=variant]:checked")] == [str(orange.pk)]


def test_choosing_an_option_with_htmx_returns_only_the_buy_box(client, kikoi):
    green = kikoi.variants.get(name="Green")

    response = client.get(f"/p/kikoi-beach-wrap/?variant={green.pk}", headers=HTMX)

    body = response.content.decode()
    assert dom(body).children[0].attr("id") == "buy-box"
    assert not dom(body).has("html") and not dom(body).has(".seller-card")
    assert "Sold out" in body
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize("variant", ["abc", "999999", "", "-1"])
def test_an_unknown_option_falls_back_to_the_first_in_stock(client, kikoi, variant):
    response = client.get("/p/kikoi-beach-wrap/", {"variant": variant})

    assert response.status_code == 200
    assert response.context["variant"].name == "Blue"


def test_another_products_option_is_not_borrowed(client, kikoi):
    other = ProductFactory(variants=[{"name": "Cheap", "price": Decimal("1")}]).variants.get()

    assert client.get("/p/kikoi-beach-wrap/", {"variant": other.pk}).context["variant"].name == "Blue"


@pytest.mark.parametrize(
    "status", [Product.Status.DRAFT, Product.Status.PENDING, Product.Status.REJECTED, Product.Status.ARCHIVED]
)
def test_unpublished_product_page_is_not_found(client, status):
    ProductFactory(slug="secret-thing", status=status)

    assert client.get("/p/secret-thing/").status_code == 404


def test_related_products_come_from_the_same_category(client, kikoi):
    ProductFactory(title="Kitenge fabric", category=kikoi.category)
    ProductFactory(title="Hidden fabric", category=kikoi.category, status=Product.Status.DRAFT)
    ProductFactory(title="Smartphone", category=Category.objects.get(slug="electronics-phones"))

    response = client.get("/p/kikoi-beach-wrap/")

    assert [p.title for p in response.context["related"]] == ["Kitenge fabric"]


def related_titles(client, slug: str) -> list[str]:
    return [product.title for product in client.get(f"/p/{slug}/").context["related"]]


def test_pages_of_one_category_share_its_leaders_each_leaving_itself_out(client, kikoi):
    fabrics = kikoi.category
    ProductFactory(title="Kitenge fabric", slug="kitenge", category=fabrics, orders_count=9)
    ProductFactory(title="Kanga", slug="kanga", category=fabrics, orders_count=5)
    ProductFactory(title="Shuka", slug="shuka", category=fabrics, orders_count=1)

    assert related_titles(client, "kitenge") == ["Kanga", "Shuka", "Kikoi beach wrap"]
    with CaptureQueriesContext(connection) as second:
        assert related_titles(client, "kanga") == ["Kitenge fabric", "Shuka", "Kikoi beach wrap"]
    # The second page of the category reads its own product only (one query on the products table).
    assert sum('FROM "catalog_product"' in query["sql"] for query in second.captured_queries) == 1


def test_a_catalog_change_reaches_the_related_cards_at_once(client, kikoi):
    ProductFactory(title="Kanga", slug="kanga", category=kikoi.category, orders_count=5)
    assert related_titles(client, "kanga") == ["Kikoi beach wrap"]

    ProductFactory(title="Kitenge fabric", slug="kitenge", category=kikoi.category, orders_count=9)
    Product.objects.filter(slug="kikoi-beach-wrap").update(title="Kikoi, striped")

    assert related_titles(client, "kanga") == ["Kitenge fabric", "Kikoi, striped"]


def test_related_cards_show_each_readers_own_hearts(client, kikoi, user):
    kanga = ProductFactory(title="Kanga", slug="kanga", category=kikoi.category, orders_count=5)
    Favorite.objects.create(user=user, product=kikoi)
    hearts = lambda: {p.title: p.is_favorite for p in client.get(f"/p/{kanga.slug}/").context["related"]}  # noqa: E731
    ProductFactory(title="Kitenge fabric", category=kikoi.category)
    client.get(f"/p/{kanga.slug}/")  # the category's cards cached for an anonymous visitor

    client.force_login(user)
    assert hearts() == {"Kikoi beach wrap": True, "Kitenge fabric": False}
    client.force_login(UserFactory())
    assert hearts() == {"Kikoi beach wrap": False, "Kitenge fabric": False}


def test_the_page_posts_to_the_cart(client, kikoi):
    page = client.get("/p/kikoi-beach-wrap/").content.decode()

    form = dom(page).one('form[action="/cart/add/"]')
    assert form.attr("method") == "post" and "Add to cart" in form.text
    assert form.one("input[name=variant]").attr("value") == str(kikoi.variants.get(name="Blue").pk)
    assert form.has("input[name=quantity]")




def test_sold_out_option_offers_no_quantity(client):
    ProductFactory(slug="gone", variants__stock=0)

    page = client.get("/p/gone/").content.decode()

    assert "Sold out" in page and not dom(page).has("[name=quantity]")


def test_service_shows_its_duration_and_speaks_of_bookings(client):
    ProductFactory(
        slug="deep-clean",
        kind=Product.Kind.SERVICE,
        variants=[{"name": "2 bedrooms", "duration_minutes": 240, "stock": 1}, {"name": "3 bedrooms", "stock": 0}],
    )
    three = Product.objects.get(slug="deep-clean").variants.get(name="3 bedrooms")

    page = client.get("/p/deep-clean/").content.decode()
    booked = client.get("/p/deep-clean/", {"variant": three.pk}).content.decode()

    assert "about 240 min" in page and "Only 1 slot left" in page
    assert "Fully booked" in booked


def test_product_page_query_count_is_the_same_with_30_and_60_products(client, user):
    client.force_login(user)
    category = Category.objects.get(slug="fashion-fabrics")
    ProductFactory(slug="main", category=category, images=1, variants=1, tags=["a"])
    ProductFactory.create_batch(29, category=category, images=1)
    with CaptureQueriesContext(connection) as thirty:
        assert client.get("/p/main/").status_code == 200

    big = ProductFactory(slug="big", category=category, images=8, variants=6, tags=["a", "b", "c", "d"])
    ProductFactory.create_batch(29, category=category, images=3, variants=3)
    with CaptureQueriesContext(connection) as sixty:
        assert client.get(f"/p/{big.slug}/").status_code == 200

    assert len(sixty) == len(thirty), [q["sql"][:100] for q in sixty.captured_queries]
    assert len(thirty) <= 14


def main_picture(page: str) -> str:
    """The big picture of the gallery (before the thumbnails)."""
    return dom(page).one("#gallery .product-gallery-main").html


@pytest.fixture
def orange_picture(kikoi):
    """The seller marked the last of the three pictures as the orange kikoi."""
    picture = kikoi.images.order_by("position").last()
    ProductImage.objects.filter(pk=picture.pk).update(variant=kikoi.variants.get(name="Orange"))
    return picture


def test_picking_a_variant_without_javascript_shows_its_picture_first(client, kikoi, orange_picture):
    orange = kikoi.variants.get(name="Orange")

    response = client.get(f"/p/kikoi-beach-wrap/?variant={orange.pk}")

    assert response.context["images"][0] == orange_picture
    assert orange_picture.image.sha256 in main_picture(response.content.decode())


def test_another_variant_shows_the_whole_products_pictures_first(client, kikoi, orange_picture):
    blue = kikoi.variants.get(name="Blue")

    response = client.get(f"/p/kikoi-beach-wrap/?variant={blue.pk}")

    images = response.context["images"]
    assert len(images) == 3 and images[-1] == orange_picture
    assert orange_picture.image.sha256 not in main_picture(response.content.decode())


def test_picking_a_variant_with_htmx_swaps_the_gallery_too(client, kikoi, orange_picture):
    orange = kikoi.variants.get(name="Orange")

    body = client.get(f"/p/kikoi-beach-wrap/?variant={orange.pk}", headers=HTMX).content.decode()

    assert dom(body).children[0].attr("id") == "buy-box"
    gallery = dom(body).one("#gallery")
    assert gallery.attr("hx-swap-oob") == "true" and gallery.attr("data-testid") == "gallery"
    assert gallery.classes == {"product-gallery"}
    assert orange_picture.image.sha256 in main_picture(body)
    assert not dom(body).has(".seller-card")


def test_the_full_page_gallery_is_not_sent_out_of_band(client, kikoi):
    page = client.get("/p/kikoi-beach-wrap/").content.decode()

    assert dom(page).one("div#gallery").attr("hx-swap-oob") is None


def test_the_cart_shows_the_picture_of_the_variant_in_it(client, kikoi, orange_picture):
    orange = kikoi.variants.get(name="Orange")
    client.post("/cart/add/", {"variant": orange.pk, "quantity": 1})

    page = client.get("/cart/").content.decode()

    line = page.split('data-testid="cart-line"')[1]
    assert orange_picture.image.sha256 in line.split("</a>")[0]
