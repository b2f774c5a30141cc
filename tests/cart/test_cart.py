"""A shopper fills the cart: from the product page, then on /cart/ (quantities, removal),
grouped by store, capped by stock, with anything changed since flagged, never sold silently."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shop.cart.models import Cart, CartItem
from shop.cart.services import CartError, cart_add
from shop.catalog.models import Product
from tests.factories import StoreFactory, UserFactory
from tests.factories.catalog import ProductFactory
from tests.html import dom

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def basket():
    store = StoreFactory(name="Kisii Weavers")
    product = ProductFactory(
        title="Kiondo basket", store=store, variants=[{"name": "Red", "price": Decimal("1200.50"), "stock": 3}]
    )
    return product.variants.get()


@pytest.fixture
def kikoi():
    store = StoreFactory(name="Mama Njeri Crafts")
    product = ProductFactory(title="Kikoi wrap", store=store, variants=[{"name": "Blue", "price": Decimal("850"), "stock": 10}])
    return product.variants.get()


@pytest.fixture
def shopper(client):
    user = UserFactory()
    client.force_login(user)
    return user


def add(client, variant, quantity=1, **headers):
    return client.post("/cart/add/", {"variant": variant.pk, "quantity": quantity}, headers=headers)


def lines(user) -> dict[str, int]:
    return {str(item.variant): item.quantity for item in CartItem.objects.filter(cart__user=user)}


def test_the_product_page_offers_a_form_that_posts_to_the_cart(client, basket):
    page = client.get(f"/p/{basket.product.slug}/").content.decode()

    form = dom(page).one('form[action="/cart/add/"]')
    assert form.attr("hx-post") == "/cart/add/"
    assert form.one("input[name=variant]").attr("value") == str(basket.pk)


def test_adding_without_javascript_returns_to_the_product_with_a_message(client, shopper, basket):
    response = add(client, basket, 2)

    assert response.status_code == 302
    assert response["Location"] == f"/p/{basket.product.slug}/?variant={basket.pk}"
    assert lines(shopper) == {"Kiondo basket — Red": 2}
    assert CartItem.objects.get().unit_price_seen == Decimal("1200.50")
    page = client.get(response["Location"]).content.decode()
    assert "Added 2 × Kiondo basket — Red to your cart." in page


def test_adding_with_htmx_updates_the_badge_out_of_band_and_shows_a_toast(client, shopper, basket):
    response = add(client, basket, 2, **HTMX)

    body = response.content.decode()
    assert response.status_code == 200
    html = dom(body)
    badge = html.one("#cart-badge")
    assert badge.attr("hx-swap-oob") == "true" and badge.attr("data-count") == "2"
    toasts = html.one("#toasts")
    assert toasts.attr("hx-swap-oob") == "beforeend" and "Added 2 × Kiondo basket — Red" in toasts.text
    assert not html.has("html")


def test_the_navbar_badge_counts_the_units_in_the_cart(client, shopper, basket, kikoi):
    add(client, basket, 2)
    add(client, kikoi, 1)

    page = client.get("/").content.decode()

    assert dom(page).one("[data-testid=cart-badge]").attr("data-count") == "3"


def test_adding_the_same_item_again_adds_up(client, shopper, basket):
    add(client, basket, 1)
    add(client, basket, 1)

    assert lines(shopper) == {"Kiondo basket — Red": 2}


def test_asking_for_more_than_in_stock_is_capped_with_a_message(client, shopper, basket):
    add(client, basket, 2)

    response = add(client, basket, 5, **HTMX)

    assert lines(shopper) == {"Kiondo basket — Red": 3}
    assert "Only 3 of Kiondo basket — Red in stock: your cart has 3." in response.content.decode()


def test_a_sold_out_item_is_not_added(client, shopper, basket):
    basket.stock = 0
    basket.save()

    response = add(client, basket, 1, **HTMX)

    assert lines(shopper) == {}
    assert "Sold out: Kiondo basket — Red." in response.content.decode()


@pytest.mark.parametrize("status", [Product.Status.ARCHIVED, Product.Status.DRAFT, Product.Status.REJECTED])
def test_an_item_shoppers_cannot_see_cannot_be_added(client, shopper, basket, status):
    Product.objects.filter(pk=basket.product_id).update(status=status)

    assert add(client, basket, 1).status_code == 404
    assert lines(shopper) == {}


@pytest.mark.parametrize("quantity", ["0", "-2", "lots", "1000"])
def test_a_nonsense_quantity_is_refused_with_a_message(client, shopper, basket, quantity):
    response = add(client, basket, quantity, **HTMX)

    assert lines(shopper) == {}
    assert "Choose a quantity" in response.content.decode()


def test_the_cart_page_groups_lines_by_store_with_decimal_subtotals(client, shopper, basket, kikoi):
    add(client, basket, 2)
    add(client, kikoi, 3)

    response = client.get("/cart/")

    summary = response.context["summary"]
    assert [group.store.name for group in summary.groups] == ["Kisii Weavers", "Mama Njeri Crafts"]
    assert [group.subtotal for group in summary.groups] == [Decimal("2401.00"), Decimal("2550")]
    assert summary.total == Decimal("4951.00") and isinstance(summary.total, Decimal)
    page = response.content.decode()
    assert "KES 2,401" in page and "KES 2,550" in page and "KES 4,951" in page
    assert dom(page).has('a[href="/checkout/"]')


def test_changing_a_quantity_with_htmx_sends_back_the_cart_and_the_badge(client, shopper, kikoi):
    add(client, kikoi, 1)
    item = CartItem.objects.get()

    response = client.post(f"/cart/items/{item.pk}/", {"quantity": 4}, headers=HTMX)

    body = response.content.decode()
    html = dom(body)
    assert html.has("#cart") and not html.has("html")
    badge = html.one("#cart-badge")
    assert badge.attr("hx-swap-oob") == "true" and badge.attr("data-count") == "4"
    assert response["Vary"] and "HX-Request" in response["Vary"]
    assert lines(shopper) == {"Kikoi wrap — Blue": 4}


def test_a_quantity_above_the_stock_is_capped_with_a_message(client, shopper, basket):
    add(client, basket, 1)
    item = CartItem.objects.get()

    response = client.post(f"/cart/items/{item.pk}/", {"quantity": 9}, headers=HTMX)

    assert lines(shopper) == {"Kiondo basket — Red": 3}
    assert "Only 3 of Kiondo basket — Red in stock" in response.content.decode()


def test_quantity_zero_or_remove_takes_the_line_out(client, shopper, basket, kikoi):
    add(client, basket, 1)
    add(client, kikoi, 1)
    first, second = CartItem.objects.order_by("id")

    client.post(f"/cart/items/{first.pk}/", {"quantity": 0})
    response = client.post(f"/cart/items/{second.pk}/remove/")

    assert response.status_code == 302 and response["Location"] == "/cart/"
    assert lines(shopper) == {}
    assert "Your cart is empty." in client.get("/cart/").content.decode()


@pytest.mark.parametrize("action", ["", "remove/", "accept-price/"])
def test_another_shoppers_cart_line_is_not_found(client, shopper, basket, action):
    other = UserFactory()
    their_item = cart_add(cart=Cart.objects.create(user=other), variant=basket, quantity=1).item
    add(client, basket, 1)  # the shopper has a cart of their own

    response = client.post(f"/cart/items/{their_item.pk}/{action}", {"quantity": 3})

    assert response.status_code == 404
    assert CartItem.objects.get(pk=their_item.pk).quantity == 1


def test_a_visitor_without_a_cart_gets_404_for_any_line(client, basket):
    item = cart_add(cart=Cart.objects.create(user=UserFactory()), variant=basket, quantity=1).item

    assert client.post(f"/cart/items/{item.pk}/remove/").status_code == 404


def test_an_archived_item_is_flagged_and_not_counted(client, shopper, basket, kikoi):
    add(client, basket, 1)
    add(client, kikoi, 1)
    Product.objects.filter(pk=basket.product_id).update(status=Product.Status.ARCHIVED)

    response = client.get("/cart/")

    page = response.content.decode()
    assert "No longer available: Kiondo basket — Red." in page
    assert response.context["summary"].total == Decimal("850")
    assert dom(page).has("[data-testid=cart-blocked]") and not dom(page).has('[href="/checkout/"]')


def test_a_changed_price_is_flagged_until_the_shopper_accepts_it(client, shopper, basket):
    add(client, basket, 1)
    basket.price = Decimal("1500")
    basket.save()
    item = CartItem.objects.get()

    page = client.get("/cart/").content.decode()
    assert "Price changed: Kiondo basket — Red is now KES 1,500 (was KES 1,200.50)" in page
    assert "Accept new price" in page and not dom(page).has('[href="/checkout/"]')

    response = client.post(f"/cart/items/{item.pk}/accept-price/", headers=HTMX)

    item.refresh_from_db()
    assert item.unit_price_seen == Decimal("1500")
    assert "new price accepted" in response.content.decode()
    assert dom(client.get("/cart/")).has('a[href="/checkout/"]')


def test_adding_more_of_a_repriced_item_keeps_the_flag(client, shopper, basket):
    add(client, basket, 1)
    basket.price = Decimal("999")
    basket.save()

    add(client, basket, 1)

    assert CartItem.objects.get().unit_price_seen == Decimal("1200.50")


def test_stock_falling_below_the_quantity_is_flagged(client, shopper, basket):
    add(client, basket, 3)
    basket.stock = 1
    basket.save()

    page = client.get("/cart/").content.decode()

    assert "Only 1 left of Kiondo basket — Red (you asked for 3)." in page


def test_a_sold_out_line_cannot_be_raised(client, shopper, basket):
    add(client, basket, 1)
    basket.stock = 0
    basket.save()
    item = CartItem.objects.get()

    response = client.post(f"/cart/items/{item.pk}/", {"quantity": 2}, headers=HTMX)

    assert "Sold out: Kiondo basket — Red" in response.content.decode()
    assert CartItem.objects.get().quantity == 1


def test_cart_add_refuses_a_quantity_below_one(basket):
    with pytest.raises(CartError):
        cart_add(cart=Cart.objects.create(), variant=basket, quantity=0)


def test_the_cart_page_costs_the_same_queries_for_2_or_10_items_across_stores(
    client, shopper, django_assert_max_num_queries
):
    def fill(count):
        for _n in range(count):
            add(client, ProductFactory(images=1, store=StoreFactory()).variants.get(), 1)

    def cart_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/cart/").status_code == 200
        return len(queries)

    fill(2)
    two = cart_queries()
    fill(8)

    with django_assert_max_num_queries(two):
        response = client.get("/cart/")
    assert len(response.context["summary"].lines) == 10
    assert two <= 10
