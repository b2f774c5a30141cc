"""A shopper buys from two stores in a real browser: add to cart (the badge follows without
a reload), check out with cash on delivery, end up with two orders, each with its handover
QR code; a store confirms in another browser and the shopper's timeline follows live."""

from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from shop.orders.models import Checkout, Order
from tests.e2e.pages import LIVE_MS, expect, log_in, open_order_page, store_moves_order, timeline_changed_ms
from tests.factories import StoreFactory, UserFactory
from tests.factories.addresses import AddressFactory, westlands
from tests.factories.catalog import ProductFactory

pytestmark = [pytest.mark.e2e, pytest.mark.embedded, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_stores(db):
    basket = ProductFactory(
        title="Kiondo basket",
        slug="kiondo-basket",
        store=StoreFactory(name="Kisii Weavers", delivers_local=True, area=westlands()),
        variants=[{"name": "Red", "price": Decimal("1200"), "stock": 5}],
    )
    kikoi = ProductFactory(
        title="Kikoi wrap",
        slug="kikoi-wrap",
        store=StoreFactory(name="Mama Njeri Crafts", delivers_local=False),
        variants=[{"name": "Blue", "price": Decimal("850"), "stock": 5}],
    )
    return basket, kikoi


def test_shopper_buys_from_two_stores_with_cash_on_delivery(new_page, two_stores):
    buyer = UserFactory(email="amina@example.test")
    AddressFactory(user=buyer, street="Muthithi Rd, Apple Court flat 4")
    page = new_page()
    log_in(page, buyer.email)

    page.goto("/p/kiondo-basket/")
    page.evaluate("window.__sameDocument = true")
    page.fill("#quantity", "2")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#cart-badge")).to_have_attribute("data-count", "2")
    expect(page.locator("#toasts")).to_contain_text("Added 2 × Kiondo basket — Red")
    assert page.evaluate("window.__sameDocument === true"), "adding to the cart reloaded the page"

    page.goto("/p/kikoi-wrap/")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#cart-badge")).to_have_attribute("data-count", "3")

    page.locator("[data-testid=cart-link]").click()
    expect(page.locator("[data-testid=cart-store]")).to_have_count(2)
    expect(page.locator("[data-testid=cart-total]")).to_have_text("KES 3,250")
    page.locator("[data-testid=to-checkout]").click()

    expect(page.locator("[data-testid=review-total]")).to_have_text("KES 3,450")  # one home delivery, one pick-up
    page.get_by_label("Pick-up at the store · free").first.check()
    expect(page.locator("[data-testid=review-total]")).to_have_text("KES 3,250")
    page.get_by_label("Delivery instructions").fill("Call at the gate")
    expect(page.get_by_label("Cash on delivery")).to_be_checked()
    page.locator("[data-testid=place-order]").click()

    # Placing reserves stock, writes both orders and their codes: slow on a busy machine.
    page.wait_for_url(lambda url: urlsplit(url).path.endswith("/done/"), timeout=3 * LIVE_MS)
    checkout = Checkout.objects.get(buyer=buyer)
    assert urlsplit(page.url).path == f"/checkout/{checkout.idempotency_key}/done/"
    expect(page.locator("h1")).to_have_text("Thank you! Your 2 orders are placed.")
    expect(page.locator("[data-testid=done-order] [data-testid=handover-qr] svg")).to_have_count(2)
    assert checkout.payment_method == "cod" and checkout.total == Decimal("3250")
    assert sorted(Order.objects.filter(buyer=buyer).values_list("store__name", "delivery_mode")) == [
        ("Kisii Weavers", "pickup"),
        ("Mama Njeri Crafts", "pickup"),
    ]
    expect(page.locator("#cart-badge")).to_have_attribute("data-count", "0")

    # Each order page shows its own cash-on-delivery handover QR code.
    orders = list(Order.objects.filter(buyer=buyer).select_related("store").order_by("store__name"))
    for order in orders:
        page.goto(f"/orders/{order.number}/")
        expect(page.locator("[data-testid=handover-qr] svg")).to_have_count(1)

    # The first store confirms in another browser; the shopper's open page follows live.
    kisii = orders[0]
    open_order_page(page, f"/orders/{kisii.number}/")
    seller = new_page()
    log_in(seller, kisii.store.memberships.get().user.email)
    seller.goto(f"/dashboard/orders/{kisii.number}/")
    answered_at = store_moves_order(seller, kisii.number, "confirmed")
    page_ms = timeline_changed_ms(page, answered_at)
    assert page_ms < LIVE_MS, f"the shopper's timeline changed {page_ms:.0f} ms after the store's answer"
    expect(page.locator(f"#order-timeline-{kisii.number}")).to_have_attribute("data-status", "confirmed")
    assert page.evaluate("window.__marker") == "same-document", "the shopper's page was reloaded"


def test_a_choice_made_before_the_scripts_ran_is_reviewed(new_page, two_stores):
    """On a slow phone the form is on screen before htmx: pick-up ticked then still gets
    its review once htmx starts, so the total shown is that of the form."""
    buyer = UserFactory(email="amina@example.test")
    AddressFactory(user=buyer, street="Muthithi Rd, Apple Court flat 4")
    page = new_page()
    log_in(page, buyer.email)
    for slug in ("kiondo-basket", "kikoi-wrap"):
        page.goto(f"/p/{slug}/")
        page.get_by_role("button", name="Add to cart").click()
        expect(page.locator("#toasts")).to_contain_text("Added")

    held = []
    page.context.route("**/django_htmx/htmx-*.js", lambda route: held.append(route))
    page.goto("/checkout/", wait_until="commit")
    page.get_by_label("Pick-up at the store · free").first.check()
    assert held and page.evaluate("window.htmx === undefined"), "the choice was made after htmx started"
    expect(page.locator("[data-testid=review-total]")).to_have_text("KES 2,250")

    held.pop().continue_()
    page.context.unroute("**/django_htmx/htmx-*.js")
    expect(page.locator("[data-testid=review-total]")).to_have_text("KES 2,050")
    page.locator("[data-testid=place-order]").click()
    page.wait_for_url(lambda url: urlsplit(url).path.endswith("/done/"), timeout=3 * LIVE_MS)
    assert Checkout.objects.get(buyer=buyer).total == Decimal("2050")
