"""A shopper and a seller walk through every page of their day in a real browser, and the
browser's console stays clean: no error, no failed load, no htmx error event (among them
``htmx:oobErrorNoTarget`` when a live push reaches a page without its target), nothing the
Content-Security-Policy blocked (a ``securitypolicyviolation`` event). Every page
passes the accessibility gate (axe-core, WCAG 2.x A and AA: no serious or critical
violation), at desktop and phone width, in English and in Urdu (right to left).

Also: live rows. A new notification appears at the top of an open notification list, and
an order placed by a shopper appears at the top of the store's open order list.
"""

import json
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from sellers.models import StoreMember
from shop.catalog.models import Favorite
from shop.notifications.tasks import notify_task
from tests.e2e.axe import axe_violations
from tests.e2e.pages import KEEP_SOCKET, LIVE_MS, expect, log_in, offline_images, store_moves_order, wait_for_socket
from tests.factories import NotificationFactory, StoreFactory, UserFactory
from tests.factories.addresses import AddressFactory
from tests.factories.catalog import CategoryFactory, ProductFactory
from tests.factories.orders import OrderFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# Every htmx error event (htmx logs them too, but a test should not depend on that).
HTMX_ERRORS = [
    "htmx:error", "htmx:oobErrorNoTarget", "htmx:responseError", "htmx:sendError", "htmx:swapError",
    "htmx:targetError", "htmx:onLoadError", "htmx:historyCacheError", "htmx:historyCacheMissLoadError",
    "htmx:evalDisallowedError", "htmx:invalidPath", "htmx:badResponseUrl", "htmx:timeout", "htmx:wsError",
]  # fmt: skip
REPORT_HTMX_ERRORS = (
    json.dumps(HTMX_ERRORS)
    + """.forEach(function (name) {
  document.addEventListener(name, function () { window.__sokoReport(name + " on " + location.pathname); }, true);
});
document.addEventListener("securitypolicyviolation", function (event) {
  window.__sokoReport(event.violatedDirective + " blocked " + (event.blockedURI || "inline") + " on " + location.pathname);
});"""
)


# A refused form comes back with status 422 (shop/core/refusals.py, decision 0048), and
# htmx swaps it as it swaps a 200; Chromium logs every 4xx answer to a page's request as
# this line. It is the refusal answered as designed, not a fault; any other status is one.
REFUSAL_LOGGED = "Failed to load resource: the server responded with a status of 422"


class Console:
    """Everything that went wrong in a browser context's pages, with the page it happened on."""

    def __init__(self, context):
        self.problems: list[str] = []
        context.route("**/*", offline_images)
        context.expose_function("__sokoReport", lambda problem: self.problems.append(problem))
        context.add_init_script(REPORT_HTMX_ERRORS)

    def _request_failed(self, request):
        # A navigation cancels what the page was still loading (net::ERR_ABORTED): not a
        # fault, nor is the browser's own favicon fetch cut off by the next page. A missing
        # file is an HTTP error, which the console reports.
        if "ERR_ABORTED" not in (request.failure or "") and "favicon" not in request.url:
            self.problems.append(f"request failed: {request.url} ({request.failure})")

    def watch(self, page):
        def on_console(message):
            if message.type == "error" and not message.text.startswith(REFUSAL_LOGGED):
                self.problems.append(f"console: {message.text} on {urlsplit(page.url).path}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error} on {urlsplit(page.url).path}"))
        page.on("requestfailed", self._request_failed)
        return page


def browse(page, console: Console, paths: list[str]) -> tuple[list[str], list[str]]:
    """Open each page, let it settle (scripts, socket, live re-reads) and check it with axe;
    return the paths it ended on (a redirect would skip a page) next to the paths asked for."""
    seen, inaccessible = [], []
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.ok, f"{path} answered {response and response.status}"
        page.wait_for_load_state("load")
        page.wait_for_timeout(250)
        seen.append(urlsplit(page.url).path)
        inaccessible += axe_violations(page)
    paths = [urlsplit(path).path for path in paths]
    assert console.problems == [], "\n".join(console.problems)
    assert inaccessible == [], "\n".join(inaccessible)
    return seen, paths


def open_browser(new_page, viewport=None):
    page = new_page()
    if viewport:
        page.set_viewport_size(viewport)
    return Console(page.context), page


@pytest.fixture
def language():
    """The language the market's people read Soko in (the journeys take each in turn)."""
    return "en"


@pytest.fixture
def market(db, language):
    seller = UserFactory(email="njeri@example.test", language=language)
    store = StoreFactory(
        name="Kisii Weavers", slug="kisii-weavers", owner=seller, delivers_local=False, delivers_national=False
    )
    baskets = CategoryFactory(slug="home-baskets", name="Baskets")
    basket = ProductFactory(
        title="Kiondo basket", slug="kiondo-basket", store=store, category=baskets, brand="Kisii",
        variants=[{"name": "Red", "price": Decimal("1200"), "stock": 8}, {"name": "Blue", "price": Decimal("1300"), "stock": 4}],
    )  # fmt: skip
    buyer = UserFactory(email="amina@example.test", language=language)
    AddressFactory(user=buyer)
    Favorite.objects.create(user=buyer, product=basket)
    order = OrderFactory(buyer=buyer, store=store, items=[(basket.variants.first(), 1)])
    # The seller also works for a second store: the dashboard shows the store switcher.
    crafts = StoreFactory(name="Mama Njeri Crafts", slug="mama-njeri-crafts")
    StoreMember.objects.create(store=crafts, user=seller, role=StoreMember.Role.STAFF)
    ProductFactory(title="Sisal bag", store=crafts, category=baskets)
    OrderFactory(store=crafts)
    return {"seller": seller, "store": store, "basket": basket, "buyer": buyer, "order": order, "crafts": crafts}


def buyer_paths(market) -> list[str]:
    basket, order, store = market["basket"], market["order"], market["store"]
    return [
        "/",
        reverse("catalog:category", args=["home-baskets"]),
        reverse("catalog:search") + "?q=kiondo",
        reverse("catalog:product", args=[basket.slug]),
        reverse("cart:detail"),
        reverse("checkout:page"),
        reverse("orders:list"),
        reverse("orders:detail", args=[order.number]),
        reverse("notifications:list"),
        reverse("catalog:favorites"),
        reverse("accounts:addresses"),
        reverse("stores:list"),
        reverse("stores:detail", args=[store.slug]),
    ]


def seller_paths(market) -> list[str]:
    basket, order = market["basket"], market["order"]
    return [
        reverse("sellers:dashboard"),
        reverse("sellers:products"),
        reverse("sellers:product_create"),
        reverse("sellers:product_edit", args=[basket.pk]),
        reverse("sellers:orders"),
        reverse("sellers:order_detail", args=[order.number]),
        reverse("sellers:packing_slip", args=[order.number]),
        reverse("sellers:settings"),
        reverse("sellers:team"),
    ]


@pytest.mark.parametrize("language", ["en", "ur"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_shoppers_and_the_sellers_pages_log_no_errors_and_pass_axe(new_page, market, viewport, language):
    console, shopper = open_browser(new_page, viewport)
    console.watch(shopper)
    log_in(shopper, market["buyer"].email)
    expect(shopper.locator("html")).to_have_attribute("lang", language)
    shopper.goto(reverse("catalog:product", args=[market["basket"].slug]))
    shopper.get_by_test_id("add-to-cart").get_by_role("button").click()
    expect(shopper.locator("#cart-badge")).to_have_attribute("data-count", "1")

    seen, asked = browse(shopper, console, buyer_paths(market))
    assert seen == asked
    # Place the order: the checkout's confirmation page.
    shopper.goto(reverse("checkout:page"))
    shopper.locator("[data-testid=place-order]").click()
    shopper.wait_for_url(lambda url: urlsplit(url).path.endswith("/done/"), timeout=3 * LIVE_MS)
    expect(shopper.locator("main")).to_contain_text("Kisii Weavers")
    shopper.wait_for_timeout(250)
    assert console.problems == [], "\n".join(console.problems)

    seller_console, seller = open_browser(new_page, viewport)
    seller_console.watch(seller)
    log_in(seller, market["seller"].email)
    seen, asked = browse(seller, seller_console, seller_paths(market))
    assert seen == asked
    # Switch to the other store, and its pages.
    switcher = seller.get_by_test_id("store-switcher")
    switcher.locator("summary").click()
    switcher.get_by_role("button", name="Mama Njeri Crafts").click()
    expect(seller.get_by_test_id("current-store")).to_have_text("Mama Njeri Crafts")
    other_store = [
        reverse("sellers:dashboard"),
        reverse("sellers:products"),
        reverse("sellers:orders"),
        reverse("sellers:team"),
    ]
    seen, asked = browse(seller, seller_console, other_store)
    assert seen == asked
    expect(seller.get_by_test_id("current-store")).to_have_text("Mama Njeri Crafts")


def test_live_pushes_reach_pages_without_their_targets_quietly(new_page, market):
    """The store confirms an order while its shopper is on other pages: the order's
    timeline and actions are pushed to every page of the shopper; the order list takes the
    new status, the stores directory only the bell, and nothing errs."""
    order = market["order"]
    console, shopper = open_browser(new_page)
    console.watch(shopper)
    log_in(shopper, market["buyer"].email)
    shopper.goto(reverse("orders:list"))
    wait_for_socket(shopper)
    directory = shopper.context.new_page()
    console.watch(directory)
    directory.goto(reverse("stores:list"))
    directory.wait_for_function("() => window.__e2e.wsOpen > 0")

    seller_console, seller = open_browser(new_page)
    seller_console.watch(seller)
    log_in(seller, market["seller"].email)
    seller.goto(reverse("sellers:order_detail", args=[order.number]))
    store_moves_order(seller, order.number, "confirmed")

    expect(shopper.locator(f"#order-status-{order.number}")).to_have_text("Confirmed")
    expect(directory.locator("#bell-count")).to_have_attribute("data-count", "1")
    expect(seller.locator("button[data-action=preparing]")).to_be_visible()
    directory.wait_for_timeout(300)
    assert console.problems == [], "\n".join(console.problems)
    assert seller_console.problems == [], "\n".join(seller_console.problems)


def test_a_new_notification_appears_at_the_top_of_the_open_list(new_page, market):
    console, page = open_browser(new_page, PHONE)
    console.watch(page)
    log_in(page, market["buyer"].email)
    page.goto(reverse("notifications:list"))
    wait_for_socket(page)
    expect(page.locator("[data-testid=notification]")).to_have_count(0)
    expect(page.get_by_text("No notifications yet")).to_be_visible()

    notify_task(market["buyer"].pk, "order", "Kisii Weavers confirmed your order", "/orders/")
    expect(page.locator("[data-testid=notification]")).to_have_count(1)
    notify_task(market["buyer"].pk, "order", "Your order is on its way", "/orders/")

    rows = page.locator("[data-testid=notification]")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Your order is on its way")
    expect(rows.nth(1)).to_contain_text("Kisii Weavers confirmed your order")
    expect(page.get_by_text("No notifications yet")).to_be_hidden()
    rows.first.get_by_title("Mark as read").click()  # a live row works like the others
    expect(page.locator("[data-testid=notification].notification-unread")).to_have_count(1)
    assert console.problems == [], "\n".join(console.problems)


def test_the_store_sees_a_new_order_appear_in_its_open_order_list(new_page, market):
    console, seller = open_browser(new_page)
    console.watch(seller)
    log_in(seller, market["seller"].email)
    seller.goto(reverse("sellers:orders"))
    wait_for_socket(seller)
    rows = seller.locator("[data-testid=order-list] .order-row")
    expect(rows).to_have_count(1)

    shopper_console, shopper = open_browser(new_page, PHONE)
    shopper_console.watch(shopper)
    log_in(shopper, market["buyer"].email)
    shopper.goto(reverse("catalog:product", args=[market["basket"].slug]))
    shopper.get_by_role("button", name="Add to cart").click()
    expect(shopper.locator("#cart-badge")).to_have_attribute("data-count", "1")
    shopper.goto(reverse("checkout:page"))
    shopper.locator("[data-testid=place-order]").click()
    shopper.wait_for_url(lambda url: urlsplit(url).path != reverse("checkout:page"))

    new_order = market["buyer"].orders.order_by("-created_at", "-id").first()
    assert new_order.pk != market["order"].pk
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(new_order.number)
    expect(rows.first).to_contain_text("1× Kiondo basket")
    assert console.problems == [], "\n".join(console.problems)
    assert shopper_console.problems == [], "\n".join(shopper_console.problems)


def test_after_a_reconnect_open_lists_catch_up_on_what_they_missed(new_page, market):
    """Pushes are delivered at most once: rows that arrived while the socket was down show
    up when it reconnects, without a reload."""
    console, buyer = open_browser(new_page)
    console.watch(buyer)
    buyer.context.add_init_script(KEEP_SOCKET)
    log_in(buyer, market["buyer"].email)
    buyer.goto(reverse("notifications:list"))
    wait_for_socket(buyer)
    console_seller, seller = open_browser(new_page)
    console_seller.watch(seller)
    seller.context.add_init_script(KEEP_SOCKET)
    log_in(seller, market["seller"].email)
    seller.goto(reverse("sellers:orders"))
    wait_for_socket(seller)
    for page in (buyer, seller):
        page.evaluate("window.__marker = 'same-document'")

    # Written straight to the database: no push reaches the pages.
    NotificationFactory(user=market["buyer"], text="Your order is on its way")
    missed = OrderFactory(store=market["store"])
    buyer.wait_for_timeout(300)
    expect(buyer.locator("[data-testid=notification]")).to_have_count(0)
    expect(seller.locator("[data-testid=order-list] .order-row")).to_have_count(1)

    for page in (buyer, seller):
        page.evaluate("window.__socket.reconnect()")

    expect(buyer.locator("[data-testid=notification]")).to_have_count(1)
    expect(buyer.locator("[data-testid=notification]")).to_contain_text("Your order is on its way")
    expect(seller.locator("[data-testid=order-list] .order-row").first).to_contain_text(missed.number)
    for page in (buyer, seller):
        assert page.evaluate("window.__marker") == "same-document", "the page was reloaded"
    assert console.problems == [] and console_seller.problems == [], console.problems + console_seller.problems
