"""States that end elsewhere, seen in real browsers: a courier's open board swaps a job
another courier took for the reason, and a courier who accepts a job already taken is told
at once; the buyer waiting on an M-Pesa request has a way out."""

from datetime import timedelta

import pytest
from django.utils import timezone

from couriers.services import job_accept, job_create
from shop.orders.models import Checkout, OrderStatus
from shop.payments.models import PaymentStatus
from shop.payments.services import attempt_create
from tests.e2e.pages import LIVE_MS, console_errors, expect, log_in, offline_images, shot, wait_for_socket
from tests.e2e.test_couriers import PHONE, ready_cash_order
from tests.factories.addresses import westlands
from tests.factories.couriers import courier_serving
from tests.factories.orders import CheckoutFactory, OrderFactory, member_of

pytestmark = [pytest.mark.e2e, pytest.mark.embedded, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1280, "height": 900}


def test_a_taken_job_leaves_the_other_boards_and_the_late_courier_is_told(new_page):
    first = ready_cash_order()
    second = OrderFactory(status=OrderStatus.READY, store=first.store)
    Checkout.objects.filter(pk=second.checkout_id).update(
        area=first.checkout.area, latitude=first.checkout.latitude, longitude=first.checkout.longitude
    )
    jobs = [job_create(order=order, actor=member_of(order)) for order in (first, second)]
    winner, loser = courier_serving(westlands().parent), courier_serving(westlands().parent)
    board, job_page = new_page(), new_page()
    board_errors, job_errors = console_errors(board), console_errors(job_page)
    board.set_viewport_size(PHONE)
    job_page.set_viewport_size(WIDE)
    job_page.context.route("**/*", offline_images)  # the map's tiles: this machine is offline
    log_in(board, loser.email)
    log_in(job_page, loser.email)
    board.goto("/courier/")
    wait_for_socket(board)
    expect(board.locator(f"#job-{jobs[0].pk} [data-testid=accept-job]")).to_be_visible()
    job_page.goto(f"/courier/jobs/{jobs[1].pk}/")

    # The push leaves the server: the winner accepts in their own browser.
    rival = new_page()
    log_in(rival, winner.email)
    rival.goto(f"/courier/jobs/{jobs[0].pk}/")
    rival.get_by_test_id("accept-job").click()
    rival.wait_for_url(f"**/courier/jobs/{jobs[0].pk}/")
    gone = board.locator(f"#job-{jobs[0].pk}")
    expect(gone).to_contain_text("Another courier took this job.", timeout=LIVE_MS)
    expect(gone.get_by_test_id("accept-job")).to_have_count(0)
    shot(board, "live-board-taken-390")

    job_accept(job_id=jobs[1].pk, courier=winner)  # meanwhile, while the loser's job page is open
    job_page.get_by_test_id("accept-job").click()
    live = job_page.locator(f"#job-live-{jobs[1].pk}")
    expect(live).to_contain_text("another courier already took this job")
    expect(live.get_by_role("link", name="Back to the job board")).to_be_visible()
    shot(job_page, "live-job-taken-1280")
    assert board_errors == [] and job_errors == []


def test_the_m_pesa_waiting_screen_offers_another_way_to_pay(new_page):
    checkout = CheckoutFactory(
        payment_method="mpesa",
        payment_status=PaymentStatus.AWAITING,
        payment_due_by=timezone.now() + timedelta(minutes=30),
    )
    OrderFactory(checkout=checkout, buyer=checkout.buyer)
    checkout.refresh_from_db()
    attempt_create(checkout=checkout, gateway="mpesa", provider="mpesa", phone="254712345678")
    for width, size in (("390", PHONE), ("1280", WIDE)):
        page = new_page()
        errors = console_errors(page)
        page.set_viewport_size(size)
        log_in(page, checkout.buyer.email)
        page.goto(f"/payments/{checkout.idempotency_key}/")
        expect(page.get_by_test_id("payment-pending")).to_contain_text("Check your phone")
        shot(page, f"live-mpesa-waiting-{width}")
        if width == "1280":
            page.get_by_test_id("payment-stop").click()
            expect(page.get_by_test_id("payment-stopped")).to_contain_text("PIN")
            expect(page.get_by_test_id("payment-alternatives")).to_be_visible()
            shot(page, f"live-mpesa-stopped-{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
        assert errors == []
