"""A delivery on phones, in real browsers against the live server.

The store publishes a ready cash order; the courier's board (390 px) shows the job without
a reload; the courier accepts it, types the pickup code, then the buyer's 8 digits, and
confirms the cash; the buyer's order page (another browser) follows live, shows the cash
prompt, confirms, and reads "Delivered". A second story feeds Chromium's fake camera a
video of the package label's QR code: the scanner reads it and the pickup is accepted."""

from decimal import Decimal
from pathlib import Path

import pytest
import segno
from django.core import signing

from couriers.models import DeliveryJob
from shop.orders.models import Checkout, Order, OrderStatus
from shop.orders.selectors.handover import handover_code_reveal
from shop.orders.selectors.orders import PACKAGE_TOKEN_SALT
from shop.orders.services.orders import package_short_code
from tests.e2e.conftest import CHROMIUM_ARGS, open_context
from tests.e2e.pages import KEEP_SOCKET, LIVE_MS, expect, log_in, wait_for_socket
from tests.factories.addresses import westlands
from tests.factories.couriers import courier_serving
from tests.factories.orders import OrderFactory, member_of
from tests.geo.factories import AreaFactory

pytestmark = [pytest.mark.e2e, pytest.mark.embedded, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
CAMERA_ORDER = "SK-CAMQ-R001"


def ready_cash_order(number: str | None = None) -> Order:
    district = westlands().parent
    area = AreaFactory(name="Parklands", parent=district, latitude=Decimal("-1.2630"), longitude=Decimal("36.8155"))
    extra = {"number": number} if number else {}
    order = OrderFactory(status=OrderStatus.READY, **extra)
    store = order.store
    store.area, store.latitude, store.longitude = area, Decimal("-1.2630"), Decimal("36.8155")
    store.save(update_fields=["area", "latitude", "longitude"])
    Checkout.objects.filter(pk=order.checkout_id).update(area=westlands(), latitude=Decimal("-1.2676"), longitude=Decimal("36.8108"))
    return Order.objects.get(pk=order.pk)


def settled(page) -> None:
    """The job page re-read its live part when its socket opened: typing may begin (the
    re-read replaces the forms)."""
    wait_for_socket(page)
    page.wait_for_function("() => window.__liveReads >= 1")


def test_a_cash_delivery_from_the_board_to_the_door(new_page):
    order = ready_cash_order()
    courier = courier_serving(westlands().parent)
    store, phone, buyer = new_page(), new_page(), new_page()
    phone.set_viewport_size(PHONE)
    buyer.set_viewport_size(PHONE)
    log_in(store, member_of(order).email)
    phone.context.add_init_script(KEEP_SOCKET)
    log_in(phone, courier.email)
    log_in(buyer, order.buyer.email)

    phone.goto("/courier/")
    wait_for_socket(phone)
    expect(phone.get_by_test_id("jobs-empty")).to_be_visible()
    phone.evaluate("window.__marker = 'same-document'")

    store.goto(f"/dashboard/orders/{order.number}/")
    store.get_by_test_id("publish-job").click()
    expect(store.get_by_test_id("seller-job")).to_be_visible()
    job = DeliveryJob.objects.get(order=order)

    card = phone.locator(f"#job-{job.pk}")
    expect(card).to_be_visible(timeout=LIVE_MS)
    expect(card.get_by_test_id("job-commission")).to_have_text(f"KES {job.commission:,.2f}".replace(".00", ""))
    assert phone.evaluate("window.__marker") == "same-document", "the board was reloaded"
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    buyer.goto(f"/orders/{order.number}/")
    wait_for_socket(buyer)

    card.get_by_test_id("accept-job").click()
    phone.wait_for_url(f"**/courier/jobs/{job.pk}/")
    settled(phone)
    expect(phone.get_by_test_id("job-status")).to_have_text("Accepted")

    phone.fill("#pickup-code", package_short_code(order=order))
    phone.get_by_test_id("pickup-form").locator("button").click()
    expect(phone.get_by_test_id("job-status")).to_have_text("Picked up")
    settled(phone)
    expect(buyer.get_by_test_id("order-status")).to_have_text("Out for delivery", timeout=LIVE_MS)

    digits = handover_code_reveal(handover=Order.objects.get(pk=order.pk).handover_code)[1]
    phone.fill("#handover-code", digits)
    phone.get_by_test_id("handover-form").locator("button").click()
    expect(phone.get_by_test_id("job-status")).to_have_text("At the door")
    settled(phone)
    expect(buyer.get_by_test_id("cash-prompt")).to_be_visible(timeout=LIVE_MS)

    phone.get_by_test_id("cash-form").locator("button").click()
    expect(phone.get_by_test_id("cash-waiting")).to_be_visible()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.OUT_FOR_DELIVERY

    buyer.get_by_test_id("cash-confirm").click()
    expect(buyer.get_by_test_id("order-status")).to_have_text("Delivered")
    expect(buyer.get_by_test_id("rate-courier")).to_be_visible()
    expect(phone.get_by_test_id("job-delivered")).to_be_visible(timeout=LIVE_MS)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.DELIVERED


def qr_video(text: str, path: Path, *, width: int = 640, height: int = 480, frames: int = 30) -> Path:
    """A Y4M video (what Chromium's fake camera plays) showing ``text`` as a QR code."""
    matrix = [list(row) for row in segno.make(text, error="m").matrix_iter(scale=1, border=4)]
    scale = min(width, height) * 9 // 10 // len(matrix)
    size = scale * len(matrix)
    top, left = (height - size) // 2, (width - size) // 2
    luma = bytearray([255]) * (width * height)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                for dy in range(scale):
                    start = (top + y * scale + dy) * width + left + x * scale
                    luma[start : start + scale] = bytes(scale)
    chroma = bytes([128]) * (width // 2 * height // 2)
    frame = b"FRAME\n" + bytes(luma) + chroma + chroma
    path.write_bytes(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode() + frame * frames)
    return path


@pytest.fixture(scope="module")
def camera_browser(browser, chromium_path, tmp_path_factory):
    """A second Chromium, from the same Playwright, whose camera films the package label
    of order CAMERA_ORDER."""
    token = signing.Signer(salt=PACKAGE_TOKEN_SALT).sign(CAMERA_ORDER)
    video = qr_video(token, tmp_path_factory.mktemp("camera") / "label.y4m")
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    chromium = browser.browser_type.launch(executable_path=chromium_path, args=args, headless=True)
    yield chromium
    chromium.close()


def test_the_camera_reads_the_package_label(camera_browser, soko_live):
    from couriers.services import job_accept, job_create

    order = ready_cash_order(CAMERA_ORDER)
    courier = courier_serving(westlands().parent)
    job = job_create(order=order, actor=member_of(order))
    job_accept(job_id=job.pk, courier=courier)

    context = open_context(camera_browser, soko_live, viewport=PHONE, permissions=["camera"])
    try:
        phone = context.new_page()
        log_in(phone, courier.email)
        phone.goto("/courier/scan/")
        phone.locator("[data-scanner-start]").click()
        phone.wait_for_url(f"**/courier/jobs/{job.pk}/", timeout=15_000)
        expect(phone.get_by_test_id("job-status")).to_have_text("Picked up")
        assert Order.objects.get(pk=order.pk).status == OrderStatus.OUT_FOR_DELIVERY
    finally:
        context.close()
