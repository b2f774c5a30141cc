"""``JOB_MOVES`` walked: every move it allows is made by a real service path, and every
move it does not allow is refused by ``job_transition`` (and ``job_transition_where``)
without writing anything."""

import pytest

from couriers.models import DeliveryJob
from couriers.selectors import return_codes
from couriers.services import (
    JOB_MOVES,
    CourierError,
    cash_confirm_buyer,
    cash_confirm_courier,
    handover_typed,
    job_accept,
    job_create,
    job_release,
    job_transition,
    job_transition_where,
    job_withdraw,
    pickup_typed,
    return_dropoff_typed,
    return_job_create,
    return_pickup_typed,
)
from shop.orders.models import OrderStatus
from shop.orders.services.orders import package_short_code
from tests.factories.couriers import DeliveryJobFactory
from tests.factories.orders import member_of

from .conftest import buyer_code, ready_order

pytestmark = pytest.mark.django_db
J = DeliveryJob.Status


def fresh(job: DeliveryJob) -> DeliveryJob:
    return DeliveryJob.objects.get(pk=job.pk)


# Jobs brought to each status by the services ----------------------------------------------


def on_the_board(area, courier) -> DeliveryJob:
    order = ready_order(area)
    return job_create(order=order, actor=member_of(order))


def accepted(area, courier) -> DeliveryJob:
    job = on_the_board(area, courier)
    return job_accept(job_id=job.pk, courier=courier)


def picked_up(area, courier) -> DeliveryJob:
    job = accepted(area, courier)
    return pickup_typed(courier=courier, job=fresh(job), code=package_short_code(order=job.order))


def at_the_door(area, courier) -> DeliveryJob:
    job = picked_up(area, courier)
    return handover_typed(courier=courier, job=fresh(job), code=buyer_code(job.order)[1])


def withdrawn(area, courier) -> DeliveryJob:
    job = on_the_board(area, courier)
    return job_withdraw(job=job, actor=member_of(job.order))


def return_picked_up(area, courier) -> DeliveryJob:
    order = ready_order(area, status=OrderStatus.DELIVERED)
    job = return_job_create(order=order, actor=member_of(order), payer=DeliveryJob.Payer.SELLER, note="2 × Basket")
    job_accept(job_id=job.pk, courier=courier)
    return return_pickup_typed(courier=courier, job=fresh(job), code=return_codes(job)["pickup"])


def made(assign: bool):
    def move(area, courier, job):
        order = ready_order(area) if job is None else job.order
        profile = courier.courier_profile if assign else None
        return job_create(order=order, actor=member_of(order), courier_profile=profile)

    return move


def cash_confirmed(area, courier, job):
    cash_confirm_courier(job=job, courier=courier, amount=str(job.order.total))
    return cash_confirm_buyer(job=fresh(job), buyer=job.order.buyer)


# (from, to) -> (the job in ``from``, the service call that moves it to ``to``)
PATHS = {
    (None, J.OPEN): (None, made(assign=False)),
    (None, J.ACCEPTED): (None, made(assign=True)),
    (J.OPEN, J.ACCEPTED): (on_the_board, lambda area, courier, job: job_accept(job_id=job.pk, courier=courier)),
    (J.OPEN, J.CANCELLED): (on_the_board, lambda area, courier, job: job_withdraw(job=job, actor=member_of(job.order))),
    (J.ACCEPTED, J.OPEN): (accepted, lambda area, courier, job: job_release(job=job, courier=courier)),
    (J.ACCEPTED, J.PICKED_UP): (
        accepted,
        lambda area, courier, job: pickup_typed(courier=courier, job=job, code=package_short_code(order=job.order)),
    ),
    (J.ACCEPTED, J.CANCELLED): (accepted, lambda area, courier, job: job_withdraw(job=job, actor=member_of(job.order))),
    (J.PICKED_UP, J.AT_DOOR): (
        picked_up,
        lambda area, courier, job: handover_typed(courier=courier, job=job, code=buyer_code(job.order)[1]),
    ),
    (J.PICKED_UP, J.DELIVERED): (
        return_picked_up,
        lambda area, courier, job: return_dropoff_typed(courier=courier, job=job, code=return_codes(job)["dropoff"]),
    ),
    (J.AT_DOOR, J.DELIVERED): (at_the_door, cash_confirmed),
    (J.CANCELLED, J.OPEN): (withdrawn, made(assign=False)),
    (J.CANCELLED, J.ACCEPTED): (withdrawn, made(assign=True)),
}

ALLOWED = sorted(((source, to) for source, targets in JOB_MOVES.items() for to in targets), key=str)
STATUSES = [None, *J.values]
REFUSED = [(source, to) for source in STATUSES for to in J.values if to not in JOB_MOVES.get(source, ())]


def test_the_table_names_every_status_and_every_allowed_move_has_a_path():
    assert set(JOB_MOVES) == set(STATUSES)
    assert set(PATHS) == set(ALLOWED)


@pytest.mark.parametrize(("source", "to"), ALLOWED)
def test_every_allowed_move_works_through_the_services(source, to, shop_area, courier):
    before, move = PATHS[(source, to)]
    job = None if before is None else fresh(before(shop_area, courier))
    assert (job.status if job else None) == source

    moved = move(shop_area, courier, job)

    assert fresh(moved).status == to
    if job is not None:
        assert moved.pk == job.pk


@pytest.mark.parametrize(("source", "to"), REFUSED)
def test_every_other_move_is_refused_and_writes_nothing(source, to, shop_area, courier):
    order = ready_order(shop_area)
    if source is None:
        with pytest.raises(CourierError) as refused:
            job_transition(DeliveryJob(order=order, store=order.store, currency=order.currency), to)
        assert refused.value.reason == "status"
        assert not DeliveryJob.objects.exists()
        return
    held = source in (J.ACCEPTED, J.PICKED_UP, J.AT_DOOR, J.DELIVERED)
    job = DeliveryJobFactory(order=order, status=source, courier=courier if held else None)
    with pytest.raises(CourierError) as refused:
        job_transition(fresh(job), to)
    assert refused.value.reason == "status"
    with pytest.raises(CourierError):
        job_transition_where(DeliveryJob.objects.filter(pk=job.pk), source, to)
    assert fresh(job).status == source
