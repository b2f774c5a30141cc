"""Staff exports in a browser: finance staff ask for an export of orders in the admin, the
list's progress bar follows the background build (the live worker writes the file), the
download link appears by itself, and the file downloads with its header; at 1280 and 390 px,
with nothing blocked by the Content-Security-Policy.

With SOKO_SHOTS_DIR set, the pages are also saved there as PNG screenshots for review."""

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import generate_totp_secret
from django.contrib.auth.models import Group
from django.utils import timezone

from shop.moderation.models import Export
from shop.moderation.services.roles import FINANCE, roles_sync
from shop.orders.models import Checkout, Order
from tests.e2e.pages import shot, staff_log_in
from tests.factories import StoreFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.embedded, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
ORDERS = 6000

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  window.__sokoViolation(event.violatedDirective + " blocked " + (event.blockedURI || "inline"));
});
"""




def staff_page(new_page, viewport):
    secret = generate_totp_secret()
    email = f"finance-{viewport['width']}@example.test"
    roles_sync()
    user = UserFactory(email=email, is_staff=True, totp=secret)
    user.groups.add(Group.objects.get(name=FINANCE))
    page = new_page()
    page.set_viewport_size(viewport)
    violations: list[str] = []
    page.context.expose_function("__sokoViolation", lambda text: violations.append(text))
    page.context.add_init_script(REPORT_VIOLATIONS)
    staff_log_in(page, email, secret, "/admin/moderation/export/")
    return page, violations


@pytest.fixture
def orders(db):
    store, buyer = StoreFactory(), UserFactory()
    checkout = Checkout.objects.create(
        buyer=buyer,
        payment_method="cod",
        recipient="Amina Otieno",
        phone="+254 712 345 678",
        area_label="Kilimani, Nairobi",
        street="Argwings Kodhek Road",
        currency="KES",
    )
    Order.objects.bulk_create(
        Order(
            checkout=checkout,
            store=store,
            buyer=buyer,
            number=f"SK-E{n:06d}",
            items_total=Decimal("1500.00"),
            total=Decimal(f"{1500 + n}.50"),
            currency="KES",
        )
        for n in range(ORDERS)
    )


def test_finance_asks_for_orders_and_downloads_the_file_when_the_bar_is_full(new_page, orders):
    # Both sizes in one test: the live server caches content types across a test's flush.
    for viewport in (DESKTOP, PHONE):
        ask_and_download(new_page, viewport)


def ask_and_download(new_page, viewport):
    page, violations = staff_page(new_page, viewport)
    size = "phone" if viewport is PHONE else "desktop"

    page.goto("/admin/moderation/export/add/")
    kinds = page.locator("select[name=kind] option").evaluate_all("(options) => options.map((o) => o.value)")
    assert set(kinds) >= {"orders", "payouts", "ledger"} and "reports" not in kinds
    today = timezone.localdate().isoformat()
    page.select_option("select[name=kind]", "orders")
    page.fill("input[name=date_from]", today)
    page.fill("input[name=date_to]", today)
    shot(page, f"exports-add-{size}")
    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/moderation/export/")

    export = Export.objects.get(requested_by__email=f"finance-{viewport['width']}@example.test")
    assert page.locator(f'progress[data-export="{export.pk}"]').count() == 1
    shot(page, f"exports-list-building-{size}")
    # The page polls and reloads by itself once the worker has finished.
    link = page.locator("a.export-download")
    link.wait_for(timeout=60_000)
    export.refresh_from_db()
    assert (export.status, export.rows_done, export.rows_total) == ("done", ORDERS, ORDERS)
    assert page.locator(f'progress[data-export="{export.pk}"]').get_attribute("value") == str(ORDERS)
    shot(page, f"exports-list-ready-{size}")

    with page.expect_download() as download_info:
        link.click()
    path = download_info.value.path()
    rows = list(csv.DictReader(io.StringIO(Path(path).read_text(encoding="utf-8-sig"))))
    assert len(rows) == ORDERS and rows[0]["currency"] == "KES" and "buyer_email" not in rows[0]
    assert sorted(Decimal(row["total"]) for row in rows)[:2] == [Decimal("1500.50"), Decimal("1501.50")]
    assert violations == [], violations
    export.file.delete(save=False)
