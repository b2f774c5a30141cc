"""Guessing a courier code is bounded: each scan takes a slot of the courier's per-minute
limit before it is checked (a good one gives it back), and each code checked for a job
takes a slot of the job's lifetime limit (kept when wrong), whoever types it. Racing
requests get exactly the limit through; past the job's limit its codes are taken from
their QR only."""

import pytest
from django.core.cache import caches
from django.test import override_settings

from couriers.models import DeliveryJob, ScanEvent
from couriers.selectors import return_codes
from couriers.services import (
    CourierError,
    handover_scan,
    handover_typed,
    job_accept,
    job_create,
    job_release,
    job_withdraw,
    pickup_scan,
    pickup_typed,
    return_code_scan,
    return_job_create,
    return_pickup_typed,
)
from shop.orders.models import OrderStatus
from shop.orders.services.orders import package_short_code, package_token_make
from tests.concurrency import at_once
from tests.factories.couriers import courier_serving
from tests.factories.orders import member_of

from .conftest import a_minute_passes, buyer_code, ready_order

J = DeliveryJob.Status

# The per-minute limit counts in the clock's minutes: each test's scans fall in one.
pytestmark = pytest.mark.usefixtures("one_rate_window")


def reasons(results) -> list[str]:
    return sorted(getattr(result, "reason", "accepted") for result in results)


def wrong(code: str) -> str:
    return str((int(code) + 1) % 10 ** len(code)).zfill(len(code))


def held(order, courier) -> DeliveryJob:
    job = job_create(order=order, actor=member_of(order))
    job_accept(job_id=job.pk, courier=courier)
    return DeliveryJob.objects.get(pk=job.pk)


def fresh(job) -> DeliveryJob:
    return DeliveryJob.objects.get(pk=job.pk)


# --- The courier's per-minute limit ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_twenty_bad_scans_at_once_are_checked_ten_times(shop_area, district):
    courier = courier_serving(district)
    held(ready_order(shop_area), courier)

    results = at_once([lambda: handover_scan(courier=courier, code="B" * 32) for _ in range(20)])

    assert reasons(results) == ["rate"] * 10 + ["unknown"] * 10
    assert ScanEvent.objects.filter(user=courier, accepted=False).count() == 10


@pytest.mark.django_db
def test_good_scans_give_their_slot_back(shop_area, district, settings):
    settings.SOKO_COURIER_BAD_SCANS_PER_MINUTE = 1
    courier = courier_serving(district)
    first, second = held(ready_order(shop_area), courier), held(ready_order(shop_area), courier)

    pickup_typed(courier=courier, job=first, code=package_short_code(order=first.order))
    pickup_scan(courier=courier, token=package_token_make(order=second.order))

    with pytest.raises(CourierError) as checked:
        handover_scan(courier=courier, code="B" * 32)
    assert checked.value.reason == "unknown"
    with pytest.raises(CourierError) as limited:
        handover_scan(courier=courier, code="B" * 32)
    assert limited.value.reason == "rate"


DEAD_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "OPTIONS": {"socket_connect_timeout": 0.2},
    }
}


@pytest.mark.django_db
def test_with_the_cache_unreachable_no_code_is_checked(shop_area, district):
    courier = courier_serving(district)
    job = held(ready_order(shop_area), courier)
    with override_settings(CACHES=DEAD_REDIS):
        caches["default"].close()
        del caches["default"]
        try:
            with pytest.raises(CourierError) as refused:
                pickup_typed(courier=courier, job=job, code=package_short_code(order=job.order))
        finally:
            del caches["default"]
    assert refused.value.reason == "rate"
    assert fresh(job).status == J.ACCEPTED and fresh(job).wrong_codes == 0


# --- The job's lifetime limit ----------------------------------------------------------


@pytest.fixture
def unhurried(settings):
    """The per-minute limit out of the way, to see the job's own."""
    settings.SOKO_COURIER_BAD_SCANS_PER_MINUTE = 1000
    return settings


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "rounds",
    [
        pytest.param(1, id="any-database"),
        pytest.param(3, id="postgres-row-lock", marks=pytest.mark.postgres),
    ],
)
def test_twenty_wrong_package_codes_at_once_are_checked_ten_times_in_the_jobs_life(
    shop_area, district, unhurried, rounds
):
    courier = courier_serving(district)
    job = held(ready_order(shop_area), courier)
    right = package_short_code(order=job.order)

    for _round in range(rounds):
        results = at_once([lambda: pickup_typed(courier=courier, job=job, code=wrong(right)) for _ in range(20)])
        assert set(reasons(results)) <= {"wrong", "job_locked"}

    assert ScanEvent.objects.filter(job=None, reason="wrong").count() == 10
    assert fresh(job).wrong_codes == 10
    # Even the right code is refused now, and says where to turn.
    with pytest.raises(CourierError, match="Scan the QR code on the package label instead") as locked:
        pickup_typed(courier=courier, job=job, code=right)
    assert locked.value.reason == "job_locked"
    assert fresh(job).status == J.ACCEPTED
    # The label's QR, signed by the site, still picks it up.
    assert pickup_scan(courier=courier, token=package_token_make(order=job.order)).status == J.PICKED_UP


@pytest.mark.django_db
def test_the_limit_counts_every_courier_who_held_the_job_and_survives_a_new_job(
    shop_area, district, unhurried, time_machine
):
    order = ready_order(shop_area)
    first, second = courier_serving(district), courier_serving(district)
    job = held(order, first)
    right = package_short_code(order=order)
    for _ in range(6):
        with pytest.raises(CourierError, match="Wrong pickup code"):
            pickup_typed(courier=first, job=job, code=wrong(right))
    job_release(job=job, courier=first)
    # The store takes it back and makes it anew: the code is the same, so is the count.
    job_withdraw(job=fresh(job), actor=member_of(order))
    job = held(order, second)
    a_minute_passes(time_machine)
    for _ in range(4):
        with pytest.raises(CourierError, match="Wrong pickup code"):
            pickup_typed(courier=second, job=job, code=wrong(right))

    with pytest.raises(CourierError) as locked:
        pickup_typed(courier=second, job=job, code=right)

    assert locked.value.reason == "job_locked" and fresh(job).wrong_codes == 10


@pytest.mark.django_db
def test_a_courier_not_holding_the_job_costs_it_nothing(shop_area, district, unhurried):
    holder, stranger = courier_serving(district), courier_serving(district)
    job = held(ready_order(shop_area), holder)
    for _ in range(12):
        with pytest.raises(CourierError) as refused:
            pickup_typed(courier=stranger, job=job, code="000000")
        assert refused.value.reason == "not_yours"
    assert fresh(job).wrong_codes == 0
    assert pickup_typed(courier=holder, job=job, code=package_short_code(order=job.order)).status == J.PICKED_UP


@pytest.mark.django_db
def test_right_codes_and_refusals_other_than_wrong_give_the_jobs_slot_back(shop_area, district, unhurried):
    courier = courier_serving(district)
    job = held(ready_order(shop_area, status=OrderStatus.PREPARING), courier)
    right = package_short_code(order=job.order)
    for _ in range(9):
        with pytest.raises(CourierError):
            pickup_typed(courier=courier, job=job, code=wrong(right))
    for _ in range(3):  # the right code, but the order is not ready yet
        with pytest.raises(CourierError) as early:
            pickup_typed(courier=courier, job=job, code=right)
        assert early.value.reason == "not_ready"
    assert fresh(job).wrong_codes == 9
    job.order.status = OrderStatus.READY
    job.order.save(update_fields=["status"])

    assert pickup_typed(courier=courier, job=job, code=right).status == J.PICKED_UP
    assert handover_typed(courier=courier, job=fresh(job), code=buyer_code(job.order)[1]).status == J.AT_DOOR
    assert fresh(job).wrong_codes == 9


@pytest.mark.django_db
def test_the_buyers_typed_code_counts_towards_the_job_too(shop_area, district, unhurried, settings):
    settings.SOKO_HANDOVER_MAX_ATTEMPTS = 100  # the code's own cap out of the way
    courier = courier_serving(district)
    job = held(ready_order(shop_area), courier)
    pickup_typed(courier=courier, job=job, code=package_short_code(order=job.order))
    qr, digits = buyer_code(job.order)
    for _ in range(10):
        with pytest.raises(CourierError) as refused:
            handover_typed(courier=courier, job=fresh(job), code=wrong(digits))
        assert refused.value.reason == "wrong"

    with pytest.raises(CourierError, match="Scan the QR code on the buyer's page instead"):
        handover_typed(courier=courier, job=fresh(job), code=digits)
    assert handover_scan(courier=courier, code=qr).status == J.AT_DOOR


@pytest.mark.django_db
def test_a_return_codes_qr_text_is_a_guess_like_a_typed_code(shop_area, district, unhurried):
    delivered = ready_order(shop_area, status=OrderStatus.DELIVERED)
    job = return_job_create(order=delivered, actor=member_of(delivered), payer=DeliveryJob.Payer.SELLER, note="Basket")
    courier = courier_serving(district)
    job_accept(job_id=job.pk, courier=courier)
    right = return_codes(job)["pickup"]
    for _ in range(10):
        with pytest.raises(CourierError) as refused:
            return_code_scan(courier=courier, text=f"SOKO-RETURN-{job.pk}-{wrong(right)}")
        assert refused.value.reason == "wrong"

    with pytest.raises(CourierError, match="arrange a new pickup with new codes") as locked:
        return_pickup_typed(courier=courier, job=fresh(job), code=right)
    assert locked.value.reason == "job_locked"
    with pytest.raises(CourierError):
        return_code_scan(courier=courier, text=return_codes(job)["pickup_qr"])
    assert fresh(job).status == J.ACCEPTED
