"""A page's messages are read without JavaScript: after a plain form's POST the answer's
message shows (as a toast the server renders shown), on a desktop and on a phone, inside
the screen, and at the page's end it keeps a place of its own instead of covering it.
With JavaScript the same toast still times out by itself."""

from urllib.parse import urlsplit

import pytest

from shop.orders.models import OrderStatus
from tests.e2e.conftest import open_context
from tests.e2e.pages import LIVE_MS, PASSWORD, console_errors, expect, shot
from tests.factories.orders import OrderFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

VIEWPORTS = [{"width": 1280, "height": 800}, {"width": 390, "height": 844}]


def log_in_without_js(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/")


def cancel_order(page, order) -> None:
    """The buyer cancels through the order page's plain form (its <details> opens without script)."""
    page.goto(f"/orders/{order.number}/")
    page.get_by_test_id("cancel-form").locator("xpath=ancestor::details").locator("summary").click()
    page.fill(f"#cancel-reason-{order.number}", "Ordered twice")
    page.get_by_role("button", name="Cancel the order").click()
    page.wait_for_url(lambda url: urlsplit(url).path == f"/orders/{order.number}/")


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["desktop", "phone"])
def test_without_javascript_the_message_after_a_form_post_is_visible(browser, soko_live, viewport):
    order = OrderFactory()
    context = open_context(browser, soko_live, java_script_enabled=False, viewport=viewport)
    page = context.new_page()
    log_in_without_js(page, order.buyer.email)

    cancel_order(page, order)

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    toast = page.locator("#toasts .toast", has_text="Your order is cancelled.")
    assert toast.is_visible()
    box = toast.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], box
    assert box["y"] + box["height"] <= viewport["height"], "held in view while the page scrolls"
    shot(page, f"message-no-js-{viewport['width']}")

    # At the end of the page the message has a place of its own: the footer is not under it.
    # (The page runs no script of its own, so nothing here waits on one: wait_for_function
    # polls from the page's frames, which a page without scripting never runs.)
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    assert page.evaluate("window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 1")
    footer_link = page.get_by_test_id("sell-on-soko")
    expect(footer_link).to_be_in_viewport()
    footer, shown = footer_link.bounding_box(), toast.bounding_box()
    assert footer["y"] + footer["height"] <= shown["y"], (footer, shown)
    context.close()


def test_with_javascript_a_pages_message_shows_then_times_out(browser, soko_live):
    order = OrderFactory()
    context = open_context(browser, soko_live, viewport=VIEWPORTS[1])
    page = context.new_page()
    errors = console_errors(page)
    log_in_without_js(page, order.buyer.email)  # the home page says so in a message

    toast = page.locator("#toasts .toast")
    expect(toast).to_have_count(1)
    expect(toast).to_be_visible()
    expect(toast).to_have_count(0, timeout=LIVE_MS)  # Bootstrap hid it after its delay, soko.js removed it
    assert errors == [], errors
    context.close()
