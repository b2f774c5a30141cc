"""A refused courier action says why from where the job really stands, not one sentence
for every case: a job the store withdrew is "withdrawn" (not "another courier took it"), a
job given back twice is "already given back" (not "only before pickup"), a withdrawal of
a job already withdrawn or delivered says so, and a code typed by the courier who lost the
job says how it was lost."""

import re

import pytest

from couriers.models import DeliveryJob
from couriers.services import (
    CourierError,
    handover_typed,
    job_accept,
    job_create,
    job_release,
    job_withdraw,
    pickup_typed,
)
from shop.orders.models import Order
from shop.orders.services.orders import package_short_code
from tests.factories.orders import member_of

from .conftest import buyer_code, ready_order

pytestmark = pytest.mark.django_db

J = DeliveryJob.Status
HTMX = {"HX-Request": "true"}


def refusal(action) -> CourierError:
    with pytest.raises(CourierError) as refused:
        action()
    return refused.value


def test_accepting_a_job_the_store_withdrew_says_the_store_withdrew_it(job, courier):
    job_withdraw(job=job, actor=member_of(job.order))

    refused = refusal(lambda: job_accept(job_id=job.pk, courier=courier))

    assert (refused.reason, str(refused)) == ("withdrawn", "The store withdrew this job.")


def test_accepting_a_job_another_courier_took_still_says_it_was_taken(job, courier, rival):
    job_accept(job_id=job.pk, courier=rival)

    refused = refusal(lambda: job_accept(job_id=job.pk, courier=courier))

    assert refused.reason == "taken" and "another courier already took" in str(refused)


def test_accepting_twice_keeps_the_job_without_telling_the_courier_it_was_taken(job, courier):
    job_accept(job_id=job.pk, courier=courier)

    again = job_accept(job_id=job.pk, courier=courier)

    assert (again.status, again.courier_id) == (J.ACCEPTED, courier.pk)


def test_a_stale_board_card_says_the_store_withdrew_the_job_where_it_stood(client, job, courier):
    job_withdraw(job=job, actor=member_of(job.order))
    client.force_login(courier)

    answer = client.post(f"/courier/jobs/{job.pk}/accept/", headers={**HTMX, "HX-Target": f"job-{job.pk}"})

    card = re.search(rf'<article id="job-{job.pk}"[^>]*>.*?</article>', answer.content.decode(), re.S).group(0)
    assert "The store withdrew this job." in card and "another courier" not in card


def test_giving_a_job_back_twice_says_it_was_already_given_back(job, courier):
    job_accept(job_id=job.pk, courier=courier)
    job_release(job=job, courier=courier)

    refused = refusal(lambda: job_release(job=job, courier=courier))

    assert (refused.reason, str(refused)) == ("given_back", "You already gave this job back.")


def test_giving_back_a_job_the_store_withdrew_says_the_store_withdrew_it(job, courier):
    job_accept(job_id=job.pk, courier=courier)
    job_withdraw(job=job, actor=member_of(job.order))

    refused = refusal(lambda: job_release(job=job, courier=courier))

    assert refused.reason == "withdrawn" and "withdrew the delivery" in str(refused)


def test_giving_back_a_picked_up_job_still_says_only_before_pickup(job, courier):
    job_accept(job_id=job.pk, courier=courier)
    pickup_typed(courier=courier, job=DeliveryJob.objects.get(pk=job.pk), code=package_short_code(order=job.order))

    refused = refusal(lambda: job_release(job=job, courier=courier))

    assert refused.reason == "status" and "only before you pick it up" in str(refused)


def test_a_courier_who_gave_a_job_back_is_told_so_when_typing_its_code(job, courier, rival):
    job_accept(job_id=job.pk, courier=courier)
    job_release(job=job, courier=courier)
    job_accept(job_id=job.pk, courier=rival)

    refused = refusal(
        lambda: pickup_typed(
            courier=courier, job=DeliveryJob.objects.get(pk=job.pk), code=package_short_code(order=job.order)
        )
    )

    assert refused.reason == "given_back" and "You gave this job back" in str(refused)


def test_a_withdrawn_courier_typing_the_buyers_code_is_told_the_store_withdrew_it(job, courier):
    job_accept(job_id=job.pk, courier=courier)
    job_withdraw(job=job, actor=member_of(job.order))

    refused = refusal(
        lambda: handover_typed(courier=courier, job=DeliveryJob.objects.get(pk=job.pk), code=buyer_code(job.order)[1])
    )

    assert refused.reason == "withdrawn" and "withdrew the delivery" in str(refused)


def test_withdrawing_a_job_twice_says_it_was_already_withdrawn(job):
    job_withdraw(job=job, actor=member_of(job.order))

    refused = refusal(lambda: job_withdraw(job=job, actor=member_of(job.order)))

    assert (refused.reason, str(refused)) == ("withdrawn", "This job was already withdrawn.")


def test_withdrawing_a_delivered_job_says_it_was_delivered(shop_area, courier):
    order = ready_order(shop_area, payment_method="card")
    job = job_create(order=order, actor=member_of(order))
    job_accept(job_id=job.pk, courier=courier)
    pickup_typed(courier=courier, job=DeliveryJob.objects.get(pk=job.pk), code=package_short_code(order=order))
    handover_typed(courier=courier, job=DeliveryJob.objects.get(pk=job.pk), code=buyer_code(order)[1])
    assert Order.objects.get(pk=order.pk).status == "delivered"

    refused = refusal(lambda: job_withdraw(job=job, actor=member_of(order)))

    assert (refused.reason, str(refused)) == ("delivered", "The courier already delivered this order.")
