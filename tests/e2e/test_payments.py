"""Paying online in a real browser with the development gateway (Stripe's code paths, a
local hosted page): the order page turns paid without a reload; a declined card offers
the other ways to pay and the shopper finishes with cash on delivery."""

import re
import time
from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from sellers.models import Store
from shop.devgateway.services import dev_engine
from shop.orders.models import Checkout, Order
from shop.orders.services.orders import order_transition
from shop.payments.models import ConnectedAccount, LedgerTransaction, PaymentAttempt, PaymentStatus
from tests.e2e.pages import LIVE_MS, expect, log_in, wait_for_socket
from tests.factories import StoreFactory, UserFactory
from tests.factories.addresses import AddressFactory, westlands
from tests.factories.catalog import ProductFactory

pytestmark = [pytest.mark.e2e, pytest.mark.embedded, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shopper(db):
    ProductFactory(
        title="Kiondo basket",
        slug="kiondo-basket",
        store=StoreFactory(name="Kisii Weavers", delivers_local=True, area=westlands()),
        variants=[{"name": "Red", "price": Decimal("1200"), "stock": 5}],
    )
    buyer = UserFactory(email="amina@example.test")
    AddressFactory(user=buyer)
    return buyer


def place_by_card(page):
    page.goto("/p/kiondo-basket/")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#cart-badge")).to_have_attribute("data-count", "1")
    page.goto("/checkout/")
    page.locator("[data-testid=payment-choice]", has_text="Card").click()
    page.locator("[data-testid=place-order]").click()
    page.wait_for_url(re.compile(r"/payments/dev/checkout/"))


def test_paying_turns_the_order_page_paid_without_a_reload(new_page, shopper):
    page = new_page()
    log_in(page, shopper.email)
    place_by_card(page)
    checkout = Checkout.objects.get(buyer=shopper)
    order = checkout.orders.get()
    assert checkout.payment_status == PaymentStatus.AWAITING

    watcher = page.context.new_page()
    watcher.goto(f"/orders/{order.number}/")
    wait_for_socket(watcher)
    expect(watcher.locator("[data-testid=order-payment]")).to_have_attribute("data-payment", "awaiting")
    watcher.evaluate("window.__sameDocument = true")

    page.get_by_role("button", name=re.compile(r"^Pay")).click()
    page.wait_for_url(lambda url: urlsplit(url).path == f"/payments/{checkout.idempotency_key}/")
    expect(page.locator("[data-testid=payment-status]")).to_have_attribute("data-status", "paid-succeeded")

    expect(watcher.locator("[data-testid=order-payment]")).to_have_attribute("data-payment", "paid")
    assert watcher.evaluate("window.__sameDocument === true"), "the order page reloaded"
    assert LedgerTransaction.objects.filter(kind="capture").count() == 1


def test_a_declined_card_offers_cash_and_the_shopper_pays_on_delivery(new_page, shopper):
    page = new_page()
    log_in(page, shopper.email)
    place_by_card(page)
    checkout = Checkout.objects.get(buyer=shopper)

    page.get_by_role("button", name=re.compile(r"^Decline")).click()
    page.get_by_role("link", name=re.compile("Back to")).click()

    page.wait_for_url(lambda url: urlsplit(url).path == f"/payments/{checkout.idempotency_key}/")
    expect(page.locator("[data-testid=payment-failed]")).to_be_visible()
    choices = page.locator("[data-testid=payment-alternative]")
    expect(choices.filter(has_text="Cash on delivery")).to_have_count(1)
    choices.filter(has_text="Cash on delivery").click()
    page.locator("[data-testid=payment-retry]").click()

    page.wait_for_url(lambda url: urlsplit(url).path.endswith("/done/"), timeout=3 * LIVE_MS)
    expect(page.locator("h1")).to_have_text("Thank you! Your order is placed.")
    checkout.refresh_from_db()
    assert (checkout.payment_status, checkout.payment_method) == (PaymentStatus.ON_DELIVERY, "cod")
    assert list(PaymentAttempt.objects.filter(checkout=checkout).values_list("status", flat=True)) != ["pending"]


def test_a_sellers_payouts_page_shows_the_held_share_then_the_transfer(new_page, shopper):
    store = Store.objects.get(name="Kisii Weavers")
    owner = store.memberships.get(role="owner").user
    engine = dev_engine()
    account = engine.account_create({"type": "express", "country": "KE"})
    engine.account_onboard(account["id"])
    ConnectedAccount.objects.create(store=store, account_id=account["id"], details_submitted=True, payouts_enabled=True)

    page = new_page()
    log_in(page, shopper.email)
    place_by_card(page)
    page.get_by_role("button", name=re.compile(r"^Pay")).click()
    expect(page.locator("[data-testid=payment-status]")).to_have_attribute("data-status", "paid-succeeded")

    seller = new_page()
    log_in(seller, owner.email)
    seller.goto("/dashboard/payouts/")
    expect(seller.locator("[data-testid=payout-held]")).to_have_text(
        "KES 1,370"
    )  # 1,200 + 200 delivery, less 2.5 % of 1,200
    expect(seller.locator("[data-testid=payout-account-state]")).to_contain_text(account["id"])

    order = Order.objects.get(buyer=shopper)
    staff = UserFactory(is_staff=True)
    for to in ("confirmed", "preparing", "ready", "out_for_delivery", "delivered"):
        order = order_transition(order=order, to=to, actor=staff, role="staff", note="delivered")
    page.goto(f"/orders/{order.number}/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="I received my order").click()
    expect(page.locator("[data-testid=order-status]")).to_have_attribute("data-status", "completed")

    # The transfer to the store is a background job once the order completes (a worker
    # process in scale mode): the page shows it once it has run.
    deadline = time.monotonic() + LIVE_MS / 1000
    seller.reload()
    while seller.locator("[data-testid=payout-paid]").inner_text() != "KES 1,370" and time.monotonic() < deadline:
        time.sleep(0.5)
        seller.reload()
    expect(seller.locator("[data-testid=payout-paid]")).to_have_text("KES 1,370")
    expect(seller.locator("[data-testid=payout-held]")).to_have_text("KES 0")
    expect(seller.locator("[data-testid=payout-line][data-kind=transfer]")).to_have_count(1)
