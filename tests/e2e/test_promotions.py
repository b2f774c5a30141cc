"""A sale and a promo code in a real browser: the seller schedules the sale and makes a code
from the dashboard on a phone; a shopper sees the sale price, the old price struck through
and the badge on the card and the product page, applies the code at checkout (a wrong one
is refused with its reason) and places the order at the sale price less the code; once the
store hands it over and the shopper confirms receipt, the order has earned them points, shown
on their points page and offered at their next checkout. With SOKO_SHOTS_DIR set, the pages
are saved there as screenshots."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shop.catalog.models import Variant
from shop.orders.models import Order, OrderStatus
from shop.orders.services.orders import order_transition
from shop.promotions.models import Sale
from tests.e2e.pages import LIVE_MS, console_errors, expect, log_in, offline_images, shot
from tests.factories import StoreFactory, UserFactory
from tests.factories.addresses import AddressFactory
from tests.factories.catalog import ProductFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def test_a_seller_schedules_a_sale_and_a_shopper_sees_it(new_page):
    store = StoreFactory(name="Mama Njeri Crafts")
    basket = ProductFactory(store=store, title="Sisal basket", variants__price=Decimal("1000"))
    ProductFactory(store=store, title="Reed mat", variants__price=Decimal("400"))
    seller = new_page()
    errors = console_errors(seller)
    seller.set_viewport_size(PHONE)
    log_in(seller, store.memberships.get().user.email)
    seller.goto("/dashboard/promotions/")
    form = seller.get_by_test_id("sale-form")
    form.get_by_label("Name").fill("Weekend baskets")
    form.get_by_label("How much").fill("25")
    form.get_by_label("Sisal basket").check()
    form.get_by_label("Ends").fill((timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"))
    form.get_by_role("button", name="Schedule the sale").click()
    expect(seller.get_by_test_id("current-sales").get_by_test_id("sale")).to_contain_text("Weekend baskets")
    assert seller.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(seller, "promotions-390")
    # The worker starts it at once (its start has passed); the page shows it running.
    for _ in range(60):
        if Sale.objects.get().status == Sale.Status.RUNNING:
            break
        seller.wait_for_timeout(500)
    assert Variant.objects.get(product=basket).price == Decimal("750.00")
    seller.reload()
    expect(seller.get_by_test_id("current-sales").locator('[data-status="running"]')).to_be_visible()
    codes = seller.get_by_test_id("promo-codes")
    codes.locator("summary").click()
    code_form = seller.get_by_test_id("promo-code-form")
    code_form.get_by_label("Code").fill("njeri10")
    code_form.get_by_label("How much").fill("10")
    code_form.get_by_label("Uses in all").fill("5")
    code_form.get_by_role("button", name="Create the code").click()
    expect(seller.get_by_test_id("promo-code-row")).to_contain_text("NJERI10")
    seller.set_viewport_size(DESKTOP)
    shot(seller, "promotions-1280")
    assert errors == []

    shopper = new_page()
    shopper.context.route("**/*", offline_images)  # the checkout map's tiles
    shopper_errors = console_errors(shopper)
    buyer = UserFactory()
    AddressFactory(user=buyer)
    log_in(shopper, buyer.email)
    shopper.goto(f"/s/{store.slug}/")
    card = shopper.locator(".product-card", has_text="Sisal basket")
    expect(card).to_contain_text("Sale −25%")
    expect(card.locator("s")).to_contain_text("1,000")
    shopper.goto(f"/p/{basket.slug}/")
    expect(shopper.get_by_test_id("compare-at")).to_contain_text("1,000")
    expect(shopper.locator("main")).to_contain_text("750")
    shot(shopper, "product-on-sale-1280")

    shopper.get_by_role("button", name="Add to cart").click()
    expect(shopper.locator("#cart-badge")).to_have_attribute("data-count", "1")
    shopper.goto("/checkout/")
    shopper.get_by_label("Pick-up at the store · free").first.check()
    expect(shopper.get_by_test_id("review-total")).to_have_text("KES 750")
    promo = shopper.get_by_test_id("promo-code")
    promo.get_by_label("Promo code").fill("NOPE")
    promo.get_by_role("button", name="Apply").click()
    expect(shopper.get_by_test_id("promo-problem")).to_contain_text("There is no promo code “NOPE”")
    shopper.get_by_test_id("promo-code").get_by_label("Promo code").fill("njeri10")
    shopper.get_by_test_id("promo-code").get_by_role("button", name="Apply").click()
    expect(shopper.get_by_test_id("review-discount")).to_contain_text("75")
    expect(shopper.get_by_test_id("review-total")).to_have_text("KES 675")
    shopper.set_viewport_size(PHONE)
    shot(shopper, "checkout-with-code-390")
    shopper.get_by_test_id("place-order").click()
    shopper.wait_for_url("**/done/", timeout=3 * LIVE_MS)
    order = Order.objects.get(buyer=buyer)
    assert (order.items_total, order.discount, order.promo_code, order.total) == (
        Decimal("750.00"), Decimal("75.00"), "NJERI10", Decimal("675.00")
    )

    # The store hands the order over at the counter; the shopper confirms receipt.
    owner = store.memberships.get().user
    for to in (OrderStatus.CONFIRMED, OrderStatus.PREPARING, OrderStatus.READY, OrderStatus.DELIVERED):
        order = order_transition(order=order, to=to, actor=owner, role="seller")
    shopper.goto(f"/orders/{order.number}/")
    expect(shopper.get_by_test_id("order-code-discount")).to_contain_text("75")
    shopper.once("dialog", lambda dialog: dialog.accept())
    shopper.get_by_role("button", name="I received my order").click()
    expect(shopper.get_by_role("button", name="I received my order")).to_have_count(0, timeout=3 * LIVE_MS)  # a POST, then the page re-reads its part
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED
    shopper.goto("/points/")
    expect(shopper.get_by_test_id("points-total")).to_have_text("67")  # KES 675 paid: a point per 10
    expect(shopper.get_by_test_id("points-entry")).to_contain_text(order.number)
    assert shopper.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(shopper, "points-390")
    shopper.set_viewport_size(DESKTOP)
    shot(shopper, "points-1280")

    # The next checkout offers them in tens: 60 of the 67 points take KES 6 off.
    shopper.goto(f"/p/{basket.slug}/")
    shopper.get_by_role("button", name="Add to cart").click()
    expect(shopper.locator("#cart-badge")).to_have_attribute("data-count", "1")
    shopper.goto("/checkout/")
    shopper.get_by_label("Pick-up at the store · free").first.check()
    shopper.get_by_test_id("use-points").get_by_role("checkbox").check()
    expect(shopper.get_by_test_id("review-points")).to_contain_text("KES 6")
    expect(shopper.get_by_test_id("review-total")).to_have_text("KES 744")
    shot(shopper, "checkout-with-points-1280")
    assert shopper_errors == [], shopper_errors
