"""A running sale's price is what the cart shows and checkout charges; once it ends, the
price from before."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from shop.cart.models import Cart
from shop.cart.services import cart_add
from shop.orders.services.checkout import checkout_place
from shop.promotions.services.sales import SaleInput, sale_create, sales_tick

from .conftest import details_for

pytestmark = pytest.mark.django_db


def test_checkout_charges_the_sale_price_and_the_page_strikes_the_old_one(client, buyer, basket, weavers):
    now = timezone.now()
    data = SaleInput(name="Weekend", kind="percent", amount=Decimal("10"), starts_at=now + timedelta(minutes=1),
                     ends_at=now + timedelta(hours=1), products=(basket.product,))
    sale_create(store=weavers, user=weavers.memberships.get().user, data=data, now=now)
    sales_tick(now=now + timedelta(minutes=1))

    page = client.get(reverse("catalog:product", args=[basket.product.slug])).text
    assert 'data-testid="compare-at"' in page and "1,200.50" in page and "1,080.50" in page  # 10 % off is 120.05, taken as 120

    cart = Cart.objects.create(user=buyer)
    cart_add(cart=cart, variant=basket, quantity=2)
    checkout = checkout_place(buyer=buyer, cart=cart, details=details_for(buyer), idempotency_key=uuid.uuid4())
    item = checkout.orders.get().items.get()
    assert (item.unit_price, item.line_total) == (Decimal("1080.50"), Decimal("2161.00"))

    sales_tick(now=now + timedelta(hours=1))
    page = client.get(reverse("catalog:product", args=[basket.product.slug])).text
    assert 'data-testid="compare-at"' not in page and "1,080.50" not in page
