"""The acceptance path with a courier: request → approve with a courier pickup → the
courier types the buyer's pickup code, then the store's drop-off code → received (by the
couriers' signal), which proves arrival, not acceptance → the store inspects and refunds;
for a card-paid order (development gateway) and a cash one."""

from decimal import Decimal

import pytest

from couriers.models import DeliveryJob
from couriers.selectors import return_codes
from couriers.services import job_accept, return_dropoff_typed, return_pickup_typed
from returns import services as return_services
from returns.models import ReturnStatus
from returns.services import return_approve, return_cancel, return_receive, return_request_create
from shop.orders.models import Checkout
from shop.payments.models import Refund
from tests.factories.addresses import westlands
from tests.factories.couriers import courier_serving
from tests.geo.factories import AreaFactory

from .conftest import balanced, delivered_order, member

pytestmark = pytest.mark.django_db
S = ReturnStatus


def placed_in_nairobi(order):
    """The store in Parklands, the buyer in Westlands: a courier of the district serves both."""
    district = westlands().parent
    area = AreaFactory(name="Parklands", parent=district, latitude=Decimal("0"), longitude=Decimal("36"))
    store = order.store
    store.area, store.latitude, store.longitude = area, Decimal("0"), Decimal("36")
    store.save(update_fields=["area", "latitude", "longitude"])
    Checkout.objects.filter(pk=order.checkout_id).update(
        area=westlands(), latitude=Decimal("0"), longitude=Decimal("37")
    )
    return courier_serving(district)


@pytest.mark.parametrize("method", ["card", "cod"])
def test_courier_code_marks_received_and_the_store_refunds_after_inspecting(method, django_capture_on_commit_callbacks):
    order = delivered_order(method=method)
    courier = placed_in_nairobi(order)
    store_user = member(order)
    item = order.items.order_by("id").first()
    request = return_request_create(order=order, buyer=order.buyer, lines={item.pk: 2}, reason="wrong_item")

    request = return_approve(request=request, actor=store_user, method="courier", payer="seller", instructions="Box it")
    assert request.status == S.APPROVED and request.job.kind == DeliveryJob.Kind.RETURN
    codes = return_codes(request.job)
    job = job_accept(job_id=request.job.pk, courier=courier)
    return_pickup_typed(courier=courier, job=job, code=codes["pickup"])
    with django_capture_on_commit_callbacks(execute=True):
        return_dropoff_typed(courier=courier, job=DeliveryJob.objects.get(pk=request.job.pk), code=codes["dropoff"])

    request.refresh_from_db()
    assert request.status == S.RECEIVED and request.received_at is not None
    assert not Refund.objects.filter(order=order).exists(), "the courier's code proves arrival, not acceptance"

    with django_capture_on_commit_callbacks(execute=True):  # the provider is asked after commit
        request = return_services.return_accept(request=request, actor=store_user, note="Both unused, in their box")
    request.refresh_from_db()
    assert request.status == S.REFUNDED and request.inspection_note == "Both unused, in their box"
    assert request.refund.amount_minor == 50000 and request.refund.lines == {str(item.pk): 2}
    assert request.refund.status == (Refund.Status.SUCCEEDED if method == "card" else Refund.Status.MANUAL)
    roles = [(event.role, event.to_status) for event in request.events.all()]
    assert ("courier", S.RECEIVED) in roles
    assert balanced()


def test_the_store_receiving_goods_a_courier_picked_up_ends_the_job_once(django_capture_on_commit_callbacks):
    order = delivered_order(method="card")
    courier = placed_in_nairobi(order)
    store_user = member(order)
    request = return_request_create(
        order=order, buyer=order.buyer, lines={order.items.order_by("id").first().pk: 1}, reason="damaged"
    )
    request = return_approve(request=request, actor=store_user, method="courier", payer="buyer")
    job = job_accept(job_id=request.job.pk, courier=courier)
    return_pickup_typed(courier=courier, job=job, code=return_codes(job)["pickup"])
    with django_capture_on_commit_callbacks(execute=True):
        request = return_receive(request=request, actor=store_user, resellable=True)
    request.refresh_from_db()
    assert request.status == S.RECEIVED and request.job.status == DeliveryJob.Status.DELIVERED
    assert not Refund.objects.filter(order=order).exists() and request.restocked_at is not None
    request = return_services.return_accept(request=request, actor=store_user)
    assert request.status == S.REFUNDED and Refund.objects.filter(order=order).count() == 1


def test_cancelling_before_pickup_withdraws_the_courier_job():
    order = delivered_order(method="cod")
    placed_in_nairobi(order)
    request = return_request_create(
        order=order, buyer=order.buyer, lines={order.items.order_by("id").first().pk: 1}, reason="changed_mind"
    )
    request = return_approve(request=request, actor=member(order), method="courier", payer="seller")
    request = return_cancel(request=request, buyer=order.buyer)
    assert request.status == S.CANCELLED
    assert DeliveryJob.objects.get(pk=request.job_id).status == DeliveryJob.Status.CANCELLED
