"""A Nairobi shopper buying from a Conakry shop is told at checkout why home delivery is
missing; switching to their Conakry address brings it back without a reload."""

from decimal import Decimal

import pytest

from shop.accounts.models import Address
from shop.cart.models import Cart
from shop.cart.services import cart_add
from shop.geo.models import Area
from shop.geo.services import areas_load
from shop.orders.models import Order
from tests.e2e.pages import console_errors, expect, log_in, offline_images, shot
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
    radio = ProductFactory(
        title="Radio FM", store=store, variants=[{"name": "Black", "price": Decimal("350"), "stock": 5}]
    )
    buyer = UserFactory(email="fatou@example.test")
    Address.objects.create(
        user=buyer,
        label="Nairobi office",
        recipient="Fatou Camara",
        phone="+254 712 000 111",
        area=place_named("Kenya", "Nairobi", "Nairobi", "Westlands"),
        street="Waiyaki Way",
        is_default=True,
    )
    conakry = Address.objects.create(
        user=buyer,
        label="Home",
        recipient="Fatou Camara",
        phone="+224 622 00 00 00",
        area=place_named("Guinea", "Conakry", "Ratoma"),
        street="Route du Niger",
    )
    cart_add(cart=Cart.objects.create(user=buyer), variant=radio.variants.get(), quantity=1)
    page = new_page()
    log_in(page, buyer.email)

    page.goto("/checkout/")
    reason = page.get_by_test_id("no-home-delivery")
    expect(reason).to_have_text("\u2068Kaloum Électronique\u2069 delivers only within Conakry.")
    expect(page.locator(f"input[name=delivery_{store.pk}]")).to_have_count(1)

    page.evaluate("window.__sameDocument = true")
    page.locator(f"input[name=address][value='{conakry.pk}']").check()
    expect(page.get_by_test_id("no-home-delivery")).to_have_count(0)
    expect(page.locator(f"input[name=delivery_{store.pk}][value=delivery]")).to_be_checked()
    expect(page.get_by_test_id("review-fee")).not_to_have_text("Free")
    assert page.evaluate("window.__sameDocument") is True


def test_a_typed_address_is_offered_what_the_store_does_for_its_place(new_page):
    """A first-time buyer types their address: home delivery appears only once its place is
    one the store delivers to, the options and the review are read once per change, and the
    page as shown places on the first click."""
    areas_load(country_codes=["GN", "KE"])
    store = StoreFactory(
        name="Kaloum Électronique", delivers_local=True, area=place_named("Guinea", "Conakry", "Kaloum", "Almamya")
    )
    radio = ProductFactory(
        title="Radio FM", store=store, variants=[{"name": "Black", "price": Decimal("1510"), "stock": 5}]
    )
    buyer = UserFactory(email="fatou@example.test")
    cart_add(cart=Cart.objects.create(user=buyer), variant=radio.variants.get(), quantity=1)
    page = new_page()
    page.context.route("**/*", offline_images)  # the address map's tiles: this machine is offline
    errors = console_errors(page)
    log_in(page, buyer.email)
    page.goto("/checkout/")
    refreshes = []
    page.on("request", lambda request: refreshes.append(request.url) if "/checkout/?" in request.url else None)
    expect(page.locator(f"input[name=delivery_{store.pk}]")).to_have_count(1)  # nothing typed yet: pick-up
    expect(page.get_by_test_id("review-total")).to_have_text("KES 1,510")

    page.get_by_label("Label").fill("Home")
    page.get_by_label("Recipient's name").fill("Fatou Camara")
    page.get_by_label("Phone").fill("+224 622 00 00 00")
    page.get_by_label("Street, building and landmark").fill("Rue KA-020")
    for label, name in (
        ("Country", "Kenya"),
        ("Region", "Nairobi"),
        ("Town or district", "Nairobi"),
        ("Neighbourhood", "Westlands"),
    ):
        expect(page.get_by_label(label).locator("option", has_text=name)).to_have_count(1)
        page.get_by_label(label).select_option(label=name)
    expect(page.get_by_test_id("no-home-delivery")).to_have_text("\u2068Kaloum Électronique\u2069 delivers only within Conakry.")
    expect(page.locator(f"input[name=delivery_{store.pk}]")).to_have_count(1)
    expect(page.get_by_test_id("review-total")).to_have_text("KES 1,510")
    # At most one read per place chosen (a quick next choice may supersede one): never two.
    assert 1 <= len([url for url in refreshes if "neighbourhood=" in url]) <= 4, refreshes

    shot(page, "checkout-typed-away-1280")
    for label, name in (
        ("Country", "Guinea"),
        ("Region", "Conakry"),
        ("Town or district", "Ratoma"),
        ("Neighbourhood", "Kipé"),
    ):
        expect(page.get_by_label(label).locator("option", has_text=name)).to_have_count(1)
        page.get_by_label(label).select_option(label=name)
    expect(page.locator(f"input[name=delivery_{store.pk}][value=delivery]")).to_be_checked()
    expect(page.get_by_test_id("review-total")).to_have_text("KES 1,710")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "checkout-typed-near-390")

    page.get_by_test_id("place-order").click()
    page.wait_for_url(lambda url: url.endswith("/done/"), timeout=30_000)
    order = Order.objects.get(buyer=buyer)
    assert order.delivery_mode == "delivery" and order.checkout.total == Decimal("1710")
    assert errors == [], "\n".join(errors)
