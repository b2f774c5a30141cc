"""A Nairobi shopper buying from a Conakry shop is told at checkout why home delivery is
missing; switching to their Conakry address brings it back without a reload."""

from decimal import Decimal

import pytest

from shop.accounts.models import Address
from shop.cart.models import Cart
from shop.cart.services import cart_add
from shop.geo.models import Area
from shop.geo.services import areas_load
from tests.e2e.pages import expect, log_in
from tests.factories import StoreFactory, UserFactory
from tests.factories.catalog import ProductFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def place_named(*names) -> Area:
    area = Area.objects.get(name=names[0], parent__isnull=True)
    for name in names[1:]:
        area = area.children.get(name=name)
    return area


def test_checkout_explains_missing_home_delivery_and_follows_the_address(new_page):
    areas_load(country_codes=["GN", "KE"])
    store = StoreFactory(
        name="Kaloum Électronique", delivers_local=True, area=place_named("Guinea", "Conakry", "Kaloum", "Almamya")
    )
    radio = ProductFactory(title="Radio FM", store=store, variants=[{"name": "Black", "price": Decimal("350"), "stock": 5}])
    buyer = UserFactory(email="fatou@example.test")
    Address.objects.create(
        user=buyer, label="Nairobi office", recipient="Fatou Camara", phone="+254 712 000 111",
        area=place_named("Kenya", "Nairobi", "Nairobi", "Westlands"), street="Waiyaki Way", is_default=True,
    )
    conakry = Address.objects.create(
        user=buyer, label="Home", recipient="Fatou Camara", phone="+224 622 00 00 00",
        area=place_named("Guinea", "Conakry", "Ratoma"), street="Route du Niger",
    )
    cart_add(cart=Cart.objects.create(user=buyer), variant=radio.variants.get(), quantity=1)
    page = new_page()
    log_in(page, buyer.email)

    page.goto("/checkout/")
    reason = page.get_by_test_id("no-home-delivery")
    expect(reason).to_have_text("Kaloum Électronique delivers only within Conakry.")
    expect(page.locator(f"input[name=delivery_{store.pk}]")).to_have_count(1)

    page.evaluate("window.__sameDocument = true")
    page.locator(f"input[name=address][value='{conakry.pk}']").check()
    expect(page.get_by_test_id("no-home-delivery")).to_have_count(0)
    expect(page.locator(f"input[name=delivery_{store.pk}][value=delivery]")).to_be_checked()
    expect(page.get_by_test_id("review-fee")).not_to_have_text("Free")
    assert page.evaluate("window.__sameDocument") is True
