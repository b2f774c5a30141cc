"""A shopper's clumsy clicks in a real browser: a double click on "Add to cart" adds one,
a later click adds another; −1 in the cart says what to do and changes nothing; picking
"Orange" shows the orange picture."""

from decimal import Decimal

import pytest

from shop.cart.models import CartItem
from shop.catalog.models import ProductImage
from tests.e2e.pages import expect, log_in
from tests.factories import UserFactory
from tests.factories.catalog import ProductFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def kikoi(db):
    product = ProductFactory(
        title="Kikoi wrap",
        slug="kikoi-wrap",
        images=2,
        variants=[{"name": "Blue", "price": Decimal("900"), "stock": 5}, {"name": "Orange", "price": Decimal("950"), "stock": 5}],
    )
    return product


def test_a_double_click_adds_one_and_the_next_click_another(new_page, kikoi):
    page = new_page()
    log_in(page, UserFactory().email)
    page.goto("/p/kikoi-wrap/")

    page.get_by_role("button", name="Add to cart").dblclick()
    expect(page.locator("#cart-badge")).to_have_attribute("data-count", "1")
    expect(page.get_by_role("button", name="Add to cart")).to_be_enabled()
    assert CartItem.objects.get().quantity == 1

    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#cart-badge")).to_have_attribute("data-count", "2")
    assert CartItem.objects.get().quantity == 2


def test_minus_one_in_the_cart_says_how_to_remove_and_keeps_the_quantity(new_page, kikoi):
    page = new_page()
    log_in(page, UserFactory().email)
    page.goto("/p/kikoi-wrap/")
    page.fill("#quantity", "2")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#cart-badge")).to_have_attribute("data-count", "2")

    page.goto("/cart/")
    quantity = page.get_by_label("Qty")
    quantity.fill("-1")
    quantity.dispatch_event("change")

    expect(page.locator("#toasts")).to_contain_text("Choose a quantity of at least 1; to remove the item use Remove.")
    expect(page.get_by_label("Qty")).to_have_value("2")
    assert CartItem.objects.get().quantity == 2


def shown_picture(page) -> str:
    main = page.locator("#gallery .product-gallery-main img")
    return (main.get_attribute("src") or "") + (main.get_attribute("srcset") or "")


def test_picking_a_variant_shows_its_picture(new_page, kikoi):
    orange_picture = kikoi.images.order_by("position").last()
    ProductImage.objects.filter(pk=orange_picture.pk).update(variant=kikoi.variants.get(name="Orange"))
    sha = orange_picture.image.sha256
    page = new_page()
    page.goto("/p/kikoi-wrap/")
    assert sha not in shown_picture(page)

    page.locator("label", has_text="Orange").click()

    expect(page.locator("[data-testid=variant-price]")).to_have_text("KES 950")
    assert sha in shown_picture(page)
    page.reload()  # the address now names the variant
    assert sha in shown_picture(page)
