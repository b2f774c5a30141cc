"""A shopper who chose pick-up keeps it while typing a new address: the delivery options
and "To pay" that htmx reads again follow the address, not the page's defaults."""

from decimal import Decimal

import pytest

from shop.cart.models import Cart
from shop.cart.services import cart_add
from tests.e2e.pages import console_errors, expect, log_in, offline_images, shot
from tests.factories import StoreFactory, UserFactory
from tests.factories.addresses import AddressFactory, westlands
from tests.factories.catalog import ProductFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_pick_up_stays_chosen_while_a_new_address_is_typed(new_page):
    area = westlands()
    store = StoreFactory(name="Kisii Weavers", delivers_local=True, area=area)
    basket = ProductFactory(title="Kiondo basket", store=store, variants=[{"name": "Red", "price": Decimal("3600"), "stock": 3}])
    buyer = UserFactory(email="amina@example.test")
    AddressFactory(user=buyer, area=area)
    cart_add(cart=Cart.objects.create(user=buyer), variant=basket.variants.get(), quantity=1)
    page = new_page()
    page.context.route("**/*", offline_images)
    errors = console_errors(page)
    log_in(page, buyer.email)
    page.goto("/checkout/")
    pickup = page.locator(f"input[name=delivery_{store.pk}][value=pickup]")

    pickup.check()
    expect(page.get_by_test_id("review-total")).to_have_text("KES 3,600")
    page.locator("input[name=address][value=new]").check()
    expect(page.get_by_test_id("new-address")).to_be_visible()
    for label, name in (("Country", "Kenya"), ("Region", "Nairobi"), ("Town or district", "Nairobi"), ("Neighbourhood", "Westlands")):
        expect(page.get_by_label(label).locator("option", has_text=name)).to_have_count(1)
        page.get_by_label(label).select_option(label=name)
        expect(pickup).to_be_checked()
        expect(page.get_by_test_id("review-total")).to_have_text("KES 3,600")
    # Westlands is where the store delivers: home delivery is offered again, pick-up stays chosen.
    expect(page.locator(f"input[name=delivery_{store.pk}][value=delivery]")).to_have_count(1)
    expect(pickup).to_be_checked()
    expect(page.get_by_test_id("review-total")).to_have_text("KES 3,600")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        shot(page, f"checkout-new-address-{width}", selector="[data-testid=new-address]")
    assert errors == [], "\n".join(errors)
