"""Each store prices in its own currency; an order keeps the one it was placed in; a cart
holding two currencies checks out one at a time; conversions are shown, never charged."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from sellers.services import store_create
from shop.cart.models import Cart, CartItem
from shop.cart.services import cart_add
from shop.core.models import CurrencyRate
from shop.core.selectors.currencies import display_currency_activate, display_currency_deactivate
from shop.core.selectors.money import money_approximate, money_format
from shop.core.selectors.rates import money_convert
from shop.orders.models import Order
from shop.orders.services.checkout import CheckoutError, checkout_place
from tests.checkout.conftest import details_for
from tests.factories import StoreFactory, UserFactory
from tests.factories.addresses import AddressFactory
from tests.factories.catalog import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(db):
    CurrencyRate.objects.create(currency="KES", per_usd=Decimal("129"), as_of=date(2026, 11, 1))
    CurrencyRate.objects.create(currency="GNF", per_usd=Decimal("8600"), as_of=date(2026, 11, 1))
    CurrencyRate.objects.create(currency="PKR", per_usd=Decimal("280"), as_of=date(2026, 11, 1))


@pytest.fixture
def conakry_store(db):
    return StoreFactory(name="Kaloum Électronique", slug="kaloum-electronique", currency="GNF", delivers_local=False)


@pytest.fixture
def radio(conakry_store):
    product = ProductFactory(title="Radio solaire", store=conakry_store, variants=[{"name": "Noir", "price": Decimal("250000"), "stock": 5}])
    return product.variants.get()


@pytest.fixture
def kikoi(db):
    store = StoreFactory(name="Mama Njeri Crafts", slug="mama-njeri-crafts", delivers_local=False)
    product = ProductFactory(title="Kikoi wrap", store=store, variants=[{"name": "Blue", "price": Decimal("850.50"), "stock": 5}])
    return product.variants.get()


@pytest.fixture
def buyer(db):
    user = UserFactory(email="amina@example.test")
    AddressFactory(user=user)
    return user


@pytest.fixture
def mixed_cart(buyer, radio, kikoi):
    cart = Cart.objects.create(user=buyer)
    cart_add(cart=cart, variant=kikoi, quantity=2)
    cart_add(cart=cart, variant=radio, quantity=1)
    return cart


# Formatting ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "language", "shown"),
    [
        ("1250.40", "GNF", "en", "GNF 1,250"),
        ("1250", "KES", "en", "KES 1,250"),
        ("99.5", "KES", "en", "KES 99.50"),
        ("1234567", "PKR", "en", "PKR 1,234,567"),
        ("1250.5", "KES", "fr", "1\u202f250,50 KES"),
        ("250000", "GNF", "fr", "250\u202f000 GNF"),
        ("1250", "KES", "sw", "KES 1,250"),
        ("1250", "PKR", "ur", "\u2066PKR 1,250\u2069"),
    ],
)
def test_amounts_follow_the_currency_and_the_language(amount, currency, language, shown):
    with translation.override(language):
        assert money_format(Decimal(amount), currency) == shown


def test_gnf_never_shows_decimals():
    assert money_format(Decimal("999.99"), "GNF") == "GNF 1,000"
    assert money_format(Decimal("0.4"), "GNF") == "GNF 0"


def test_a_new_store_prices_in_its_country_currency(db):
    from tests.factories.addresses import westlands

    owner = UserFactory()
    kenya = store_create(owner=owner, name="Westlands Books", slug="westlands-books", phone="+254 700 000 000", area=westlands().name)
    nowhere = store_create(owner=owner, name="Somewhere", slug="somewhere", phone="+254 700 000 001", area="Atlantis")
    assert kenya.currency == "KES"
    assert nowhere.currency == "KES"  # the operator's currency when the place is unknown


def test_conversions_use_the_newest_rate_and_round_to_the_target(rates):
    assert money_convert(Decimal("129"), "KES", "GNF") == Decimal("8600")
    assert money_convert(Decimal("10000"), "GNF", "KES") == Decimal("150.00")
    CurrencyRate.objects.create(currency="GNF", per_usd=Decimal("8700"), as_of=date(2026, 11, 20))
    assert money_convert(Decimal("129"), "KES", "GNF") == Decimal("8700")


def test_an_approximation_only_when_a_display_currency_is_chosen(rates):
    assert money_approximate(Decimal("129"), "KES") == ""
    display_currency_activate("GNF")
    try:
        assert money_approximate(Decimal("129"), "KES") == "≈ GNF 8,600"
        assert money_approximate(Decimal("8600"), "GNF") == ""  # already in it
    finally:
        display_currency_deactivate()


def test_a_shopper_sees_conversions_after_choosing_a_display_currency(client, rates, kikoi):
    product_url = reverse("catalog:product", args=[kikoi.product.slug])
    assert "≈" not in client.get(product_url).content.decode()
    response = client.post(reverse("currency_set"), {"currency": "GNF", "next": product_url})
    assert response.status_code == 302 and response["Location"] == product_url
    html = client.get(product_url).content.decode()
    assert "KES 850.50" in html and "≈ GNF 56,700" in html  # 850.50 / 129 × 8600, whole francs
    client.post(reverse("currency_set"), {"currency": ""})
    assert "≈" not in client.get(product_url).content.decode()


def test_an_unknown_display_currency_is_refused_with_a_reason(client):
    response = client.post(reverse("currency_set"), {"currency": "EUR"})
    assert response.status_code == 400 and "currencies offered" in response.content.decode()


# Checkout, one currency at a time -----------------------------------------------------------


def test_a_two_currency_cart_checks_out_one_currency_at_a_time(buyer, mixed_cart, radio, kikoi):
    kes = checkout_place(buyer=buyer, cart=mixed_cart, details=details_for(buyer, currency="KES"), idempotency_key=uuid.uuid4())
    order = kes.orders.get()
    assert (kes.currency, order.currency, order.total) == ("KES", "KES", Decimal("1701.00"))
    # The franc-priced radio is still in the cart, for its own checkout.
    assert list(CartItem.objects.filter(cart=mixed_cart).values_list("variant", flat=True)) == [radio.pk]

    gnf = checkout_place(buyer=buyer, cart=mixed_cart, details=details_for(buyer, currency="GNF"), idempotency_key=uuid.uuid4())
    order = gnf.orders.get()
    assert (gnf.currency, order.currency, order.total) == ("GNF", "GNF", Decimal("250000"))
    assert not CartItem.objects.filter(cart=mixed_cart).exists()


def test_a_checkout_in_a_currency_the_cart_does_not_hold_is_refused(buyer, radio):
    cart = Cart.objects.create(user=buyer)
    cart_add(cart=cart, variant=radio, quantity=1)
    with pytest.raises(CheckoutError, match="priced in PKR"):
        checkout_place(buyer=buyer, cart=cart, details=details_for(buyer, currency="PKR"), idempotency_key=uuid.uuid4())


def test_the_checkout_page_says_the_other_currency_is_paid_separately(client, buyer, mixed_cart):
    client.force_login(buyer)
    html = client.get(reverse("checkout:page")).content.decode()
    assert "Kikoi wrap" in html and "Radio solaire" not in html
    assert "GNF 250,000" in html and reverse("checkout:page") + "?currency=GNF" in html
    html = client.get(reverse("checkout:page"), {"currency": "GNF"}).content.decode()
    assert "Radio solaire" in html and "Kikoi wrap" not in html


def test_the_cart_shows_a_total_per_currency(client, buyer, mixed_cart):
    client.force_login(buyer)
    html = client.get(reverse("cart:detail")).content.decode()
    assert "KES 1,701" in html and "GNF 250,000" in html
    assert reverse("checkout:page") + "?currency=GNF" in html


def test_an_order_keeps_its_currency_when_rates_and_the_store_change(client, buyer, mixed_cart, rates, conakry_store):
    checkout = checkout_place(buyer=buyer, cart=mixed_cart, details=details_for(buyer, currency="GNF"), idempotency_key=uuid.uuid4())
    order = checkout.orders.get()
    CurrencyRate.objects.create(currency="GNF", per_usd=Decimal("9999"), as_of=date(2026, 11, 21))
    conakry_store.currency = "KES"
    conakry_store.save(update_fields=["currency"])
    order = Order.objects.get(pk=order.pk)
    assert (order.currency, order.total) == ("GNF", Decimal("250000"))
    client.force_login(buyer)
    html = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert "GNF 250,000" in html and "KES 250,000" not in html


def test_gnf_prices_must_be_whole_francs(client, conakry_store):
    from tests.factories.catalog import CategoryFactory
    from tests.sellers.test_products_form import product_data

    client.force_login(conakry_store.members.get())
    data = product_data(category=CategoryFactory(), variants=[{"name": "Standard", "price": "1500.50", "stock": "3"}])
    response = client.post("/dashboard/products/new/", data)
    assert response.status_code in {200, 422}
    assert "whole number" in response.content.decode()
    data = product_data(category=CategoryFactory(), variants=[{"name": "Standard", "price": "1500", "stock": "3"}])
    assert client.post("/dashboard/products/new/", data).status_code == 302
