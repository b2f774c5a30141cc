"""Delivery jobs from the store's choice to the door: commission, the board, accepting,
pickup and handover scans, cash confirmed by both sides, and who may see what."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import signing
from django.utils import timezone

from couriers.models import CourierProfile, DeliveryJob
from couriers.selectors import jobs_open_for_courier
from couriers.services import (
    CourierError,
    cash_confirm_buyer,
    cash_confirm_courier,
    handover_scan,
    handover_typed,
    job_accept,
    job_create,
    job_withdraw,
    jobs_flag_untaken,
    pickup_scan,
    pickup_typed,
)
from shop.orders.models import HandoverCode, Order, OrderStatus
from shop.orders.selectors.orders import PACKAGE_TOKEN_SALT
from shop.orders.selectors.transitions import Role, TransitionError, moves_for
from shop.orders.services.orders import order_transition, package_short_code, package_token_make
from shop.payments.ledger import accounts
from shop.payments.ledger import services as ledger
from shop.payments.payouts.couriers import courier_balances
from tests.factories import CourierProfileFactory, UserFactory
from tests.factories.couriers import courier_serving
from tests.factories.orders import member_of
from tests.geo.factories import AreaFactory

from .conftest import a_minute_passes, buyer_code, ready_order

pytestmark = pytest.mark.django_db
S = OrderStatus
J = DeliveryJob.Status


def picked_up(job, courier):
    job_accept(job_id=job.pk, courier=courier)
    return pickup_typed(
        courier=courier, job=DeliveryJob.objects.get(pk=job.pk), code=package_short_code(order=job.order)
    )


# Commission -------------------------------------------------------------------------


def test_commission_is_distance_times_rate_plus_bonus(job):
    # One degree of longitude on the equator: 2π × 6371.0088 km / 360 = 111.195 km.
    assert job.distance_km == Decimal("111.20")
    assert job.rate_per_km == Decimal("2.0")
    assert job.commission == Decimal("272.00")  # 111.20 × 2.0 in whole shillings + 50
    assert (job.status, job.courier, job.currency) == (J.OPEN, None, "KES")


def test_without_pins_the_distance_runs_between_area_centroids(shop_area, district):
    order = ready_order(shop_area)
    order.store.__class__.objects.filter(pk=order.store_id).update(latitude=None, longitude=None)
    order.checkout.__class__.objects.filter(pk=order.checkout_id).update(latitude=None, longitude=None)
    order = Order.objects.select_related("store", "checkout").get(pk=order.pk)

    job = job_create(order=order, actor=member_of(order))

    # Parklands (0, 36) to Westlands' centroid (-1.2676, 36.8108): about
    # 111.195 × √(1.2676² + 0.8108²) = 167.31 km on the flat approximation.
    assert job.distance_km == Decimal("167.31")
    assert job.commission == Decimal("335.00")  # 334.62 in whole shillings


def test_commission_reads_the_same_on_the_card_the_store_page_and_earnings(client, job, courier):
    client.force_login(courier)
    assert "KES 272" in client.get("/courier/").content.decode()
    job = picked_up(job, courier)
    handover_typed(courier=courier, job=job, code=buyer_code(job.order)[1])
    cash_confirm_courier(job=job, courier=courier, amount="500.00")
    cash_confirm_buyer(job=job, buyer=job.order.buyer)

    assert "KES 272" in client.get(f"/courier/jobs/{job.pk}/").content.decode()
    assert "KES 272" in client.get("/courier/earnings/").content.decode()
    client.force_login(member_of(job.order))
    assert "KES 272" in client.get(f"/dashboard/orders/{job.order.number}/").content.decode()


def test_bad_bonus_is_refused_with_a_reason(order):
    said = {
        "-5": "The bonus must be zero or more.",
        "abc": "The bonus must be a number, e.g. 50.",
        "NaN": "The bonus must be zero or more.",
        "1e12": "The bonus must be below KES 1,000,000,000.",
    }
    for bonus, reason in said.items():
        with pytest.raises(CourierError) as refused:
            job_create(order=order, actor=member_of(order), bonus=bonus)
        assert str(refused.value) == reason and refused.value.reason == "bonus"
    assert not DeliveryJob.objects.exists()


# The store's choice ------------------------------------------------------------------


def test_a_pickup_order_or_an_order_not_yet_confirmed_gets_no_courier(shop_area):
    pickup = ready_order(shop_area)
    Order.objects.filter(pk=pickup.pk).update(delivery_mode=Order.DeliveryMode.PICKUP)
    pending = ready_order(shop_area, status=S.PENDING)

    with pytest.raises(CourierError, match="pick-up"):
        job_create(order=Order.objects.get(pk=pickup.pk), actor=member_of(pickup))
    with pytest.raises(CourierError, match="pending"):
        job_create(order=pending, actor=member_of(pending))


def test_only_the_store_team_publishes_and_only_once(order):
    with pytest.raises(CourierError):
        job_create(order=order, actor=UserFactory())
    job_create(order=order, actor=member_of(order))
    with pytest.raises(CourierError, match="already has"):
        job_create(order=order, actor=member_of(order))


def test_assigning_a_courier_gives_them_the_job_at_once(order, courier):
    job = job_create(order=order, actor=member_of(order), courier_profile=courier.courier_profile)
    assert (job.status, job.courier, job.assigned) == (J.ACCEPTED, courier, True)
    assert job not in jobs_open_for_courier(user=courier)


def test_a_courier_from_elsewhere_cannot_be_assigned(order):
    far = courier_serving(AreaFactory(name="Mombasa"))
    with pytest.raises(CourierError, match="area"):
        job_create(order=order, actor=member_of(order), courier_profile=far.courier_profile)


def test_the_store_cannot_send_out_or_deliver_an_order_a_courier_holds(job, courier):
    job_accept(job_id=job.pk, courier=courier)
    with pytest.raises(TransitionError, match="package label"):
        order_transition(order=job.order, to=S.OUT_FOR_DELIVERY, actor=member_of(job.order), role=Role.SELLER)


@pytest.mark.parametrize("accepted", [False, True], ids=["open", "accepted"])
def test_staff_cannot_send_out_an_order_whose_courier_job_is_still_on_until_the_store_withdraws_it(
    job, courier, accepted
):
    if accepted:
        job_accept(job_id=job.pk, courier=courier)
    staff = UserFactory(is_staff=True)
    with pytest.raises(TransitionError, match="store can withdraw the job"):
        order_transition(order=job.order, to=S.OUT_FOR_DELIVERY, actor=staff, role=Role.STAFF, note="Courier unreachable")
    assert S.OUT_FOR_DELIVERY not in moves_for(job.order, Role.STAFF)

    job_withdraw(job=job, actor=member_of(job.order))
    order = order_transition(order=job.order, to=S.OUT_FOR_DELIVERY, actor=staff, role=Role.STAFF, note="Store's rider")
    assert order.status == S.OUT_FOR_DELIVERY


def test_untaken_jobs_are_flagged_to_the_store_once(job):
    DeliveryJob.objects.filter(pk=job.pk).update(published_at=timezone.now() - timedelta(hours=2))
    owner = member_of(job.order)

    assert jobs_flag_untaken() == 1
    assert jobs_flag_untaken() == 0
    assert owner.notifications.filter(text__contains="No courier has taken").count() == 1


# The board ---------------------------------------------------------------------------


def test_the_board_shows_open_jobs_in_the_couriers_areas_only(job, courier):
    elsewhere = courier_serving(AreaFactory(name="Pakistan"))
    assert list(jobs_open_for_courier(user=courier)) == [job]
    assert list(jobs_open_for_courier(user=elsewhere)) == []


def test_the_board_sorts_by_distance_from_the_courier(shop_area, courier):
    near, far = ready_order(shop_area), ready_order(shop_area)
    job_far = job_create(order=far, actor=member_of(far))
    job_near = job_create(order=near, actor=member_of(near))
    DeliveryJob.objects.filter(pk=job_far.pk).update(pickup_latitude=Decimal("1"), pickup_longitude=Decimal("36"))

    by_distance = list(jobs_open_for_courier(user=courier, latitude="0.1", longitude="36"))
    assert by_distance == [job_near, job_far]
    # Newest first without a location.
    assert list(jobs_open_for_courier(user=courier)) == [job_near, job_far]


def test_the_second_courier_to_accept_hears_it_is_taken(job, courier, rival):
    job_accept(job_id=job.pk, courier=courier)
    with pytest.raises(CourierError, match="already took") as taken:
        job_accept(job_id=job.pk, courier=rival)
    assert taken.value.reason == "taken"
    job.refresh_from_db()
    assert job.courier == courier


def test_off_duty_and_unapproved_couriers_cannot_accept(job, courier):
    CourierProfile.objects.filter(user=courier).update(availability=CourierProfile.Availability.OFF)
    with pytest.raises(CourierError, match="off duty"):
        job_accept(job_id=job.pk, courier=courier)
    pending = CourierProfileFactory(status=CourierProfile.Status.PENDING).user
    with pytest.raises(CourierError, match="approved"):
        job_accept(job_id=job.pk, courier=pending)
    assert DeliveryJob.objects.get(pk=job.pk).status == J.OPEN


# Pickup ------------------------------------------------------------------------------


def test_scanning_the_package_label_sends_the_order_out(job, courier):
    job_accept(job_id=job.pk, courier=courier)
    job = pickup_scan(courier=courier, token=package_token_make(order=job.order))
    assert job.status == J.PICKED_UP
    assert Order.objects.get(pk=job.order_id).status == S.OUT_FOR_DELIVERY
    assert job.order.buyer.notifications.filter(text__contains="on its way").exists()


def test_pickup_is_refused_for_a_forged_label_another_couriers_job_or_an_unready_order(shop_area, job, courier, rival):
    job = job_accept(job_id=job.pk, courier=courier)
    forged = signing.Signer(salt=PACKAGE_TOKEN_SALT, key="not-the-key").sign(job.order.number)
    with pytest.raises(CourierError, match="package label"):
        pickup_scan(courier=courier, token=forged)
    with pytest.raises(CourierError, match="not one of your"):
        pickup_scan(courier=rival, token=package_token_make(order=job.order))
    with pytest.raises(CourierError, match="Wrong pickup code"):
        pickup_typed(
            courier=courier, job=job, code="000000" if package_short_code(order=job.order) != "000000" else "111111"
        )

    preparing = ready_order(shop_area, status=S.PREPARING)
    early = job_create(order=preparing, actor=member_of(preparing))
    job_accept(job_id=early.pk, courier=courier)
    with pytest.raises(CourierError, match="not ready"):
        pickup_scan(courier=courier, token=package_token_make(order=preparing))
    assert Order.objects.get(pk=job.order_id).status == S.READY
    assert Order.objects.get(pk=preparing.pk).status == S.PREPARING


# Handover ----------------------------------------------------------------------------


def snapshot(order):
    order = Order.objects.get(pk=order.pk)
    handover = HandoverCode.objects.get(order=order)
    job = DeliveryJob.objects.get(order=order)
    return (order.status, handover.used_at, job.status, order.events.count())


def test_each_bad_handover_code_is_refused_and_changes_nothing(shop_area, job, courier, rival):
    job = picked_up(job, courier)
    other = ready_order(shop_area)
    picked_up(job_create(order=other, actor=member_of(other)), rival)
    qr, digits = buyer_code(job.order)
    before = snapshot(job.order)

    refusals = {
        "wrong": lambda: handover_scan(courier=courier, code="A" * 32),
        "wrong digits": lambda: handover_typed(
            courier=courier, job=job, code="00000000" if digits != "00000000" else "11111111"
        ),
        "other order's": lambda: handover_typed(courier=courier, job=job, code=buyer_code(other)[1]),
        "courier without the job": lambda: handover_scan(courier=rival, code=qr),
    }
    for name, attempt in refusals.items():
        with pytest.raises(CourierError):
            attempt()
        assert snapshot(job.order)[:3] == before[:3], name

    HandoverCode.objects.filter(order=job.order).update(expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(CourierError, match="expired"):
        handover_scan(courier=courier, code=qr)
    assert snapshot(job.order) == before


def test_a_used_code_is_refused_the_second_time(shop_area, courier):
    paid = ready_order(shop_area, payment_method="card")
    job = picked_up(job_create(order=paid, actor=member_of(paid)), courier)
    qr, _digits = buyer_code(paid)

    handover_scan(courier=courier, code=qr)
    with pytest.raises(CourierError, match="already used"):
        handover_scan(courier=courier, code=qr)
    assert Order.objects.get(pk=paid.pk).events.filter(to_status=S.DELIVERED).count() == 1
    assert DeliveryJob.objects.get(pk=job.pk).status == J.DELIVERED


def test_a_paid_order_is_delivered_at_the_scan_and_the_courier_earns_its_commission(shop_area, courier):
    paid = ready_order(shop_area, payment_method="card")
    job = picked_up(job_create(order=paid, actor=member_of(paid), bonus="50"), courier)

    job = handover_scan(courier=courier, code=buyer_code(paid)[0])

    assert job.status == J.DELIVERED
    assert Order.objects.get(pk=paid.pk).status == S.DELIVERED
    assert ledger.balance(accounts.courier_commission(courier.pk), "KES") == -27200
    assert ledger.balance(accounts.courier_cash(courier.pk), "KES") == 0
    assert CourierProfile.objects.get(user=courier).deliveries_count == 1


def test_too_many_bad_scans_in_a_minute_are_refused_unchecked(job, courier, time_machine, one_rate_window):
    job = picked_up(job, courier)
    for _ in range(10):
        with pytest.raises(CourierError):
            handover_scan(courier=courier, code="B" * 32)
    with pytest.raises(CourierError, match="Too many") as limited:
        handover_scan(courier=courier, code=buyer_code(job.order)[0])
    assert limited.value.reason == "rate"
    assert HandoverCode.objects.get(order=job.order).used_at is None
    # A minute later the courier may scan again.
    a_minute_passes(time_machine)
    assert handover_scan(courier=courier, code=buyer_code(job.order)[0]).status == J.AT_DOOR


# Cash at the door ----------------------------------------------------------------------


def test_cash_needs_both_confirmations_before_the_order_is_delivered(job, courier):
    job = picked_up(job, courier)
    job = handover_typed(courier=courier, job=job, code=buyer_code(job.order)[1])
    order = job.order
    assert job.status == J.AT_DOOR
    assert Order.objects.get(pk=order.pk).status == S.OUT_FOR_DELIVERY

    with pytest.raises(CourierError, match="exactly"):
        cash_confirm_courier(job=job, courier=courier, amount="450")
    job = cash_confirm_courier(job=job, courier=courier, amount="500.00")
    assert Order.objects.get(pk=order.pk).status == S.OUT_FOR_DELIVERY
    assert ledger.balance(accounts.courier_cash(courier.pk), "KES") == 0

    job = cash_confirm_buyer(job=job, buyer=order.buyer)
    assert job.status == J.DELIVERED
    delivered = Order.objects.get(pk=order.pk)
    assert delivered.status == S.DELIVERED and delivered.delivered_at is not None
    assert ledger.balance(accounts.courier_cash(courier.pk), "KES") == 50000

    # A repeated confirmation changes nothing, and the cash is recorded once.
    with pytest.raises(CourierError):
        cash_confirm_buyer(job=job, buyer=order.buyer)
    with pytest.raises(CourierError):
        cash_confirm_courier(job=job, courier=courier, amount="500.00")
    assert ledger.balance(accounts.courier_cash(courier.pk), "KES") == 50000
    balance = courier_balances(courier.pk)[0]
    assert (balance.cash_held, balance.commission_owed, balance.to_remit) == (
        Decimal("500.00"),
        Decimal("272.00"),
        Decimal("228.00"),
    )


def test_the_buyer_may_confirm_first(job, courier):
    job = picked_up(job, courier)
    job = handover_typed(courier=courier, job=job, code=buyer_code(job.order)[1])
    cash_confirm_buyer(job=job, buyer=job.order.buyer)
    assert Order.objects.get(pk=job.order_id).status == S.OUT_FOR_DELIVERY
    assert cash_confirm_courier(job=job, courier=courier, amount="500").status == J.DELIVERED


def test_nobody_else_confirms_the_cash(job, courier, rival):
    job = picked_up(job, courier)
    job = handover_typed(courier=courier, job=job, code=buyer_code(job.order)[1])
    with pytest.raises(CourierError):
        cash_confirm_courier(job=job, courier=rival, amount="500")
    with pytest.raises(CourierError):
        cash_confirm_buyer(job=job, buyer=UserFactory())
    job.refresh_from_db()
    assert job.cash_courier_confirmed_at is None and job.cash_buyer_confirmed_at is None


# Who pays the courier ------------------------------------------------------------------


def test_a_store_passing_the_fare_on_charges_the_buyer_by_distance_at_checkout(shop_area):
    from shop.orders.selectors.checkout import address_point, delivery_fee
    from shop.orders.selectors.fares import Point

    order = ready_order(shop_area)
    store = order.store
    dropoff = Point(Decimal("0"), Decimal("37"))  # 111.20 km east of the store
    assert delivery_fee(store=store, mode=Order.DeliveryMode.DELIVERY, dropoff=dropoff) == Decimal("200")

    store.courier_fee_payer = "buyer"
    assert delivery_fee(store=store, mode=Order.DeliveryMode.DELIVERY, dropoff=dropoff) == Decimal("422.00")
    assert delivery_fee(store=store, mode=Order.DeliveryMode.PICKUP, dropoff=dropoff) == Decimal("0")
    # No known drop-off point (a new address not saved yet): the flat fee alone.
    assert delivery_fee(store=store, mode=Order.DeliveryMode.DELIVERY, dropoff=None) == Decimal("200")
    assert address_point(order.checkout) == Point(Decimal("0"), Decimal("37"))

    store.save(update_fields=["courier_fee_payer"])
    job = job_create(order=order, actor=member_of(order))
    assert (job.commission_payer, job.commission) == ("buyer", Decimal("222.00"))
