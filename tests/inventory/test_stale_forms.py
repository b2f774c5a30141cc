"""A seller (or staff in the admin) edits a product on a page opened before buyers
bought some of it. The page sends back the stock it showed; an untouched stock field
leaves the sales alone, and a changed one that clashes is refused with what happened,
keeping everything else the person typed. Runs on SQLite and on PostgreSQL."""

import uuid
from decimal import Decimal

import pytest

from shop.cart.models import Cart
from shop.cart.services import cart_add
from shop.catalog.models import Product
from shop.orders.services.checkout import checkout_place
from tests.checkout.conftest import details_for
from tests.factories import StoreFactory, UserFactory
from tests.factories.addresses import AddressFactory
from tests.factories.catalog import ProductFactory

from .pages import form_values

pytestmark = pytest.mark.django_db

SOLD_SINCE = "3 sold since you opened this page; stock is now 7."


@pytest.fixture
def kikoi():
    product = ProductFactory(
        title="Kikoi wrap", store=StoreFactory(name="Mama Njeri Crafts"),
        variants=[{"name": "Blue", "price": Decimal("850"), "stock": 10}],
    )
    return product


def buyer_checks_out(variant, quantity: int) -> None:
    buyer = UserFactory()
    AddressFactory(user=buyer)
    cart = Cart.objects.create(user=buyer)
    cart_add(cart=cart, variant=variant, quantity=quantity)
    checkout_place(buyer=buyer, cart=cart, details=details_for(buyer), idempotency_key=uuid.uuid4())


DASHBOARD = {"url": "/dashboard/products/{pk}/", "form": "product-form", "stock": "variants-0-stock",
             "price": "variants-0-price", "save": {"publish": "1"}}
ADMIN = {"url": "/admin/catalog/product/{pk}/change/", "form": "product_form", "stock": "variants-0-stock_count",
         "price": "variants-0-price", "save": {"_continue": "Save and continue editing"}}
PAGES = pytest.mark.parametrize("page", [DASHBOARD, ADMIN], ids=["dashboard form", "admin inline"])


@pytest.fixture
def client_for(client):
    """The client, logged in as the product's seller for the dashboard, as staff for the admin."""

    def logged_in(page, product):
        if page is DASHBOARD:
            client.force_login(product.store.memberships.get().user)
        else:
            client.force_login(UserFactory(is_staff=True, is_superuser=True))
        return client

    return logged_in


def open_page(client, page, product) -> dict[str, str]:
    response = client.get(page["url"].format(pk=product.pk))
    assert response.status_code == 200
    values = form_values(response.content.decode(), page["form"])
    assert page["stock"] in values, sorted(values)  # the row's stock input, as named on this page
    return values


def save(client, page, product, values):
    return client.post(page["url"].format(pk=product.pk), values | page["save"])


@PAGES
def test_price_change_on_a_page_opened_before_three_sales_keeps_the_sales(client_for, page, kikoi):
    client = client_for(page, kikoi)
    variant = kikoi.variants.get()
    values = open_page(client, page, kikoi)
    assert values[page["stock"]] == "10"

    buyer_checks_out(variant, 3)
    values[page["price"]] = "800.00"
    response = save(client, page, kikoi, values)

    assert response.status_code == 302, response.content.decode()[:3000]
    variant.refresh_from_db()
    assert variant.price == Decimal("800.00")
    assert variant.stock == 7  # not 10: the three sold units stay sold


@PAGES
def test_stock_change_that_clashes_with_sales_says_so_keeps_the_other_edits_and_saves_when_confirmed(
    client_for, page, kikoi
):
    client = client_for(page, kikoi)
    variant = kikoi.variants.get()
    values = open_page(client, page, kikoi)

    buyer_checks_out(variant, 3)
    values[page["stock"]] = "15"
    values[page["price"]] = "800.00"
    response = save(client, page, kikoi, values)

    assert response.status_code == 200
    html = response.content.decode()
    assert SOLD_SINCE in html
    variant.refresh_from_db()
    assert (variant.stock, variant.price) == (7, Decimal("850.00"))  # nothing saved yet
    shown = form_values(html, page["form"])
    assert shown[page["stock"]] == "15" and shown[page["price"]] in ("800.00", "800")  # the seller's edits stay

    response = save(client, page, kikoi, shown)  # "save again" confirms the figure

    assert response.status_code == 302, response.content.decode()[:3000]
    variant.refresh_from_db()
    assert (variant.stock, variant.price) == (15, Decimal("800.00"))
    kikoi.refresh_from_db()
    assert kikoi.in_stock


@PAGES
def test_restocking_a_sold_out_item_on_a_fresh_page_puts_it_back_on_sale(client_for, page, kikoi):
    client = client_for(page, kikoi)
    variant = kikoi.variants.get()
    buyer_checks_out(variant, 10)
    kikoi.refresh_from_db()
    assert not kikoi.in_stock

    values = open_page(client, page, kikoi)
    values[page["stock"]] = "4"
    response = save(client, page, kikoi, values)

    assert response.status_code == 302
    variant.refresh_from_db()
    kikoi.refresh_from_db()
    assert variant.stock == 4 and kikoi.in_stock
    assert Product.objects.filter(pk=kikoi.pk, in_stock=True).exists()
