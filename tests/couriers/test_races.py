"""Couriers racing, in real threads with their own connections (row locks: PostgreSQL)."""

import pytest

from couriers.models import DeliveryJob
from couriers.services import CourierError, handover_scan, job_accept, job_create, pickup_typed
from shop.orders.models import Order, OrderStatus
from shop.orders.services.orders import package_short_code
from tests.concurrency import at_once
from tests.factories.couriers import courier_serving
from tests.factories.orders import member_of

from .conftest import buyer_code, ready_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_couriers_accepting_the_same_job_at_once_one_holds_it(shop_area, district):
    order = ready_order(shop_area)
    job = job_create(order=order, actor=member_of(order))
    couriers = [courier_serving(district) for _ in range(2)]

    for _round in range(3):  # a few rounds, so the race is really run
        DeliveryJob.objects.filter(pk=job.pk).update(status=DeliveryJob.Status.OPEN, courier=None)
        results = at_once([lambda c=c: job_accept(job_id=job.pk, courier=c) for c in couriers])

        winners = [r for r in results if isinstance(r, DeliveryJob)]
        losers = [r for r in results if isinstance(r, CourierError)]
        assert len(winners) == 1 and len(losers) == 1, results
        assert losers[0].reason == "taken"
        assert "already took" in str(losers[0])
        assert DeliveryJob.objects.get(pk=job.pk).courier_id == winners[0].courier_id


def test_the_same_good_code_scanned_twice_at_once_delivers_once(shop_area, district):
    order = ready_order(shop_area, payment_method="card")
    courier = courier_serving(district)
    job = job_create(order=order, actor=member_of(order))
    job_accept(job_id=job.pk, courier=courier)
    pickup_typed(courier=courier, job=DeliveryJob.objects.get(pk=job.pk), code=package_short_code(order=order))
    qr, _digits = buyer_code(order)

    results = at_once([lambda: handover_scan(courier=courier, code=qr) for _ in range(2)])

    assert sum(isinstance(r, DeliveryJob) for r in results) == 1, results
    assert sum(isinstance(r, CourierError) for r in results) == 1
    order = Order.objects.get(pk=order.pk)
    assert order.status == OrderStatus.DELIVERED
    assert order.events.filter(to_status=OrderStatus.DELIVERED).count() == 1
