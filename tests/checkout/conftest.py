import uuid
from decimal import Decimal

import pytest

from shop.cart.models import Cart
from shop.cart.services import cart_add
from shop.orders.services.checkout import CheckoutDetails, DeliveryAddress
from tests.factories import StoreFactory, UserFactory
from tests.factories.addresses import AddressFactory, westlands
from tests.factories.catalog import ProductFactory


@pytest.fixture
def weavers(db):
    # In Westlands, Nairobi: it delivers to the buyers' Nairobi addresses.
    return StoreFactory(name="Kisii Weavers", slug="kisii-weavers", delivers_local=True, area=westlands())


@pytest.fixture
def crafts(db):
    # Sells from a stall: pick-up only.
    return StoreFactory(name="Mama Njeri Crafts", slug="mama-njeri-crafts", delivers_local=False, delivers_national=False)


@pytest.fixture
def basket(weavers):
    product = ProductFactory(
        title="Kiondo basket", store=weavers, variants=[{"name": "Red", "sku": "KB-RED", "price": Decimal("1200.50"), "stock": 3}]
    )
    return product.variants.get()


@pytest.fixture
def kikoi(crafts):
    product = ProductFactory(title="Kikoi wrap", store=crafts, variants=[{"name": "Blue", "price": Decimal("850"), "stock": 10}])
    return product.variants.get()


@pytest.fixture
def buyer(db):
    user = UserFactory(email="amina@example.test")
    AddressFactory(user=user)
    return user


@pytest.fixture
def cart(buyer, basket, kikoi):
    cart = Cart.objects.create(user=buyer)
    cart_add(cart=cart, variant=basket, quantity=2)
    cart_add(cart=cart, variant=kikoi, quantity=1)
    return cart


def details_for(user, **changes) -> CheckoutDetails:
    address = user.addresses.get(is_default=True)
    fields = {"address": DeliveryAddress.from_address(address), "payment_method": "cod", "delivery_modes": {}, "instructions": ""}
    fields.update(changes)
    return CheckoutDetails(**fields)


@pytest.fixture
def details(buyer):
    return details_for(buyer)


@pytest.fixture
def key():
    return uuid.uuid4()
