"""A complaint in a browser: the buyer files one from the order page with a picture, writes
in the thread (htmx swaps the thread in place), staff ask the store and then resolve it
from the admin's complaint page, and the buyer reads the outcome; at 1280 and 390 px, with
nothing blocked by the Content-Security-Policy.

With SOKO_SHOTS_DIR set, the pages are also saved there as PNG screenshots for review."""


import pytest
from allauth.mfa.totp.internal.auth import generate_totp_secret
from django.contrib.auth.models import Group

from shop.moderation.models import Complaint
from shop.moderation.services.roles import SUPPORT, roles_sync
from tests.e2e.pages import shot, staff_log_in
from tests.factories import UserFactory
from tests.media.pictures import picture_bytes
from tests.returns.conftest import delivered_order

from .pages import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  window.__sokoViolation(event.violatedDirective + " blocked " + (event.blockedURI || "inline"));
});
"""




def watched(new_page, viewport):
    page = new_page()
    page.set_viewport_size(viewport)
    violations: list[str] = []
    page.context.expose_function("__sokoViolation", lambda text: violations.append(text))
    page.context.add_init_script(REPORT_VIOLATIONS)
    return page, violations


def test_a_complaint_from_the_order_page_to_the_outcome(new_page, tmp_path):
    roles_sync()
    picture = tmp_path / "sleeve.jpg"
    picture.write_bytes(picture_bytes())
    for viewport in (DESKTOP, PHONE):
        size = "phone" if viewport is PHONE else "desktop"
        order = delivered_order(method="cod")
        page, violations = watched(new_page, viewport)
        log_in(page, order.buyer.email)
        page.goto(f"/orders/{order.number}/")
        page.get_by_test_id("file-complaint").click()
        page.get_by_label("Item not as described").check()
        page.fill("textarea[name=text]", "The sleeve is torn and the colour is not the one in the pictures.")
        page.set_input_files("input[name=photos]", str(picture))
        page.get_by_test_id("complaint-submit").click()
        page.get_by_test_id("complaint-thread").wait_for()
        complaint = Complaint.objects.get(order=order)
        assert page.get_by_test_id("complaint-photos").count() == 1

        page.fill("textarea[name=text]", "I can send it back if needed.")
        page.get_by_test_id("complaint-send").click()
        page.get_by_text("I can send it back if needed.").wait_for()
        assert page.get_by_test_id("complaint-message").count() == 2

        # Staff ask the store, then resolve, from the admin.
        secret = generate_totp_secret()
        staff = UserFactory(email=f"support-{viewport['width']}@example.test", is_staff=True, totp=secret)
        staff.groups.add(Group.objects.get(name=SUPPORT))
        admin, admin_violations = watched(new_page, viewport)
        staff_log_in(admin, staff.email, secret, f"/admin/moderation/complaint/{complaint.pk}/change/")
        form = admin.get_by_test_id("staff-reply-form")
        form.locator("textarea[name=text]").fill("Store: please send a photo of the dress before it left.")
        form.locator("select[name=ask]").select_option("store")
        form.locator("input[type=submit]").click()
        admin.get_by_test_id("staff-resolve-form").wait_for()
        shot(admin, f"complaint-admin-{size}")
        complaint.refresh_from_db()
        assert complaint.status == "awaiting_reply"

        first = order.items.order_by("id").first()
        resolve = admin.get_by_test_id("staff-resolve-form")
        resolve.get_by_label("Refund", exact=True).check()
        resolve.locator("textarea[name=note]").fill("The store refunds the dress in cash.")
        resolve.locator(f"input[name=qty-{first.pk}]").fill("1")
        resolve.locator("input[type=submit]").click()
        admin.get_by_test_id("staff-close-form").wait_for()
        complaint.refresh_from_db()
        assert complaint.status == "resolved" and complaint.refund is not None

        page.goto(f"/complaints/{complaint.number}/")
        page.get_by_test_id("complaint-outcome").wait_for()
        assert "The store refunds the dress in cash." in page.get_by_test_id("complaint-outcome").inner_text()
        shot(page, f"complaint-thread-{size}")
        assert violations == [] and admin_violations == [], (violations, admin_violations)
