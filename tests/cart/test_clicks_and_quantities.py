"""A shopper's slips are handled plainly: a double click on "Add to cart" adds once, while
two real clicks add twice; a quantity of −1 is refused with a sentence and the cart stays."""

import re
import uuid
from decimal import Decimal

import pytest

from shop.cart.models import CartItem
from tests.factories import StoreFactory, UserFactory
from tests.factories.catalog import ProductFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def necklace():
    product = ProductFactory(
        title="Maasai bead necklace", store=StoreFactory(), variants=[{"name": "Blue", "price": Decimal("900"), "stock": 10}]
    )
    return product.variants.get()


@pytest.fixture
def shopper(client):
    user = UserFactory()
    client.force_login(user)
    return user


def click_key(page: str) -> str:
    return re.search(r'name="click_key" value="([0-9a-f-]+)"', page).group(1)


def add(client, variant, key, **headers):
    return client.post("/cart/add/", {"variant": variant.pk, "quantity": 1, "click_key": key}, headers=headers)


def quantity() -> int:
    return CartItem.objects.get().quantity


def test_the_product_form_carries_a_click_key_and_is_disabled_while_sending(client, necklace):
    page = client.get(f"/p/{necklace.product.slug}/").content.decode()

    form = re.search(r'<form[^>]*data-testid="add-to-cart".*?</form>', page, re.S).group(0)
    assert 'hx-disabled-elt="find button"' in form
    uuid.UUID(click_key(form))
    assert click_key(client.get(f"/p/{necklace.product.slug}/").content.decode()) != click_key(form)


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["without-javascript", "htmx"])
def test_the_same_click_sent_twice_adds_once(client, shopper, necklace, headers):
    key = click_key(client.get(f"/p/{necklace.product.slug}/").content.decode())

    add(client, necklace, key, **headers)
    second = add(client, necklace, key, **headers)

    assert quantity() == 1
    if headers:
        assert "Already added: your cart has 1 × Maasai bead necklace — Blue." in second.content.decode()
    else:
        assert second.status_code == 302


def test_two_clicks_with_their_own_keys_add_twice(client, shopper, necklace):
    add(client, necklace, str(uuid.uuid4()))
    add(client, necklace, str(uuid.uuid4()))

    assert quantity() == 2


def test_after_an_htmx_add_the_form_gets_a_fresh_key_for_the_next_click(client, shopper, necklace):
    key = click_key(client.get(f"/p/{necklace.product.slug}/").content.decode())

    response = add(client, necklace, key, **HTMX)

    body = response.content.decode()
    assert 'id="add-click-key" hx-swap-oob="true"' in body
    fresh = click_key(body)
    assert fresh != key
    add(client, necklace, fresh, **HTMX)
    assert quantity() == 2


def test_a_refused_add_does_not_use_up_the_click(client, shopper, necklace):
    key = str(uuid.uuid4())
    necklace.stock = 0
    necklace.save()
    add(client, necklace, key)
    necklace.stock = 5
    necklace.save()

    add(client, necklace, key)

    assert quantity() == 1


def test_a_malformed_key_still_adds(client, shopper, necklace):
    add(client, necklace, "not-a-key")
    add(client, necklace, "not-a-key")

    assert quantity() == 2


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["without-javascript", "htmx"])
def test_quantity_minus_one_is_refused_with_a_message_and_the_cart_unchanged(client, shopper, necklace, headers):
    add(client, necklace, str(uuid.uuid4()))
    add(client, necklace, str(uuid.uuid4()))
    item = CartItem.objects.get()

    response = client.post(f"/cart/items/{item.pk}/", {"quantity": "-1"}, headers=headers, follow=not headers)

    assert quantity() == 2
    page = response.content.decode()
    assert "Choose a quantity of at least 1; to remove the item use Remove." in page
    assert f'id="qty-{item.pk}" name="quantity" value="2"' in page


def test_the_quantity_box_lets_minus_one_reach_the_server(client, shopper, necklace):
    # With min="0" the browser (and htmx's validation) dropped −1 without a word.
    add(client, necklace, str(uuid.uuid4()))

    page = client.get("/cart/").content.decode()

    box = re.search(r'<input type="number" id="qty-\d+"[^>]*>', page).group(0)
    assert "min=" not in box
