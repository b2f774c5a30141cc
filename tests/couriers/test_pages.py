"""The courier's pages, the store's delivery choice and the buyer's side, through HTTP:
who may see what, and what each page says."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from couriers.models import CourierProfile, CourierRating, DeliveryJob, Remittance
from couriers.services import handover_typed, job_accept, job_create, pickup_typed
from shop.orders.models import Order, OrderStatus
from shop.orders.services.orders import package_short_code
from shop.payments.ledger import accounts
from shop.payments.ledger import services as ledger
from tests.factories import CourierProfileFactory, UserFactory
from tests.factories.couriers import courier_serving
from tests.factories.orders import member_of

from .conftest import buyer_code, ready_order

pytestmark = pytest.mark.django_db
J = DeliveryJob.Status


def at_door(job, courier):
    job_accept(job_id=job.pk, courier=courier)
    job = DeliveryJob.objects.get(pk=job.pk)
    job = pickup_typed(courier=courier, job=job, code=package_short_code(order=job.order))
    return handover_typed(courier=courier, job=job, code=buyer_code(job.order)[1])


def test_only_approved_couriers_see_the_board(client, job):
    for status in (None, CourierProfile.Status.PENDING, CourierProfile.Status.REJECTED):
        user = CourierProfileFactory(status=status).user if status else UserFactory()
        client.force_login(user)
        for url in ("/courier/", "/courier/scan/", "/courier/earnings/", f"/courier/jobs/{job.pk}/"):
            assert client.get(url).status_code == 403, (status, url)
        assert client.post(f"/courier/jobs/{job.pk}/accept/").status_code == 403
    assert DeliveryJob.objects.get(pk=job.pk).status == J.OPEN


def test_a_courier_cannot_open_another_couriers_job(client, job, courier, rival):
    job_accept(job_id=job.pk, courier=courier)
    client.force_login(rival)
    for url in (f"/courier/jobs/{job.pk}/", f"/courier/jobs/{job.pk}/live/"):
        assert client.get(url).status_code == 404
    for action in ("code", "cash", "release", "location"):
        assert client.post(f"/courier/jobs/{job.pk}/{action}/", {"code": "123456", "amount": "500"}).status_code == 404
    assert DeliveryJob.objects.get(pk=job.pk).courier == courier


def test_the_board_lists_the_job_with_its_figures_and_hides_the_address(client, job, courier):
    client.force_login(courier)
    page = client.get("/courier/").content.decode()
    assert f'id="job-{job.pk}"' in page and "KES 272" in page and "111.20 km" in page
    detail = client.get(f"/courier/jobs/{job.pk}/").content.decode()
    assert job.order.checkout.street not in detail and job.order.checkout.phone not in detail
    job_accept(job_id=job.pk, courier=courier)
    detail = client.get(f"/courier/jobs/{job.pk}/").content.decode()
    assert job.order.checkout.street in detail
    assert "https://www.google.com/maps/dir/?api=1&amp;destination=0.000000,37.000000" in detail


def test_the_board_costs_the_same_queries_for_one_job_or_many(client, shop_area, courier):
    client.force_login(courier)
    order = ready_order(shop_area)
    job_create(order=order, actor=member_of(order))
    with CaptureQueriesContext(connection) as one:
        client.get("/courier/")
    for _ in range(4):
        more = ready_order(shop_area)
        job_create(order=more, actor=member_of(more))
    with CaptureQueriesContext(connection) as five:
        assert client.get("/courier/").content.decode().count('data-testid="job-card"') == 5
    assert len(five) == len(one)


def test_accepting_from_the_board_and_losing_the_race(client, job, courier, rival):
    client.force_login(courier)
    response = client.post(f"/courier/jobs/{job.pk}/accept/")
    assert response.status_code == 302 and response["Location"] == f"/courier/jobs/{job.pk}/"

    client.force_login(rival)
    response = client.post(f"/courier/jobs/{job.pk}/accept/", headers={"HX-Request": "true"})
    assert f'<article id="job-{job.pk}"' in response.content.decode()
    assert "Sorry, another courier already took this job." in response.content.decode()


def test_the_scan_page_accepts_the_label_then_the_buyers_code(client, job, courier):
    from shop.orders.services.orders import package_token_make

    job_accept(job_id=job.pk, courier=courier)
    client.force_login(courier)
    assert client.post("/courier/scan/", {"code": package_token_make(order=job.order)})["Location"] == f"/courier/jobs/{job.pk}/"
    assert Order.objects.get(pk=job.order_id).status == OrderStatus.OUT_FOR_DELIVERY
    client.post("/courier/scan/", {"code": buyer_code(job.order)[0]})
    assert DeliveryJob.objects.get(pk=job.pk).status == J.AT_DOOR


def test_the_buyer_sees_the_cash_prompt_and_confirms(client, job, courier):
    job = at_door(job, courier)
    client.force_login(courier)
    client.post(f"/courier/jobs/{job.pk}/cash/", {"amount": "500.00"})
    client.force_login(job.order.buyer)
    page = client.get(f"/orders/{job.order.number}/").content.decode()
    assert 'data-testid="cash-prompt"' in page and "KES 500" in page

    client.post(f"/orders/{job.order.number}/courier/cash/")

    assert Order.objects.get(pk=job.order_id).status == OrderStatus.DELIVERED
    page = client.get(f"/orders/{job.order.number}/").content.decode()
    assert 'data-testid="rate-courier"' in page


def test_another_shopper_cannot_confirm_or_rate(client, job, courier):
    job = at_door(job, courier)
    client.force_login(UserFactory())
    assert client.post(f"/orders/{job.order.number}/courier/cash/").status_code == 404
    assert client.post(f"/orders/{job.order.number}/courier/rate/", {"stars": "1"}).status_code == 404
    assert DeliveryJob.objects.get(pk=job.pk).cash_buyer_confirmed_at is None


def test_the_buyer_rates_the_courier_once(client, shop_area, courier):
    from couriers.services import handover_scan

    order = ready_order(shop_area, payment_method="card")
    job = job_create(order=order, actor=member_of(order))
    job_accept(job_id=job.pk, courier=courier)
    pickup_typed(courier=courier, job=DeliveryJob.objects.get(pk=job.pk), code=package_short_code(order=order))
    handover_scan(courier=courier, code=buyer_code(order)[0])
    client.force_login(order.buyer)

    client.post(f"/orders/{order.number}/courier/rate/", {"stars": "9"})
    assert not CourierRating.objects.exists()
    client.post(f"/orders/{order.number}/courier/rate/", {"stars": "4", "comment": "Quick and kind"})
    client.post(f"/orders/{order.number}/courier/rate/", {"stars": "1"})

    profile = CourierProfile.objects.get(user=courier)
    assert (profile.rating, profile.rating_count) == (Decimal("4.00"), 1)


def test_the_store_publishes_to_the_board_or_assigns_a_courier(client, shop_area, courier):
    board, assigned = ready_order(shop_area), ready_order(shop_area)
    client.force_login(member_of(board))
    page = client.get(f"/dashboard/orders/{board.number}/").content.decode()
    assert 'data-testid="delivery-choice"' in page and str(courier) in page

    client.post(f"/dashboard/orders/{board.number}/delivery/", {"mode": "board", "bonus": "10"})
    job = DeliveryJob.objects.get(order=board)
    assert (job.status, job.bonus, job.commission) == (J.OPEN, Decimal("10"), Decimal("232.00"))
    page = client.get(f"/dashboard/orders/{board.number}/").content.decode()
    assert "Commission KES 232" in page and 'data-testid="delivery-choice"' not in page

    client.force_login(member_of(assigned))
    client.post(
        f"/dashboard/orders/{assigned.number}/delivery/", {"mode": "assign", "courier": courier.courier_profile.pk}
    )
    assert DeliveryJob.objects.get(order=assigned).courier == courier


def test_another_store_cannot_arrange_the_delivery(client, order):
    other = ready_order(order.store.area)
    client.force_login(member_of(other))
    assert client.post(f"/dashboard/orders/{order.number}/delivery/", {"mode": "board"}).status_code == 404
    assert not DeliveryJob.objects.exists()


def test_the_store_delivering_itself_types_the_buyers_code(client, order):
    owner = member_of(order)
    client.force_login(owner)
    client.post(f"/dashboard/orders/{order.number}/action/", {"to": "out_for_delivery"})
    client.post(f"/dashboard/orders/{order.number}/action/", {"to": "delivered"})
    assert Order.objects.get(pk=order.pk).status == OrderStatus.OUT_FOR_DELIVERY

    client.post(f"/dashboard/orders/{order.number}/handover/", {"code": "12345678"})
    assert Order.objects.get(pk=order.pk).status == OrderStatus.OUT_FOR_DELIVERY
    client.post(f"/dashboard/orders/{order.number}/handover/", {"code": buyer_code(order)[1]})
    assert Order.objects.get(pk=order.pk).status == OrderStatus.DELIVERED
    # The store took the cash itself: nothing is held by a courier.
    assert ledger.balance(accounts.store_cash(order.store_id), "KES") == 0


def test_earnings_show_the_couriers_own_deliveries_by_week(client, job, courier, rival):
    from couriers.services import cash_confirm_buyer, cash_confirm_courier

    job = at_door(job, courier)
    cash_confirm_courier(job=job, courier=courier, amount="500")
    cash_confirm_buyer(job=job, buyer=job.order.buyer)
    client.force_login(courier)
    page = client.get("/courier/earnings/").content.decode()
    assert job.order.number in page and "KES 228" in page  # 500 cash less 272 commission
    client.force_login(rival)
    assert job.order.number not in client.get("/courier/earnings/").content.decode()


def test_staff_record_a_remittance_once_in_the_ledger(admin_client, job, courier):
    from couriers.services import cash_confirm_buyer, cash_confirm_courier

    job = at_door(job, courier)
    cash_confirm_courier(job=job, courier=courier, amount="500")
    cash_confirm_buyer(job=job, buyer=job.order.buyer)

    response = admin_client.post(
        "/admin/couriers/remittance/add/",
        {"courier": courier.pk, "currency": "KES", "amount": "228", "commission_kept": "272", "note": "Monday"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    remittance = Remittance.objects.get()
    assert ledger.balance(accounts.courier_cash(courier.pk), "KES") == 0
    assert ledger.balance(accounts.courier_commission(courier.pk), "KES") == 0
    assert ledger.balance(accounts.PLATFORM_CASH, "KES") == 22800
    # Saving it again posts nothing more.
    admin_client.post(f"/admin/couriers/remittance/{remittance.pk}/change/", {"note": "edited"})
    assert ledger.balance(accounts.PLATFORM_CASH, "KES") == 22800


def test_courier_of_another_area_never_sees_the_job(client, job):
    far = courier_serving()
    client.force_login(far)
    assert client.get(f"/courier/jobs/{job.pk}/").status_code == 404
    assert client.post(f"/courier/jobs/{job.pk}/accept/").status_code == 302
    assert DeliveryJob.objects.get(pk=job.pk).status == J.OPEN


@pytest.mark.parametrize("language, to", [("en", "to"), ("ur", "تک")])
def test_a_jobs_route_arrow_points_the_way_the_page_reads_and_is_read_as_a_word(client, job, courier, language, to):
    job_accept(job_id=job.pk, courier=courier)
    client.force_login(courier)
    client.cookies["soko_language"] = language
    for page in (client.get("/courier/"), client.get(f"/courier/jobs/{job.pk}/")):
        html = page.content.decode()
        assert page.status_code == 200
        assert '<span class="route-arrow" aria-hidden="true">→</span>' in html  # mirrored by soko.css in Urdu
        assert f'<span class="visually-hidden">{to}</span>' in html
        assert " → " not in html
