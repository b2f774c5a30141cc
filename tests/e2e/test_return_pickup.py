"""A return pickup on a courier's phone, in a real browser: the job page of a buyer-paid
return (the cash to collect, the buyer's address, the code form) at 1280 and 390 px; the
courier types the buyer's code, then the store's, and the page says the goods are back."""

from decimal import Decimal

import pytest

from couriers.models import CourierProfile, CourierRating, DeliveryJob
from couriers.selectors import return_codes
from couriers.services import job_accept, return_job_create
from shop.orders.models import Checkout, Order, OrderStatus
from tests.e2e.pages import KEEP_SOCKET, expect, log_in, shot, wait_for_socket
from tests.factories.addresses import westlands
from tests.factories.couriers import DeliveryJobFactory, courier_serving
from tests.factories.orders import OrderFactory, member_of
from tests.geo.factories import AreaFactory

pytestmark = [pytest.mark.e2e, pytest.mark.embedded, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def delivered_order() -> Order:
    district = westlands().parent
    area = AreaFactory(name="Parklands", parent=district, latitude=Decimal("-1.2630"), longitude=Decimal("36.8155"))
    order = OrderFactory(status=OrderStatus.DELIVERED)
    store = order.store
    store.area, store.latitude, store.longitude = area, Decimal("-1.2630"), Decimal("36.8155")
    store.save(update_fields=["area", "latitude", "longitude"])
    Checkout.objects.filter(pk=order.checkout_id).update(
        area=westlands(), latitude=Decimal("-1.2676"), longitude=Decimal("36.8108")
    )
    return Order.objects.get(pk=order.pk)


def settled(page) -> None:
    """The job page re-read its live part when its socket opened: typing may begin."""
    wait_for_socket(page)
    page.wait_for_function("() => window.__liveReads >= 1")


def test_a_return_pickup_on_the_couriers_phone(new_page):
    order = delivered_order()
    courier = courier_serving(westlands().parent)
    job = return_job_create(
        order=order,
        actor=member_of(order),
        payer=DeliveryJob.Payer.BUYER,
        note="2 × Basket, 1 × Kikoi wrap",
        bonus="50",
    )
    codes = return_codes(job)
    page = new_page()
    page.context.add_init_script(KEEP_SOCKET)
    log_in(page, courier.email)

    page.emulate_media(reduced_motion="reduce")  # the cards' entrance, for still screenshots
    page.set_viewport_size(PHONE)
    page.goto("/courier/")
    card = page.locator(f"#job-{job.pk}")
    expect(card.get_by_test_id("job-kind")).to_have_text("Return pickup")
    shot(page, "return-board-390")

    job_accept(job_id=job.pk, courier=courier)
    for name, size in (("1280", DESKTOP), ("390", PHONE)):
        page.set_viewport_size(size)
        page.goto(f"/courier/jobs/{job.pk}/")
        expect(page.get_by_test_id("return-cash")).to_contain_text("in cash from the buyer")
        expect(page.get_by_test_id("return-route")).to_contain_text(order.checkout.street)
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
        shot(page, f"return-job-{name}")

    settled(page)
    page.locator("#pickup-code").fill(codes["pickup"])
    page.get_by_role("button", name="Collected").click()
    expect(page.get_by_test_id("return-dropoff-form")).to_be_visible()
    settled(page)
    shot(page, "return-job-picked-up-390")
    page.locator("#dropoff-code").fill(codes["dropoff"])
    page.get_by_role("button", name="Handed in").click()
    expect(page.get_by_test_id("job-delivered")).to_contain_text("Returned to the store")
    assert DeliveryJob.objects.get(pk=job.pk).status == DeliveryJob.Status.DELIVERED

    CourierRating.objects.create(
        job=DeliveryJobFactory(order=OrderFactory(status=OrderStatus.DELIVERED), courier=courier, status="delivered"),
        courier=courier,
        buyer=order.buyer,
        stars=4,
        comment="Polite, and called before coming.",
    )
    CourierProfile.objects.filter(user=courier).update(rating=Decimal("4.00"), rating_count=1)
    # In a tab of its own: the job page may still be re-reading itself after the handover
    # (its socket's push), and a navigation there would interrupt this one.
    earnings = page.context.new_page()
    earnings.set_viewport_size(PHONE)
    earnings.goto("/courier/earnings/")
    expect(earnings.get_by_test_id("rating")).to_contain_text("called before coming")
    assert earnings.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(earnings, "earnings-ratings-390")
