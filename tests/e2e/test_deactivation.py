"""Staff deactivate an account from the admin while its owner has an auction page open:
the page's socket closes within seconds, the browser is signed out, and signing in again
leads only to the notice with its appeal form.

The deactivation goes through the live server (the admin's form calls the service there):
in embedded mode the channel layer lives in that process, so a push sent from this one
would not reach the page."""

import time
from urllib.parse import urlsplit

import pytest
from allauth.mfa.totp.internal.auth import generate_totp_secret

from shop.moderation.models import Appeal
from tests.e2e.pages import LIVE_MS, expect, log_in, staff_log_in, wait_for_socket
from tests.e2e.test_auctions import DESKTOP, PHONE, shot
from tests.e2e.test_console_journeys import Console
from tests.factories import PASSWORD, StoreFactory, UserFactory
from tests.factories.auctions import live_auction
from tests.factories.catalog import ProductFactory

pytestmark = [pytest.mark.e2e, pytest.mark.embedded, pytest.mark.django_db(transaction=True)]

CLOSE_ACCOUNT_CLOSED = 4403
BUDGET_SECONDS = LIVE_MS / 1000

# Records each close of the page's socket with its code and time.
WATCH_CLOSES = """
window.__closes = [];
document.addEventListener("htmx:wsClose", function (e) {
  window.__closes.push({code: e.detail.event.code, at: Date.now()});
});
"""


def staff_signed_in(new_page, viewport):
    secret = generate_totp_secret()
    email = f"moderator{viewport['width']}@example.test"
    UserFactory(email=email, is_staff=True, is_superuser=True, totp=secret)
    page = new_page()
    page.set_viewport_size(viewport)
    console = Console(page.context)
    console.watch(page)
    staff_log_in(page, email, secret)
    return console, page


def test_a_deactivated_users_socket_closes_at_once_and_they_reach_only_the_notice(new_page):
    # Both sizes in one test: the live server keeps the database's content types cached,
    # which a flush between tests would renumber.
    for viewport in (DESKTOP, PHONE):
        deactivated_while_watching(new_page, viewport)


def deactivated_while_watching(new_page, viewport):
    seller = UserFactory(email=f"seller-{viewport['width']}@example.test")
    store = StoreFactory(owner=seller)
    listing = ProductFactory(store=store, title="Handwoven kiondo")
    auction = live_auction(start_price="100")
    page = new_page()
    page.set_viewport_size(viewport)
    console = Console(page.context)
    console.watch(page)
    page.context.add_init_script(WATCH_CLOSES)
    log_in(page, seller.email)
    page.goto(f"/auctions/{auction.pk}/")
    wait_for_socket(page)
    assert page.evaluate("window.__closes.length") == 0

    staff_console, staff = staff_signed_in(new_page, viewport)
    staff.goto(f"/admin/accounts/user/{seller.pk}/change/")
    expect(staff.get_by_test_id("account-standing")).to_contain_text("In good standing")
    shot(staff, f"deactivation-admin-before-{viewport['width']}")
    staff.get_by_test_id("account-deactivate").click()
    staff.get_by_label("Reason").fill("Counterfeit goods reported by buyers")
    shot(staff, f"deactivation-admin-form-{viewport['width']}")
    acted_at = time.time()
    staff.get_by_role("button", name="Deactivate").click()
    staff.wait_for_url(f"**/admin/accounts/user/{seller.pk}/change/")

    page.wait_for_function("() => window.__closes.length > 0", timeout=BUDGET_SECONDS * 1000)
    close = page.evaluate("window.__closes[0]")
    expect(staff.get_by_test_id("account-actions")).to_contain_text("Counterfeit goods reported by buyers")
    expect(staff.get_by_test_id("moderation-log")).to_contain_text("Deactivated")
    shot(staff, f"deactivation-admin-after-{viewport['width']}")
    assert staff_console.problems == [], "\n".join(staff_console.problems)
    assert close["code"] == CLOSE_ACCOUNT_CLOSED
    assert close["at"] / 1000 - acted_at < BUDGET_SECONDS

    # The next page: signed out (the session ended with the deactivation).
    page.goto("/orders/")
    assert urlsplit(page.url).path == "/accounts/login/"
    # Signing in again works, and leads only to the notice.
    page.fill("input[name=login]", seller.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/account/standing/")
    notice = page.get_by_test_id("standing-notice")
    expect(notice).to_contain_text("Counterfeit goods reported by buyers")
    expect(notice).to_have_attribute("data-standing", "deactivated")
    page.goto(f"/auctions/{auction.pk}/")
    assert urlsplit(page.url).path == "/account/standing/"
    assert page.locator("#live-socket").count() == 0  # no socket to be refused
    listing.refresh_from_db()
    assert listing.status == "hidden"
    shot(page, f"deactivation-notice-{viewport['width']}")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

    page.get_by_label("Your appeal").fill("The goods are genuine: I have the supplier's invoices.")
    page.get_by_role("button", name="Send the appeal").click()
    expect(page.get_by_test_id("appeal-open")).to_contain_text("supplier's invoices")
    assert Appeal.objects.filter(user=seller, status=Appeal.Status.OPEN).count() == 1
    shot(page, f"deactivation-appealed-{viewport['width']}")
    assert console.problems == [], "\n".join(console.problems)
