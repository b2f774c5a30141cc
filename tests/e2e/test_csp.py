"""The Content-Security-Policy blocks nothing the pages need: a courier and staff (the
admin, after its authenticator code) walk their main pages in a real browser and no
``securitypolicyviolation`` event fires. The shopper's and the seller's pages are walked
with the same check by tests/e2e/test_console_journeys.py, at both widths, in English and
in Urdu."""

import pytest
from allauth.mfa.totp.internal.auth import generate_totp_secret
from django.urls import reverse

from tests.e2e.pages import (
    expect,
    log_in,
    offline_images,
    open_order_page,
    staff_log_in,
    store_moves_order,
    wait_for_socket,
)
from tests.e2e.test_console_journeys import PHONE, language, market  # noqa: F401
from tests.factories import CourierProfileFactory, UserFactory
from tests.factories.orders import OrderFactory, member_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  window.__sokoViolation(event.violatedDirective + " blocked " + (event.blockedURI || "inline") + " on " + location.pathname);
});
"""


def watched(new_page, viewport=None):
    page = new_page()
    if viewport:
        page.set_viewport_size(viewport)
    violations: list[str] = []
    page.context.route("**/*", offline_images)
    page.context.expose_function("__sokoViolation", lambda text: violations.append(text))
    page.context.add_init_script(REPORT_VIOLATIONS)
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))
    return page, violations


def walk(page, paths: list[str], violations: list[str]) -> None:
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.ok, f"{path} answered {response and response.status}"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        page.wait_for_load_state("load")
        page.wait_for_timeout(200)
    assert violations == [], "\n".join(violations)


def test_courier_pages_break_no_rule_of_the_policy(new_page, market):  # noqa: F811
    courier = CourierProfileFactory(status="approved", user=UserFactory(email="courier@example.test")).user
    page, violations = watched(new_page)
    log_in(page, courier.email)
    walk(page, [reverse("couriers:home"), reverse("orders:list"), "/"], violations)


def test_the_admin_breaks_no_rule_of_the_policy(new_page, market):  # noqa: F811
    secret = generate_totp_secret()
    UserFactory(email="staff@example.test", is_staff=True, is_superuser=True, totp=secret)
    page, violations = watched(new_page)
    staff_log_in(page, "staff@example.test", secret)
    basket = market["basket"]
    walk(
        page,
        [
            "/admin/",
            "/admin/catalog/product/",
            f"/admin/catalog/product/{basket.pk}/change/",
            "/admin/catalog/category/",
            "/admin/sellers/store/",
            f"/admin/sellers/store/{market['store'].pk}/change/",
            "/admin/orders/order/",
        ],
        violations,
    )


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_the_buyers_order_page_stays_clean_through_live_updates(new_page, viewport):
    """The store moves an order three steps while the buyer's page is open: every push is
    swapped in with no policy violation and the console shows no warning or error (an
    inline style in a pushed fragment, a Permissions-Policy feature Chromium does not know)."""
    order = OrderFactory(items=2)
    shopper, violations = watched(new_page, viewport)
    console: list[str] = []
    shopper.on("console", lambda message: message.type in ("warning", "error") and console.append(f"{message.type}: {message.text}"))
    store = new_page()
    log_in(shopper, order.buyer.email)
    log_in(store, member_of(order).email)
    open_order_page(shopper, f"/orders/{order.number}/")
    store.goto(f"/dashboard/orders/{order.number}/")
    wait_for_socket(store)

    for status in ("confirmed", "preparing", "ready"):
        store_moves_order(store, order.number, status)
        expect(shopper.locator(f"#order-timeline-{order.number}")).to_have_attribute("data-status", status)
    shopper.wait_for_timeout(300)

    assert violations == [], "\n".join(violations)
    assert console == [], "\n".join(console)
