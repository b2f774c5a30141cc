"""An order that ends before its courier picked it up takes its job off the board: every
move of the status machine into an ended status from a status a job can be made in
withdraws the job (open or accepted), after the order's commit, in the job's own
transaction; its card leaves every board, with why, and the courier who held it is told.
A job of an ended order cannot be accepted, and a periodic sweep catches a job left open
(the follow-up never ran)."""

import json

import pytest

from couriers.models import DeliveryJob
from couriers.services import (
    ARRANGEABLE,
    CourierError,
    job_accept,
    job_create,
    job_release,
    jobs_of_ended_orders_withdraw,
)
from couriers.tasks import jobs_of_ended_orders_withdraw_task
from shop.notifications.models import Notification
from shop.orders.models import Order
from shop.orders.selectors.transitions import MOVES, TERMINAL, Role
from shop.orders.services.orders import order_transition
from tests.concurrency import at_once
from tests.factories import UserFactory
from tests.factories.orders import member_of

from .conftest import ready_order

pytestmark = pytest.mark.django_db

J = DeliveryJob.Status

# Every move that ends an order from a status its job can still be waiting in, with each
# role allowed to make it (a courier moves an order only by its scans, after pickup).
ENDINGS = [
    (source, to, role)
    for (source, to), roles in MOVES.items()
    if to in TERMINAL and source in ARRANGEABLE
    for role in sorted(roles)
]


def test_the_walk_covers_every_status_a_job_waits_in():
    assert {source for source, _to, _role in ENDINGS} == set(ARRANGEABLE)


@pytest.fixture
def pushes(monkeypatch):
    sent = []
    monkeypatch.setattr("shop.core.services.realtime.group_send", lambda group, message: sent.append((group, message)))
    return sent


def _actor(order: Order, role: str):
    if role == Role.BUYER:
        return order.buyer
    if role == Role.SELLER:
        return member_of(order)
    return UserFactory(is_staff=True)


def _job_in(order: Order, *, accepted_by=None) -> DeliveryJob:
    job = job_create(order=order, actor=member_of(order))
    if accepted_by is not None:
        job_accept(job_id=job.pk, courier=accepted_by)
    return DeliveryJob.objects.get(pk=job.pk)


def _end(order: Order, to: str, role: str) -> None:
    order_transition(order=order, to=to, actor=_actor(order, role), role=role, note="The buyer changed their mind.")


def _gone(pushes, district) -> list[tuple[dict, str]]:
    """The ``job.gone`` events pushed to the board of the store's district: (frame, html)."""
    frames = [
        (json.loads(message["json"]), message["html"])
        for group, message in pushes
        if group == f"jobs.{district.pk}" and "json" in message
    ]
    return [(frame, html) for frame, html in frames if frame["event"] == "job.gone"]


@pytest.mark.parametrize(("source", "to", "role"), ENDINGS)
def test_ending_the_order_withdraws_its_open_job_and_clears_the_boards(
    source, to, role, shop_area, district, pushes, django_capture_on_commit_callbacks
):
    order = ready_order(shop_area, status=source)
    job = _job_in(order)
    pushes.clear()

    with django_capture_on_commit_callbacks(execute=True):
        _end(order, to, role)

    job.refresh_from_db()
    assert job.status == J.CANCELLED and job.courier_id is None
    [(frame, html)] = _gone(pushes, district)
    assert frame["data"] == {"job": job.pk, "reason": "order_ended"}
    assert f'<article id="job-{job.pk}"' in html and "This order was cancelled." in html


@pytest.mark.parametrize(("source", "to", "role"), ENDINGS)
def test_ending_the_order_withdraws_its_accepted_job_and_tells_the_courier(
    source, to, role, shop_area, courier, django_capture_on_commit_callbacks
):
    order = ready_order(shop_area, status=source)
    job = _job_in(order, accepted_by=courier)

    with django_capture_on_commit_callbacks(execute=True):
        _end(order, to, role)

    job.refresh_from_db()
    assert job.status == J.CANCELLED and job.courier_id is None
    told = Notification.objects.get(user=courier, kind="courier")
    assert order.number in told.text and "cancelled" in told.text
    assert told.url == "/courier/"


def test_a_job_of_a_cancelled_order_cannot_be_accepted(order, courier):
    job = _job_in(order)
    _end(order, "cancelled", Role.SELLER)  # its follow-up never ran: the job is still open

    with pytest.raises(CourierError, match=f"Order {order.number} was cancelled") as refused:
        job_accept(job_id=job.pk, courier=courier)

    assert refused.value.reason == "order_ended"
    job.refresh_from_db()
    assert job.status == J.OPEN and job.courier_id is None


def test_an_accepted_job_of_a_cancelled_order_does_not_go_back_to_the_board(order, courier):
    job = _job_in(order, accepted_by=courier)
    _end(order, "cancelled", Role.SELLER)  # its follow-up never ran

    with pytest.raises(CourierError, match=f"Order {order.number} was cancelled"):
        job_release(job=job, courier=courier)

    job.refresh_from_db()
    assert job.status == J.ACCEPTED


def test_the_sweep_withdraws_jobs_left_on_the_board_once(shop_area, courier):
    left_open = _job_in(ready_order(shop_area))
    left_accepted = _job_in(ready_order(shop_area), accepted_by=courier)
    going = _job_in(ready_order(shop_area))
    for job in (left_open, left_accepted):
        _end(job.order, "cancelled", Role.STAFF)  # the follow-ups never ran

    assert jobs_of_ended_orders_withdraw_task.call_local() == 2

    assert set(DeliveryJob.objects.filter(status=J.CANCELLED).values_list("pk", flat=True)) == {
        left_open.pk,
        left_accepted.pk,
    }
    assert DeliveryJob.objects.get(pk=going.pk).status == J.OPEN
    assert Notification.objects.filter(user=courier, kind="courier", text__contains="cancelled").count() == 1
    assert jobs_of_ended_orders_withdraw() == 0  # a second run finds nothing
    assert Notification.objects.filter(user=courier, kind="courier", text__contains="cancelled").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_courier_accepting_while_the_store_cancels_never_keeps_the_job(shop_area, courier):
    for _round in range(3):  # a few rounds, so the race is really run
        order = ready_order(shop_area)
        job = _job_in(order)
        store = member_of(order)
        results = at_once(
            [
                lambda job=job: job_accept(job_id=job.pk, courier=courier),
                lambda order=order, store=store: order_transition(
                    order=order, to="cancelled", actor=store, role=Role.SELLER, note="Sold out."
                ),
            ]
        )

        accepted, cancelled = results
        assert isinstance(cancelled, Order), results
        assert isinstance(accepted, DeliveryJob) or accepted.reason == "order_ended", results
        job.refresh_from_db()
        assert job.status == J.CANCELLED and job.courier_id is None
        told = Notification.objects.filter(user=courier, kind="courier", text__contains=order.number).exists()
        assert told == isinstance(accepted, DeliveryJob)  # the courier who held it heard it went
