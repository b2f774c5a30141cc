"""The Content-Security-Policy blocks nothing the pages need: a shopper, a seller, a
courier and staff (the admin, after its authenticator code) walk their main pages in a
real browser and no ``securitypolicyviolation`` event fires."""

import pytest
from allauth.mfa.totp.internal.auth import generate_totp_secret
from django.urls import reverse

from tests.e2e.pages import log_in, offline_images, staff_log_in
from tests.e2e.test_console_journeys import PHONE, buyer_paths, market, seller_paths  # noqa: F401
from tests.factories import CourierProfileFactory, UserFactory

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


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_buyer_and_seller_pages_break_no_rule_of_the_policy(new_page, market, viewport):  # noqa: F811
    shopper, violations = watched(new_page, viewport)
    log_in(shopper, market["buyer"].email)
    walk(shopper, buyer_paths(market), violations)

    seller, violations = watched(new_page, viewport)
    log_in(seller, market["seller"].email)
    walk(seller, seller_paths(market), violations)


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
