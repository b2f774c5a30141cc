"""Staff in a real browser, on a desktop and on a phone: the dashboard on the admin's landing
page draws its charts (Chart.js, served locally) without breaking the Content-Security-
Policy, and the staff queue approves a ticked product, logged on the product's page.

With SOKO_SHOTS_DIR set, the pages are also saved there as PNG screenshots for review."""

from datetime import timedelta
from decimal import Decimal

import pytest
from allauth.mfa.totp.internal.auth import generate_totp_secret
from django.utils import timezone

from shop.catalog.models import Product
from shop.moderation.models import LogEntry, Report
from shop.orders.models import Order
from tests.e2e.pages import assert_charts_fit, shot, staff_log_in
from tests.factories import UserFactory
from tests.factories.catalog import ProductFactory
from tests.factories.orders import OrderFactory
from tests.moderation.waiting import backdate, case_on, one_of_each

from .test_csp import watched

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}




def staff_signed_in(new_page, viewport):
    secret = generate_totp_secret()
    email = f"staff{viewport['width']}@example.test"
    UserFactory(email=email, is_staff=True, is_superuser=True, totp=secret)
    page, violations = watched(new_page, viewport)
    staff_log_in(page, email, secret)
    return page, violations


def a_fortnight():
    now = timezone.now()
    for days_ago, count in [(0, 4), (1, 6), (2, 3), (4, 8), (6, 2), (9, 5), (12, 1)]:
        for n in range(count):
            made = OrderFactory(items=0, handover=False, currency="USD" if n % 3 == 0 else "KES")
            Order.objects.filter(pk=made.pk).update(
                total=Decimal("1250.00") if made.currency == "KES" else Decimal("18.50")
            )
            backdate(made, now - timedelta(days=days_ago, minutes=n))
    case = case_on(ProductFactory(), reporters=3)
    for days_ago in (0, 1, 1, 3, 7, 7, 7, 11):
        report = Report.objects.create(case=case, reporter=UserFactory(), reason=Report.Reason.SPAM)
        backdate(report, now - timedelta(days=days_ago))


def test_the_dashboard_draws_and_the_queue_approves(new_page):
    # One test for both sizes: the live server keeps its content-type cache across the
    # flush between tests, and the log's entries name content types.
    a_fortnight()
    waiting = one_of_each()
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    placed_today = Order.objects.filter(created_at__gte=today).exclude(status__in=["cancelled", "refunded"]).count()
    pages = {}
    for viewport in (DESKTOP, PHONE):
        page, violations = staff_signed_in(new_page, viewport)
        pages[viewport["width"]] = page, violations
        page.wait_for_function("document.querySelectorAll('canvas[data-series]').length === 2")
        drawn = page.evaluate(
            "Array.from(document.querySelectorAll('canvas[data-series]')).map(c => !!(window.Chart && Chart.getChart(c)))"
        )
        assert drawn == [True, True]
        assert page.locator('[data-figure="orders-today"] .figure-value').inner_text() == str(placed_today) != "0"
        shot(page, f"dashboard-{viewport['width']}")
        assert_charts_fit(page, viewport["width"])

        page.locator('[data-figure="queue"] .figure-value').click()
        page.wait_for_url("**/admin/moderation/queue/")
        assert page.locator("tr.queue-row").count() == 11  # one of each kind, and the fortnight's case
        shot(page, f"queue-{viewport['width']}")

    page, violations = pages[PHONE["width"]]
    product = waiting["product"]
    page.locator(f'input[name="rows"][value="product:{product.pk}"]').check()
    page.select_option("#id_action", "approve")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply").click()
    assert "1 item done." in page.locator(".messagelist").inner_text()
    assert page.locator("tr.queue-row").count() == 10
    product.refresh_from_db()
    assert product.status == Product.Status.ACTIVE
    assert LogEntry.objects.filter(action=LogEntry.Action.PRODUCT_APPROVED, target_id=product.pk).count() == 1

    for width, (page, violations) in pages.items():
        page.goto(f"/admin/catalog/product/{product.pk}/change/")
        assert "Product approved" in page.locator('[data-testid="moderation-log"]').inner_text()
        page.locator('[data-testid="moderation-log"]').scroll_into_view_if_needed()
        shot(page, f"product-log-{width}")
        assert violations == [], "\n".join(violations)
