"""The order state machine, for every (status, target, role): allowed moves succeed and
write exactly one event; forbidden ones raise with a message and change nothing."""

import itertools

import pytest

from couriers.models import DeliveryJob
from shop.orders.models import Order, OrderEvent, OrderStatus
from shop.orders.selectors.transitions import Role, TransitionError, transition_check
from shop.orders.services.orders import order_transition
from tests.factories import CourierProfileFactory, UserFactory
from tests.factories.couriers import DeliveryJobFactory
from tests.factories.orders import OrderFactory, member_of

S = OrderStatus
STATUSES = list(S.values)
ROLES = [Role.BUYER, Role.SELLER, Role.COURIER, Role.STAFF]

# The table, written out again here on purpose: the test must not read the code's table.
ORDINARY = {
    (S.PENDING, S.CONFIRMED): {Role.SELLER, Role.STAFF},
    (S.PENDING, S.CANCELLED): {Role.BUYER, Role.SELLER, Role.STAFF},
    (S.CONFIRMED, S.PREPARING): {Role.SELLER, Role.STAFF},
    (S.CONFIRMED, S.CANCELLED): {Role.BUYER, Role.SELLER, Role.STAFF},
    (S.PREPARING, S.READY): {Role.SELLER, Role.STAFF},
    (S.PREPARING, S.CANCELLED): {Role.SELLER, Role.STAFF},
    (S.READY, S.CANCELLED): {Role.SELLER, Role.STAFF},
    # Without a scan only staff deliver (the scanned moves: test_scanned_moves below).
    (S.OUT_FOR_DELIVERY, S.DELIVERED): {Role.STAFF},
    (S.OUT_FOR_DELIVERY, S.READY): {Role.STAFF},
    (S.OUT_FOR_DELIVERY, S.CANCELLED): {Role.STAFF},
    (S.DELIVERED, S.COMPLETED): {Role.BUYER, Role.STAFF},
    (S.DELIVERED, S.CANCELLED): {Role.STAFF},
    (S.COMPLETED, S.DELIVERED): {Role.STAFF},
    (S.COMPLETED, S.CANCELLED): {Role.STAFF},
    (S.DELIVERED, S.REFUNDED): {Role.STAFF},
    (S.COMPLETED, S.REFUNDED): {Role.STAFF},
}
DELIVERY_ONLY = {(S.READY, S.OUT_FOR_DELIVERY): {Role.SELLER, Role.STAFF}}
PICKUP_ONLY = {(S.READY, S.DELIVERED): {Role.SELLER, Role.STAFF}}
PAID_ONLY = {(S.CANCELLED, S.REFUNDED): {Role.STAFF}}


def expected_allowed(source: str, to: str, role: str, *, pickup: bool, paid: bool) -> bool:
    table = {**ORDINARY, **(PICKUP_ONLY if pickup else DELIVERY_ONLY), **(PAID_ONLY if paid else {})}
    return role in table.get((source, to), set())


def actor_for(order: Order, role: str):
    if role == Role.BUYER:
        return order.buyer
    if role == Role.SELLER:
        return member_of(order)
    if role == Role.COURIER:
        # The courier holding the order's job: without a scan it still cannot move it.
        courier = CourierProfileFactory(status="approved").user
        DeliveryJobFactory(order=order, courier=courier, status=DeliveryJob.Status.ACCEPTED)
        return courier
    return UserFactory(is_staff=True)


KINDS = {"delivery, cash on delivery": (False, False), "pick-up, paid by card": (True, True)}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("source,to,role", list(itertools.product(STATUSES, STATUSES, ROLES)))
def test_every_move_for_every_role(source, to, role, kind):
    pickup, paid = KINDS[kind]
    order = OrderFactory(
        status=source,
        delivery_mode=Order.DeliveryMode.PICKUP if pickup else Order.DeliveryMode.DELIVERY,
        payment_method="card" if paid else "cod",
        items=0,
        handover=False,
    )
    actor = actor_for(order, role)
    events_before = OrderEvent.objects.filter(order=order).count()

    if expected_allowed(source, to, role, pickup=pickup, paid=paid):
        order_transition(order=order, to=to, actor=actor, role=role, note="Because the story says so")
        order.refresh_from_db()
        assert order.status == to
        events = OrderEvent.objects.filter(order=order)
        assert events.count() == events_before + 1
        event = events.last()
        assert (event.from_status, event.to_status, event.actor, event.note) == (source, to, actor, "Because the story says so")
    else:
        with pytest.raises(TransitionError) as refused:
            order_transition(order=order, to=to, actor=actor, role=role, note="Because the story says so")
        assert len(str(refused.value)) > 10
        order.refresh_from_db()
        assert order.status == source
        assert order.stock_released_at is None
        assert OrderEvent.objects.filter(order=order).count() == events_before


@pytest.mark.django_db
def test_store_must_give_a_reason_to_cancel():
    order = OrderFactory(items=0)
    with pytest.raises(TransitionError, match="reason"):
        order_transition(order=order, to=S.CANCELLED, actor=member_of(order), role=Role.SELLER, note="  ")
    order.refresh_from_db()
    assert order.status == S.PENDING


@pytest.mark.django_db
def test_buyer_may_cancel_without_a_reason():
    order = OrderFactory(items=0)
    order_transition(order=order, to=S.CANCELLED, actor=order.buyer, role=Role.BUYER)
    order.refresh_from_db()
    assert order.status == S.CANCELLED


@pytest.mark.django_db
def test_staff_must_leave_a_note():
    order = OrderFactory(items=0)
    with pytest.raises(TransitionError, match="note"):
        order_transition(order=order, to=S.CONFIRMED, actor=UserFactory(is_staff=True), role=Role.STAFF)


@pytest.mark.django_db
def test_buyer_told_why_an_order_being_prepared_cannot_be_cancelled():
    order = OrderFactory(items=0, status=S.PREPARING)
    with pytest.raises(TransitionError, match="started preparing"):
        order_transition(order=order, to=S.CANCELLED, actor=order.buyer, role=Role.BUYER)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.BUYER, Role.SELLER, Role.STAFF])
def test_someone_else_cannot_claim_a_role_on_the_order(role):
    order = OrderFactory(items=0)
    stranger = UserFactory()
    with pytest.raises(TransitionError, match="cannot act"):
        order_transition(order=order, to=S.CANCELLED, actor=stranger, role=role, note="mine now")
    order.refresh_from_db()
    assert order.status == S.PENDING


@pytest.mark.django_db
def test_an_unknown_role_or_status_is_refused_clearly():
    order = OrderFactory(items=0)
    with pytest.raises(TransitionError, match="Unknown role"):
        transition_check(order, S.CONFIRMED, "wizard")
    with pytest.raises(TransitionError, match="Unknown order status"):
        transition_check(order, "teleported", Role.SELLER)


@pytest.mark.django_db
@pytest.mark.parametrize("source,to", [(S.READY, S.OUT_FOR_DELIVERY), (S.OUT_FOR_DELIVERY, S.DELIVERED)])
def test_scanned_moves_belong_to_the_courier_holding_the_job(source, to):
    order = OrderFactory(status=source, items=0, handover=False)
    holder = CourierProfileFactory(status="approved").user
    DeliveryJobFactory(order=order, courier=holder, status=DeliveryJob.Status.ACCEPTED)
    stranger = CourierProfileFactory(status="approved").user

    with pytest.raises(TransitionError, match="as a courier"):
        order_transition(order=order, to=to, actor=stranger, role=Role.COURIER, scanned=True)
    # The store does not send out, or deliver, an order a courier holds by itself.
    if to == S.OUT_FOR_DELIVERY:
        with pytest.raises(TransitionError, match="courier"):
            order_transition(order=order, to=to, actor=member_of(order), role=Role.SELLER, scanned=True)
    order_transition(order=order, to=to, actor=holder, role=Role.COURIER, scanned=True)
    order.refresh_from_db()
    assert order.status == to


@pytest.mark.django_db
def test_store_delivering_itself_needs_the_buyers_code():
    order = OrderFactory(status=S.OUT_FOR_DELIVERY, items=0, handover=False)
    with pytest.raises(TransitionError, match="handover code"):
        order_transition(order=order, to=S.DELIVERED, actor=member_of(order), role=Role.SELLER)
    order_transition(order=order, to=S.DELIVERED, actor=member_of(order), role=Role.SELLER, scanned=True)
    order.refresh_from_db()
    assert order.status == S.DELIVERED
