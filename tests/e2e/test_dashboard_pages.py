"""The seller's dashboard in a real browser: on a 390 px phone every tab (rows of four) is on screen,
the store switcher works by touch, and the set-up form helps as the seller types."""

import re

import pytest

from sellers.models import StoreMember
from tests.e2e.pages import console_errors, expect, log_in
from tests.factories import StoreFactory, UserFactory
from tests.factories.catalog import ProductFactory
from tests.factories.orders import OrderFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_on_a_phone_every_dashboard_tab_is_on_screen_and_the_switcher_changes_store(new_page):
    amina = UserFactory(email="amina@example.test")
    crafts = StoreFactory(name="Mama Njeri Crafts", owner=amina)
    phones = StoreFactory(name="Kaloum Électronique")
    StoreMember.objects.create(store=phones, user=amina, role=StoreMember.Role.STAFF)
    ProductFactory(store=phones, title="Solar radio")
    ProductFactory(store=crafts, title="Sisal basket")
    page = new_page()
    errors = console_errors(page)
    page.set_viewport_size(PHONE)
    log_in(page, amina.email)

    page.goto("/dashboard/products/")
    tabs = page.get_by_test_id("dashboard-tabs").locator("a")
    expect(tabs).to_have_count(12)
    for index in range(12):
        box = tabs.nth(index).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], tabs.nth(index).inner_text()
    cut_short = page.get_by_test_id("dashboard-tabs").evaluate(
        "nav => [...nav.querySelectorAll('span')].filter(s => s.scrollWidth > s.clientWidth).map(s => s.textContent)"
    )
    assert cut_short == []  # every label whole
    expect(page.get_by_test_id("dashboard-tabs").get_by_role("link", name="Settings")).to_be_in_viewport()
    expect(page.get_by_test_id("current-store")).to_have_text("Mama Njeri Crafts")
    expect(page.get_by_role("link", name="Sisal basket", exact=True)).to_be_visible()

    switcher = page.get_by_test_id("store-switcher")
    switcher.locator("summary").click()
    expect(page.get_by_role("button", name="Kaloum Électronique")).to_be_visible()
    page.keyboard.press("Escape")  # closes like a menu
    expect(page.get_by_role("button", name="Kaloum Électronique")).to_be_hidden()
    switcher.locator("summary").click()
    page.get_by_role("button", name="Kaloum Électronique").click()

    page.wait_for_url("**/dashboard/products/")
    expect(page.get_by_test_id("current-store")).to_have_text("Kaloum Électronique")
    expect(page.get_by_role("link", name="Solar radio", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Sisal basket", exact=True)).to_have_count(0)
    assert errors == []


def test_store_setup_fills_the_web_address_and_clears_a_fixed_error(new_page):
    seller = UserFactory(email="mama.mboga@example.test")
    page = new_page()
    errors = console_errors(page)
    log_in(page, seller.email)
    page.goto("/dashboard/setup/")

    page.locator("input[name=name]").press_sequentially("Mama Mboga Greens")
    expect(page.locator("input[name=slug]")).to_have_value("mama-mboga-greens")
    expect(page.get_by_test_id("web-address-preview")).to_contain_text("/s/mama-mboga-greens/")

    page.locator("main form button[type=submit]").click()  # no phone, no area yet
    page.wait_for_load_state()
    phone = page.locator("input[name=phone]")
    expect(phone).to_have_class(re.compile(r"\bis-invalid\b"))
    phone_error = page.locator("#div_id_phone .invalid-feedback")
    expect(phone_error).to_be_visible()

    phone.fill("+254 712 345 678")
    expect(phone_error).to_be_hidden()
    expect(phone).not_to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#div_id_area .invalid-feedback")).to_be_visible()  # still empty, still said
    page.locator("input[name=area]").fill("Kawangware, Nairobi")
    page.locator("main form button[type=submit]").click()

    page.wait_for_url("**/dashboard/")
    expect(page.get_by_test_id("store-web-address")).to_contain_text("/s/mama-mboga-greens/")
    assert errors == []


def test_on_a_phone_the_status_tabs_fade_at_the_edge_they_continue_past(new_page):
    store = StoreFactory(name="Mama Njeri Crafts")
    for status in ("pending", "confirmed", "preparing", "ready", "out_for_delivery", "delivered", "completed", "cancelled"):
        OrderFactory(store=store, items=0, status=status)
    page = new_page()
    errors = console_errors(page)
    page.set_viewport_size(PHONE)
    log_in(page, store.memberships.get().user.email)

    page.goto("/dashboard/orders/")
    strip = page.locator(".status-tabs")
    expect(strip).to_have_class(re.compile(r"\bscrolls-on\b"))
    expect(strip).not_to_have_class(re.compile(r"\bscrolls-back\b"))

    strip.evaluate("el => el.scrollTo({left: el.scrollWidth})")
    expect(strip).to_have_class(re.compile(r"\bscrolls-back\b"))
    expect(strip).not_to_have_class(re.compile(r"\bscrolls-on\b"))

    page.set_viewport_size({"width": 1280, "height": 900})
    expect(strip).not_to_have_class(re.compile(r"\bscrolls-(on|back)\b"))
    assert errors == []


def test_a_search_typed_before_the_scripts_ran_is_sent_once_they_start(new_page):
    """On a slow phone the search box is on screen before htmx: words typed then are searched
    for once htmx starts, so the list is that of the box."""
    store = StoreFactory(name="Mama Njeri Crafts")
    wanted, other = OrderFactory(store=store, items=0), OrderFactory(store=store, items=0)
    page = new_page()
    log_in(page, store.memberships.get().user.email)

    held = []
    page.context.route("**/django_htmx/htmx-*.js", lambda route: held.append(route))
    page.goto("/dashboard/orders/", wait_until="commit")
    page.get_by_label("Search orders by number, buyer name, email or phone").fill(wanted.number)
    assert held and page.evaluate("window.htmx === undefined"), "the words were typed after htmx started"
    expect(page.locator("#order-results")).to_contain_text(other.number)

    held.pop().continue_()
    page.context.unroute("**/django_htmx/htmx-*.js")
    expect(page.locator("#order-results")).not_to_contain_text(other.number)
    expect(page.locator("#order-results")).to_contain_text(wanted.number)
