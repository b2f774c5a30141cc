"""What Soko works out for a shopper to pay (a percentage off, a code shared between
stores, points, a fare by the kilometre) puts no cents on a total whose prices had none:
M-Pesa takes whole shillings, and nobody counts cents at a door in shillings, rupees or
francs. Prices people type keep their cents; US dollars keep theirs throughout."""

import dataclasses
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shop.cart.models import Cart
from shop.cart.services import cart_add
from shop.core.selectors.currencies import STORE_CURRENCIES, cash_unit, money_cash_round
from shop.orders.selectors.fares import commission_for
from shop.orders.services.checkout import checkout_place
from shop.payments.providers.mpesa.gateway import MpesaGateway
from shop.promotions.models import PromoCode
from shop.promotions.services.codes import Subtotal, _shared
from shop.promotions.services.sales import sale_price
from tests.factories.catalog import ProductFactory

from .conftest import details_for
from .test_loyalty import given

pytestmark = pytest.mark.django_db
PRICES = [Decimal(p) for p in ("1", "7", "99", "149", "1150", "2401", "12999", "250000")]
SHARES = [Decimal(p) for p in ("3", "149", "850", "1150", "2401")]


def whole(amount: Decimal) -> bool:
    return amount == amount.to_integral_value()


def test_the_rounding_is_half_up_to_the_currency_s_cash_unit():
    assert money_cash_round(Decimal("172.50"), "KES") == Decimal("173.00")
    assert money_cash_round(Decimal("172.49"), "PKR") == Decimal("172.00")
    assert money_cash_round(Decimal("172.5"), "GNF") == Decimal("173")
    assert money_cash_round(Decimal("1.005"), "USD") == Decimal("1.01") and cash_unit("USD") == Decimal("0.01")


@pytest.mark.parametrize("currency", STORE_CURRENCIES)
def test_every_percentage_sale_of_a_whole_price_stays_whole(currency):
    for price in PRICES:
        for percent in range(1, 100):
            reduced = sale_price(price, kind="percent", amount=Decimal(percent), currency=currency)
            assert whole(reduced) and Decimal(0) < reduced <= price, (price, percent, reduced)


@pytest.mark.parametrize("currency", STORE_CURRENCIES)
def test_a_code_shared_between_stores_gives_each_whole_units_that_add_up(currency):
    for off in (Decimal("1"), Decimal("97"), Decimal("500"), Decimal("1333")):
        for count in (2, 3, 5):
            eligible = [Subtotal(store_id=index, items=SHARES[index]) for index in range(count)]
            parts = _shared(off, eligible, currency)
            assert sum(parts.values()) == off and all(whole(part) for part in parts.values()), (off, parts)


@pytest.mark.parametrize("currency", STORE_CURRENCIES)
def test_a_fare_by_the_kilometre_is_whole_and_the_bonus_is_kept_as_typed(currency):
    for km in (Decimal("0.37"), Decimal("3.66"), Decimal("111.20"), Decimal("167.31")):
        assert whole(commission_for(distance_km=km, currency=currency))
        assert commission_for(distance_km=km, currency=currency, bonus=Decimal("75")) - commission_for(distance_km=km, currency=currency) == 75


def test_a_checkout_with_a_percentage_code_and_points_can_be_paid_by_m_pesa(buyer, weavers, crafts, settings):
    settings.MPESA_CONSUMER_KEY = settings.MPESA_CONSUMER_SECRET = settings.MPESA_PASSKEY = "configured"
    settings.MPESA_SHORTCODE, settings.MPESA_CALLBACK_URL = "174379", "https://soko.example/pay/mpesa/callback/"
    cart = Cart.objects.create(user=buyer)
    for store, price in ((weavers, "1149"), (crafts, "851")):
        product = ProductFactory(store=store, variants=[{"name": "One", "price": Decimal(price), "stock": 5}])
        cart_add(cart=cart, variant=product.variants.get(), quantity=1)
    PromoCode.objects.create(code="KARIBU13", kind="percent", amount=Decimal("13"), currency="KES", starts_at=timezone.now() - timedelta(days=1))
    given(buyer, 1237)
    details = dataclasses.replace(details_for(buyer, payment_method="mpesa"), use_points=True, promo_code="KARIBU13")

    checkout = checkout_place(buyer=buyer, cart=cart, details=details, idempotency_key=uuid.uuid4())

    # 13 % of 2000 is 260; 1237 points of 0.10 take 123 (1230 points): nothing leaves cents.
    assert sum(order.discount for order in checkout.orders.all()) == Decimal("260") + Decimal("123")
    assert all(whole(order.total) for order in checkout.orders.all()) and whole(checkout.total)
    assert MpesaGateway().available_for(checkout)


def test_a_price_typed_with_cents_keeps_them_and_the_reduction_is_still_whole():
    assert sale_price(Decimal("999.99"), kind="percent", amount=Decimal("10"), currency="KES") == Decimal("899.99")
