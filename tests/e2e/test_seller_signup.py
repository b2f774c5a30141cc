"""A seller signs up through the real forms and lands in their store's dashboard."""

import pytest
from django.contrib.sessions.backends.db import SessionStore

from sellers.models import Store
from tests.e2e.pages import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def mailed_code(page):
    """The code the sign-up mailed, read from the browser's session."""
    [session_key] = [c["value"] for c in page.context.cookies() if c["name"] == "sessionid"]
    return SessionStore(session_key=session_key)["account_email_verification_code"]["code"]


def test_seller_signs_up_sets_up_store_and_sees_dashboard(new_page):
    page = new_page()
    page.goto("/accounts/signup/")
    page.fill("input[name=email]", "mama.mboga@example.test")
    page.fill("input[name=display_name]", "Mama Mboga")
    page.fill("input[name=password1]", "sukuma-wiki-2025!")
    page.fill("input[name=password2]", "sukuma-wiki-2025!")
    page.check("input[name=intent][value=sell]")
    page.locator("main form button[type=submit]").click()

    page.wait_for_url("**/accounts/confirm-email/")
    page.fill("input[name=code]", mailed_code(page))
    page.locator("main form button[type=submit]").first.click()

    page.wait_for_url("**/dashboard/setup/")
    page.fill("input[name=name]", "Mama Mboga Greens")
    page.fill("input[name=slug]", "mama-mboga-greens")
    page.fill("input[name=phone]", "+254 712 345 678")
    page.fill("input[name=area]", "Kawangware, Nairobi")
    page.locator("main form button[type=submit]").click()

    page.wait_for_url("**/dashboard/")
    expect(page.get_by_test_id("store-name")).to_have_text("Mama Mboga Greens")
    switch = page.get_by_test_id("mode-switch")
    expect(switch).to_be_visible()
    links = switch.locator("a[data-mode]")
    expect(links).to_have_count(2)
    assert [links.nth(i).get_attribute("data-mode") for i in range(2)] == ["shop", "store"]
    assert switch.locator("a").count() == 2
    expect(switch.locator("a[data-mode=store]")).to_have_attribute("aria-current", "page")

    store = Store.objects.get(slug="mama-mboga-greens")
    assert store.memberships.get().user.email == "mama.mboga@example.test"
