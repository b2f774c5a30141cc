"""What a courier or a buyer typed stays when it is refused: a wrong code typed on the job's
page and a cash amount that is not the order's come back in their fields with why (422; with
htmx the job's live part, out of band), and so does the buyer's comment on a courier rating
refused on the order's page."""

import pytest

from couriers.models import CourierRating, DeliveryJob
from couriers.services import handover_scan, job_accept, job_create, pickup_typed
from shop.orders.services.orders import package_short_code
from tests.factories.orders import member_of
from tests.html import dom

from .conftest import buyer_code, ready_order
from .test_pages import at_door

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def refused(response, *, htmx: bool):
    assert response.status_code == 422
    if htmx:
        assert response["HX-Reswap"] == "none" and not dom(response).has("html")
    return dom(response)


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_a_wrong_pickup_code_stays_in_its_field(client, job, courier, htmx):
    job_accept(job_id=job.pk, courier=courier)
    client.force_login(courier)

    page = refused(client.post(f"/courier/jobs/{job.pk}/code/", {"code": "999 999"}, headers=HX if htmx else {}), htmx=htmx)

    live = page.one(f"#job-live-{job.pk}")
    assert live.one("[data-testid=form-refused]").text
    assert live.one("form[data-testid=pickup-form] input[name=code]").attr("value") == "999 999"
    assert DeliveryJob.objects.get(pk=job.pk).status == DeliveryJob.Status.ACCEPTED


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_a_cash_amount_refused_stays_in_its_field(client, job, courier, htmx):
    job = at_door(job, courier)
    client.force_login(courier)

    page = refused(client.post(f"/courier/jobs/{job.pk}/cash/", {"amount": "5OO"}, headers=HX if htmx else {}), htmx=htmx)

    form = page.one("form[data-testid=cash-form]")
    assert form.one("input[name=amount]").attr("value") == "5OO"
    assert page.one("[data-testid=form-refused]").text
    assert DeliveryJob.objects.get(pk=job.pk).cash_courier_confirmed_at is None


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_a_courier_rating_refused_keeps_the_buyers_comment(client, shop_area, courier, htmx):
    order = ready_order(shop_area, payment_method="card")
    job = job_create(order=order, actor=member_of(order))
    job_accept(job_id=job.pk, courier=courier)
    pickup_typed(courier=courier, job=DeliveryJob.objects.get(pk=job.pk), code=package_short_code(order=order))
    handover_scan(courier=courier, code=buyer_code(order)[0])
    client.force_login(order.buyer)

    response = client.post(
        f"/orders/{order.number}/courier/rate/", {"stars": "9", "comment": "Quick & kind"}, headers=HX if htmx else {}
    )

    form = refused(response, htmx=htmx).one("form[data-testid=rate-courier]")
    assert form.one("[data-testid=form-refused]").text
    assert form.one("input[name=comment]").attr("value") == "Quick & kind"
    assert not CourierRating.objects.exists()
