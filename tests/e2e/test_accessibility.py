"""What a keyboard and a screen reader meet after an action: focus stays on the control
that acted (or moves to the error summary of a refused checkout), and a change that
arrives live is announced once, in the page's polite live region, while the countdown
beside it ticks silently. (Every page's WCAG rules: the axe gate in test_console_journeys.)"""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.e2e.pages import expect, log_in, wait_for_socket
from tests.e2e.test_auctions import bid_through_page
from tests.factories import StoreFactory, UserFactory
from tests.factories.addresses import AddressFactory
from tests.factories.auctions import live_auction
from tests.factories.catalog import CategoryFactory, ProductFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def basket(db):
    store = StoreFactory(name="Kisii Weavers", slug="kisii-weavers")
    return ProductFactory(
        title="Kiondo basket", slug="kiondo-basket", store=store, category=CategoryFactory(slug="home-baskets"),
        variants=[{"name": "Red", "price": Decimal("1200"), "stock": 8}],
    )  # fmt: skip


@pytest.fixture
def shopper(db):
    user = UserFactory(email="amina@example.test")
    AddressFactory(user=user)
    return user


def test_focus_stays_on_add_to_cart_and_on_the_heart_after_they_act(new_page, basket, shopper):
    page = new_page()
    log_in(page, shopper.email)
    page.goto(f"/p/{basket.slug}/")

    add = page.get_by_test_id("add-to-cart").get_by_role("button")
    add.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#cart-badge")).to_have_attribute("data-count", "1")
    page.wait_for_timeout(200)
    expect(add).to_be_focused()

    # The heart swaps itself for a new one: focus moves to the new one.
    heart = page.get_by_test_id(f"heart-product-{basket.pk}").get_by_role("button")
    heart.focus()
    page.keyboard.press("Enter")
    expect(heart).to_have_attribute("aria-pressed", "true")
    page.wait_for_timeout(200)
    expect(heart).to_be_focused()
    expect(heart).to_have_accessible_name(re.compile(r"^Saved\s+Kiondo basket$"))


def test_a_refused_checkout_puts_focus_on_its_error_summary(new_page, basket, shopper):
    page = new_page()
    log_in(page, shopper.email)
    page.goto(f"/p/{basket.slug}/")
    page.get_by_test_id("add-to-cart").get_by_role("button").click()
    expect(page.locator("#cart-badge")).to_have_attribute("data-count", "1")

    page.goto(reverse("checkout:page"))
    page.get_by_test_id("address-choice").filter(has_text="A new address").click()
    page.get_by_test_id("place-order").click()

    summary = page.get_by_test_id("checkout-errors")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")


def test_a_new_bid_is_announced_once_and_the_countdown_never(new_page):
    auction = live_auction(start_price="100")
    bidder = new_page()
    log_in(bidder, UserFactory().email)
    bidder.goto(f"/auctions/{auction.pk}/")
    page = new_page()
    page.goto(f"/auctions/{auction.pk}/")
    wait_for_socket(page)
    announcer = page.get_by_test_id("announcer")
    expect(announcer).to_have_attribute("aria-live", "polite")
    countdown_in_live_region = """() => Array.from(document.querySelectorAll("[data-countdown]"))
        .some((el) => el.closest("[aria-live]:not([aria-live=off]), [role=status], [role=log], [role=alert]"))"""
    assert page.evaluate(countdown_in_live_region) is False
    page.wait_for_timeout(2200)  # the countdown ticks: nothing is said
    expect(announcer).to_have_text("")

    bid_through_page(bidder, auction, "100")
    expect(page.get_by_test_id("auction-bid-count")).to_have_text("1 bid")
    expect(announcer).to_contain_text("1 bid")
    said = announcer.text_content()
    page.wait_for_timeout(2200)
    expect(announcer).to_have_text(said)  # still the bid, not the ticking time
