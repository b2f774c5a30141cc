""""N items" means units everywhere: two necklaces are "2 items" in the cart, on its
badge, at checkout, in the shopper's order list and order page, and in the store's lists."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from shop.cart.models import Cart
from shop.cart.services import cart_add
from shop.orders.models import Order
from tests.factories import StoreFactory, UserFactory
from tests.factories.addresses import AddressFactory
from tests.factories.catalog import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def store():
    return StoreFactory(name="Maa Beads", delivers_local=True)


@pytest.fixture
def buyer(client, store):
    user = UserFactory()
    AddressFactory(user=user)
    necklaces = ProductFactory(title="Bead necklace", store=store, variants=[{"name": "Blue", "price": Decimal("900"), "stock": 5}])
    cart_add(cart=Cart.objects.create(user=user), variant=necklaces.variants.get(), quantity=2)
    client.force_login(user)
    return user


def place(client) -> Order:
    page = client.get("/checkout/").content.decode()
    data = dict(re.findall(r'type="radio" name="([\w]+)" value="([\w-]+)"[^>]*checked', page))
    data["idempotency_key"] = re.search(r'name="idempotency_key" value="([0-9a-f-]+)"', page).group(1)
    data["review"] = re.search(r'name="review" value="([^"]+)"', page).group(1)  # the review confirmed
    assert client.post("/checkout/", data).status_code == 302
    return Order.objects.get()


def test_two_necklaces_are_two_items_on_every_page(client, buyer, store):
    cart = client.get("/cart/").content.decode()
    assert re.search(r'data-testid="cart-item-count">· 2 items<', cart)
    assert "Subtotal, 2 items" in cart
    assert 'data-testid="cart-badge"' in cart and 'data-count="2"' in cart

    checkout = client.get("/checkout/").content.decode()
    assert re.search(r'data-testid="review-item-count">2 items<', checkout)

    order = place(client)
    assert "2 items" in client.get(f"/checkout/{order.checkout.idempotency_key}/done/").content.decode()
    listing = client.get("/orders/").content.decode()
    assert re.search(r"<bdi>Maa Beads</bdi> · .* · 2 items</div>", listing)
    assert re.search(r'data-testid="item-count">2 items<', client.get(f"/orders/{order.number}/").content.decode())

    client.force_login(store.memberships.get().user)
    assert re.search(r"· 2 items</div>", client.get(reverse("sellers:orders")).content.decode())
    detail = client.get(reverse("sellers:order_detail", args=[order.number])).content.decode()
    assert re.search(r'data-testid="item-count">Items to pack: 2<', detail)

    order.status = "delivered"
    order.save(update_fields=["status"])
    delivered = client.get(reverse("sellers:order_detail", args=[order.number])).content.decode()
    assert re.search(r'data-testid="item-count">2 items<', delivered)


def test_an_order_of_four_lines_names_three_and_one_more(client, buyer, store):
    for title in ("Kikoi", "Basket", "Sandals"):
        product = ProductFactory(title=title, store=store, variants=[{"name": "One", "price": Decimal("100"), "stock": 5}])
        cart_add(cart=Cart.objects.get(user=buyer), variant=product.variants.get(), quantity=1)
    place(client)

    listing = client.get("/orders/").content.decode()

    assert re.search(r"· 5 items</div>", listing)
    assert "and 1 more" in listing
