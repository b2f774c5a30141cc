"""A visitor fills a cart before logging in; logging in keeps it, merged into the account's."""

from decimal import Decimal

import pytest

from shop.cart.models import Cart, CartItem
from shop.cart.services import SESSION_KEY, cart_add, cart_merge
from tests.factories import PASSWORD, UserFactory
from tests.factories.catalog import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def basket():
    return ProductFactory(title="Kiondo basket", variants=[{"name": "Red", "price": Decimal("1200"), "stock": 5}]).variants.get()


@pytest.fixture
def kikoi():
    return ProductFactory(title="Kikoi wrap", variants=[{"name": "Blue", "price": Decimal("850"), "stock": 10}]).variants.get()


def add(client, variant, quantity=1):
    return client.post("/cart/add/", {"variant": variant.pk, "quantity": quantity})


def log_in(client, user):
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return response


def test_a_visitors_cart_lives_in_their_session(client, basket):
    add(client, basket, 2)

    cart = Cart.objects.get()
    assert cart.user is None and client.session[SESSION_KEY] == str(cart.token)
    page = client.get("/cart/").content.decode()
    assert "Kiondo basket" in page and 'data-count="2"' in page


def test_another_visitor_does_not_see_it(client, basket):
    from django.test import Client

    add(client, basket, 2)

    assert "Your cart is empty." in Client().get("/cart/").content.decode()


def test_a_visitor_who_logs_in_keeps_the_cart(client, basket):
    buyer = UserFactory()
    add(client, basket, 2)

    log_in(client, buyer)

    assert Cart.objects.get().user == buyer
    assert SESSION_KEY not in client.session
    assert 'data-count="2"' in client.get("/cart/").content.decode()


def test_logging_in_merges_into_the_accounts_cart_adding_quantities_capped_by_stock(client, basket, kikoi):
    buyer = UserFactory()
    account_cart = Cart.objects.create(user=buyer)
    cart_add(cart=account_cart, variant=basket, quantity=4)
    add(client, basket, 3)  # 4 + 3 > 5 in stock
    add(client, kikoi, 2)

    log_in(client, buyer)

    assert Cart.objects.count() == 1
    assert {str(item.variant): item.quantity for item in CartItem.objects.filter(cart=account_cart)} == {
        "Kiondo basket — Red": 5,
        "Kikoi wrap — Blue": 2,
    }


def test_a_price_seen_as_a_guest_stays_flagged_after_logging_in(client, basket):
    buyer = UserFactory()
    Cart.objects.create(user=buyer)
    add(client, basket, 1)
    basket.price = Decimal("1300")
    basket.save()

    log_in(client, buyer)

    assert CartItem.objects.get(cart__user=buyer).unit_price_seen == Decimal("1200")
    assert "is now KES 1,300 (was KES 1,200)" in client.get("/cart/").content.decode()


def test_merge_never_drops_or_shrinks_a_line_that_ran_short(basket):
    buyer = UserFactory()
    account_cart = Cart.objects.create(user=buyer)
    cart_add(cart=account_cart, variant=basket, quantity=4)
    guest = Cart.objects.create()
    cart_add(cart=guest, variant=basket, quantity=2)
    basket.stock = 1
    basket.save()

    cart = cart_merge(guest_cart=guest, user=buyer)

    assert cart == account_cart
    assert CartItem.objects.get(cart=account_cart).quantity == 4  # flagged "only 1 left" in the cart
    assert not Cart.objects.filter(pk=guest.pk).exists()


def test_a_garbled_token_in_the_session_is_ignored(client, basket):
    session = client.session
    session[SESSION_KEY] = "not-a-uuid"
    session.save()

    assert client.get("/cart/").status_code == 200
    add(client, basket, 1)
    assert Cart.objects.get().items.count() == 1
