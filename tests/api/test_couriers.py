"""A courier's work through the API is the courier pages' work: a job taken, picked up and
handed over moves the order exactly as the pages move it; a second courier is told the
job is taken; a wrong, used or expired code is refused with the page's reason and
sentence; someone else's job is a 404; an unapproved courier gets the page's reason."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from couriers.models import CourierProfile, DeliveryJob
from couriers.services import TAKEN, cash_confirm_buyer, job_create
from shop.orders.models import HandoverCode, Order, OrderStatus
from shop.orders.services.orders import package_short_code, package_token_make
from tests.couriers.conftest import buyer_code, ready_order
from tests.factories import CourierProfileFactory, UserFactory
from tests.factories.addresses import westlands
from tests.factories.couriers import courier_serving
from tests.factories.orders import member_of
from tests.geo.factories import AreaFactory
from tests.html import told

from .conftest import bearer, post, sign_in, verified

pytestmark = pytest.mark.django_db
J = DeliveryJob.Status


@pytest.fixture
def district():
    return westlands().parent


@pytest.fixture
def shop_area(district):
    return AreaFactory(name="Parklands", parent=district, latitude=Decimal("0"), longitude=Decimal("36"))


@pytest.fixture
def courier(district):
    return verified(courier_serving(district))


@pytest.fixture
def rival(district):
    return verified(courier_serving(district))


def board_job(shop_area, **order) -> DeliveryJob:
    placed = ready_order(shop_area, **order)
    return job_create(order=placed, actor=member_of(placed), bonus="50")


def tokens(client, user) -> dict:
    return bearer(sign_in(client, user)["access_token"])


def page_message(response) -> str:
    return told(response)[-1]


def story(order: Order) -> list[tuple[str, str]]:
    """The order's timeline: each move and whether a scan made it."""
    return list(order.events.order_by("created_at", "id").values_list("from_status", "to_status"))


def test_a_courier_delivers_through_the_api_as_through_the_pages(client, shop_area, courier, rival):
    by_page, by_api = board_job(shop_area), board_job(shop_area)
    api = tokens(client, courier)

    client.force_login(rival)
    client.post(f"/courier/jobs/{by_page.pk}/accept/")
    client.post(f"/courier/jobs/{by_page.pk}/code/", {"code": package_short_code(order=by_page.order)})
    client.post(f"/courier/jobs/{by_page.pk}/code/", {"code": buyer_code(by_page.order)[1]})
    client.post(f"/courier/jobs/{by_page.pk}/cash/", {"amount": str(by_page.order.total)})
    client.logout()

    accepted = post(client, f"/api/v1/courier/jobs/{by_api.pk}/accept/", {}, **api)
    picked = post(
        client, f"/api/v1/courier/jobs/{by_api.pk}/pickup/", {"code": package_short_code(order=by_api.order)}, **api
    )
    at_door = post(
        client,
        "/api/v1/courier/handover/",
        {"order": by_api.order.number.lower(), "code": buyer_code(by_api.order)[1]},
        **api,
    )
    cash = post(client, f"/api/v1/courier/jobs/{by_api.pk}/cash/", {"amount": str(by_api.order.total)}, **api)
    for job in (by_page, by_api):
        cash_confirm_buyer(job=job, buyer=job.order.buyer)

    assert [answer.json()["status"] for answer in (accepted, picked, at_door, cash)] == [
        J.ACCEPTED,
        J.PICKED_UP,
        J.AT_DOOR,
        J.AT_DOOR,
    ]
    assert cash.json()["cash_confirmed_by_courier"] is True
    assert at_door.json()["cash_to_collect"] == f"{by_api.order.total:.2f}"
    assert at_door.json()["dropoff"]["phone"] == str(by_api.order.checkout.phone)
    assert story(by_api.order) == story(by_page.order)
    assert story(by_api.order)[-1] == (OrderStatus.OUT_FOR_DELIVERY, OrderStatus.DELIVERED)
    assert DeliveryJob.objects.get(pk=by_api.pk).status == DeliveryJob.objects.get(pk=by_page.pk).status == J.DELIVERED


def test_a_scanned_label_and_a_scanned_qr_code_work_as_on_the_scanner(client, shop_area, courier):
    job = board_job(shop_area, payment_method="card")
    api = tokens(client, courier)
    post(client, f"/api/v1/courier/jobs/{job.pk}/accept/", {}, **api)

    picked = post(
        client, f"/api/v1/courier/jobs/{job.pk}/pickup/", {"code": package_token_make(order=job.order)}, **api
    )
    handed = post(client, "/api/v1/courier/handover/", {"code": buyer_code(job.order)[0]}, **api)

    assert picked.json()["status"] == J.PICKED_UP
    assert (handed.json()["status"], handed.json()["cash_to_collect"]) == (J.DELIVERED, None)  # paid by card
    assert Order.objects.get(pk=job.order_id).status == OrderStatus.DELIVERED


def test_a_label_of_another_order_does_not_pick_this_job_up(client, shop_area, courier):
    job, other = board_job(shop_area), board_job(shop_area)
    api = tokens(client, courier)
    for held in (job, other):
        post(client, f"/api/v1/courier/jobs/{held.pk}/accept/", {}, **api)

    answer = post(
        client, f"/api/v1/courier/jobs/{job.pk}/pickup/", {"code": package_token_make(order=other.order)}, **api
    )

    assert (answer.status_code, answer.json()["code"]) == (409, "other_order")
    assert set(DeliveryJob.objects.filter(pk__in=[job.pk, other.pk]).values_list("status", flat=True)) == {J.ACCEPTED}


def test_the_second_courier_to_accept_is_told_it_is_taken(client, shop_area, courier, rival):
    job = board_job(shop_area)
    first = post(client, f"/api/v1/courier/jobs/{job.pk}/accept/", {}, **tokens(client, courier))
    second = post(client, f"/api/v1/courier/jobs/{job.pk}/accept/", {}, **tokens(client, rival))
    client.force_login(rival)
    on_the_page = client.post(f"/courier/jobs/{job.pk}/accept/")

    assert first.status_code == 200
    assert (second.status_code, second.json()["code"], second.json()["detail"]) == (409, "taken", str(TAKEN))
    assert page_message(on_the_page) == second.json()["detail"]
    assert DeliveryJob.objects.get(pk=job.pk).courier == courier


def out_for_delivery(client, api, job) -> None:
    post(client, f"/api/v1/courier/jobs/{job.pk}/accept/", {}, **api)
    post(client, f"/api/v1/courier/jobs/{job.pk}/pickup/", {"code": package_short_code(order=job.order)}, **api)


@pytest.mark.parametrize("trouble", ["unknown", "used", "expired"])
def test_a_refused_qr_code_gets_the_pages_reason_and_sentence(client, shop_area, courier, trouble):
    job = board_job(shop_area, payment_method="card")
    api = tokens(client, courier)
    out_for_delivery(client, api, job)
    qr = buyer_code(job.order)[0]
    if trouble == "unknown":
        qr = "ABCDEFGHJKMNPQRSTVWXYZ0123456789"
    elif trouble == "used":
        post(client, "/api/v1/courier/handover/", {"code": qr}, **api)
    else:
        HandoverCode.objects.filter(order=job.order).update(expires_at=timezone.now() - timedelta(seconds=1))

    answer = post(client, "/api/v1/courier/handover/", {"code": qr}, **api)
    client.force_login(courier)
    on_the_page = client.post("/courier/scan/", {"code": qr})

    assert (answer.status_code, answer.json()["code"]) == (409, trouble)
    assert answer.json()["detail"] == page_message(on_the_page)


def test_a_wrong_typed_code_counts_and_says_what_the_page_says(client, shop_area, courier, settings):
    settings.SOKO_HANDOVER_MAX_ATTEMPTS = 5
    job = board_job(shop_area)
    api = tokens(client, courier)
    out_for_delivery(client, api, job)
    short = buyer_code(job.order)[1]
    wrong = str((int(short) + 1) % 10**8).zfill(8)

    client.force_login(courier)
    on_the_page = client.post(f"/courier/jobs/{job.pk}/code/", {"code": wrong})
    answer = post(client, "/api/v1/courier/handover/", {"order": job.order.number, "code": wrong}, **api)

    assert page_message(on_the_page).endswith("4 attempts left.")
    assert (answer.status_code, answer.json()["code"]) == (409, "wrong")
    assert answer.json()["detail"] == page_message(on_the_page).replace("4 attempts", "3 attempts")
    assert HandoverCode.objects.get(order=job.order).failed_attempts == 2


def test_someone_elses_job_is_not_found(client, shop_area, courier, rival):
    job = board_job(shop_area)
    post(client, f"/api/v1/courier/jobs/{job.pk}/accept/", {}, **tokens(client, rival))
    api = tokens(client, courier)
    far_away = board_job(AreaFactory(name="Mombasa"))

    answers = [
        client.get(f"/api/v1/courier/jobs/{job.pk}/", headers=api),
        post(client, f"/api/v1/courier/jobs/{job.pk}/pickup/", {"code": package_short_code(order=job.order)}, **api),
        post(client, f"/api/v1/courier/jobs/{job.pk}/cash/", {"amount": "1"}, **api),
        post(client, "/api/v1/courier/handover/", {"order": job.order.number, "code": "12345678"}, **api),
        post(client, f"/api/v1/courier/jobs/{far_away.pk}/accept/", {}, **api),
        client.get("/api/v1/courier/jobs/999999/", headers=api),
    ]
    client.force_login(courier)

    assert [answer.status_code for answer in answers] == [404] * 6
    assert client.get(f"/courier/jobs/{job.pk}/").status_code == 404
    assert DeliveryJob.objects.get(pk=job.pk).status == J.ACCEPTED


def test_an_applicant_awaiting_approval_gets_the_pages_reason(client):
    applicant = verified(UserFactory())
    CourierProfileFactory(user=applicant, status=CourierProfile.Status.PENDING)

    answer = client.get("/api/v1/courier/jobs/", headers=tokens(client, applicant))
    client.force_login(applicant)
    page = client.get("/courier/")

    assert (answer.status_code, answer.json()["code"]) == (403, "courier_pending")
    assert page.status_code == 403
    assert answer.json()["detail"].split(";")[0] in page.content.decode()


def test_the_board_and_my_jobs_list_what_the_page_lists(client, shop_area, courier):
    open_job, mine = board_job(shop_area), board_job(shop_area)
    api = tokens(client, courier)
    post(client, f"/api/v1/courier/jobs/{mine.pk}/accept/", {}, **api)

    board = client.get("/api/v1/courier/jobs/?lat=0&lng=36", headers=api).json()
    lone = client.get("/api/v1/courier/jobs/?lat=0", headers=api).json()
    my_jobs = client.get("/api/v1/courier/my-jobs/", headers=api).json()
    open_detail = client.get(f"/api/v1/courier/jobs/{open_job.pk}/", headers=api).json()

    assert [card["id"] for card in board["results"]] == [open_job.pk]
    assert board["results"][0]["commission"] == "272.00"
    assert board["results"][0]["store"]["name"] == open_job.store.name
    assert board["results"][0]["away_km"] == 0.0
    assert lone["notices"] and lone["results"][0]["away_km"] is None
    assert [job["id"] for job in my_jobs["active"]] == [mine.pk] and my_jobs["delivered_today"] == []
    assert open_detail["dropoff"]["address"] is None  # the address shows once the job is taken


def test_earnings_read_as_the_earnings_page(client, shop_area, courier):
    job = board_job(shop_area)
    api = tokens(client, courier)
    out_for_delivery(client, api, job)
    post(client, "/api/v1/courier/handover/", {"order": job.order.number, "code": buyer_code(job.order)[1]}, **api)
    post(client, f"/api/v1/courier/jobs/{job.pk}/cash/", {"amount": str(job.order.total)}, **api)
    cash_confirm_buyer(job=job, buyer=job.order.buyer)

    earnings = client.get("/api/v1/courier/earnings/", headers=api).json()
    my_jobs = client.get("/api/v1/courier/my-jobs/", headers=api).json()
    client.force_login(courier)
    page = client.get("/courier/earnings/").content.decode()

    week = earnings["weeks"][0]
    assert [item["id"] for item in week["jobs"]] == [job.pk]
    assert week["commission"] == [{"currency": "KES", "amount": "272.00"}]
    assert week["cash"] == [{"currency": "KES", "amount": f"{job.order.total:.2f}"}]
    assert earnings["deliveries_count"] == 1
    assert "KES 272" in page
    assert [item["id"] for item in my_jobs["delivered_today"]] == [job.pk]


def test_a_wrong_cash_amount_is_refused_as_on_the_page(client, shop_area, courier):
    job = board_job(shop_area)
    api = tokens(client, courier)
    out_for_delivery(client, api, job)
    post(client, "/api/v1/courier/handover/", {"order": job.order.number, "code": buyer_code(job.order)[1]}, **api)

    answer = post(client, f"/api/v1/courier/jobs/{job.pk}/cash/", {"amount": "1.00"}, **api)
    client.force_login(courier)
    on_the_page = client.post(f"/courier/jobs/{job.pk}/cash/", {"amount": "1.00"})

    assert (answer.status_code, answer.json()["code"]) == (409, "amount")
    assert answer.json()["detail"] == page_message(on_the_page)
