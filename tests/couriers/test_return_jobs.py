"""Return pickups: the store sends a courier to the buyer's address for returned goods;
the courier takes the buyer's pickup code, then the store's drop-off code."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Sum

from couriers.models import DeliveryJob, ScanEvent
from couriers.selectors import jobs_open_for_courier, return_codes
from couriers.services import (
    CourierError,
    job_accept,
    job_create,
    job_withdraw,
    return_code_scan,
    return_dropoff_typed,
    return_job_create,
    return_job_received_by_store,
    return_pickup_typed,
)
from couriers.signals import return_job_delivered
from shop.orders.models import Order, OrderStatus
from shop.payments.ledger import accounts
from shop.payments.ledger import services as ledger
from shop.payments.models import LedgerTransaction
from tests.concurrency import at_once
from tests.factories import UserFactory
from tests.factories.orders import member_of
from tests.html import dom

from .conftest import ready_order

pytestmark = pytest.mark.django_db
S = OrderStatus
J = DeliveryJob.Status
P = DeliveryJob.Payer


@pytest.fixture
def delivered(shop_area) -> Order:
    return ready_order(shop_area, status=S.DELIVERED)


@pytest.fixture
def received():
    """The jobs ``return_job_delivered`` was sent for, in order."""
    jobs = []

    def receiver(sender, job, **kwargs):
        jobs.append(job.pk)

    return_job_delivered.connect(receiver, dispatch_uid="test-return-received")
    yield jobs
    return_job_delivered.disconnect(dispatch_uid="test-return-received")


def make(order, payer=P.SELLER, **kw) -> DeliveryJob:
    return return_job_create(order=order, actor=member_of(order), payer=payer, note="2 × Basket", **kw)


def fresh(job) -> DeliveryJob:
    return DeliveryJob.objects.get(pk=job.pk)


def balanced() -> bool:
    for posted in LedgerTransaction.objects.all():
        sums = posted.entries.values("account__currency").annotate(total=Sum("amount_minor"))
        assert all(row["total"] == 0 for row in sums), (posted.key, list(sums))
    return True


# Making one ------------------------------------------------------------------------------


def test_a_return_pickup_runs_from_the_buyer_to_the_store_and_is_on_the_board(delivered, courier):
    job = make(delivered, bonus="50")

    assert (job.kind, job.return_order, job.order, job.for_order) == ("return", delivered, None, delivered)
    assert (job.status, job.note, job.commission_payer) == (J.OPEN, "2 × Basket", P.SELLER)
    # The reverse of the delivery: the buyer (0, 37) to the store (0, 36).
    assert (job.pickup_longitude, job.dropoff_longitude) == (Decimal("37"), Decimal("36"))
    assert job.pickup_area == delivered.checkout.area and job.dropoff_area == delivered.store.area
    assert job.commission == Decimal("272.00")  # 111.20 km × 2.0 in whole shillings + 50, like a delivery
    assert list(jobs_open_for_courier(user=courier)) == [job]
    # The delivery side of the order is untouched.
    assert not DeliveryJob.objects.filter(order=delivered).exists()


def test_the_board_and_the_job_page_show_a_return_pickup(client, delivered, courier):
    job = make(delivered, payer=P.BUYER)
    client.force_login(courier)

    board = client.get("/courier/").content.decode()
    assert "Return pickup" in board and delivered.number in board and "2 × Basket" in board

    page = client.get(f"/courier/jobs/{job.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Return pickup" in html and "collect KES 222 in cash" in dom(html).one("[data-testid=return-cash]").text
    assert "(the address shows once you accept)" in html  # the buyer's street only for its courier


def test_codes_are_eight_digits_stable_and_distinct(delivered):
    job = make(delivered)
    codes = return_codes(job)
    assert len(codes["pickup"]) == len(codes["dropoff"]) == 8 and codes["pickup"].isdigit()
    assert codes["pickup"] != codes["dropoff"]
    assert return_codes(fresh(job)) == codes
    assert codes["pickup_qr"] == f"SOKO-RETURN-{job.pk}-{codes['pickup']}"
    assert return_codes(make(ready_order(delivered.store.area, status=S.COMPLETED)))["pickup"] != codes["pickup"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("not_member", "not_member"),
        ("pickup_mode", "pickup"),
        ("not_delivered", "status"),
        ("payer", "payer"),
        ("bonus", "bonus"),
    ],
)
def test_refusals(delivered, change, reason):
    actor, payer, bonus = member_of(delivered), P.SELLER, "0"
    if change == "not_member":
        actor = UserFactory()
    if change == "pickup_mode":
        Order.objects.filter(pk=delivered.pk).update(delivery_mode=Order.DeliveryMode.PICKUP)
    if change == "not_delivered":
        Order.objects.filter(pk=delivered.pk).update(status=S.OUT_FOR_DELIVERY)
    if change == "payer":
        payer = "staff"
    if change == "bonus":
        bonus = "-5"
    with pytest.raises(CourierError) as refused:
        return_job_create(order=delivered, actor=actor, payer=payer, note="", bonus=bonus)
    assert refused.value.reason == reason
    assert not DeliveryJob.objects.exists()


def test_one_return_pickup_under_way_per_order(delivered, courier):
    first = make(delivered)
    with pytest.raises(CourierError) as refused:
        make(delivered)
    assert refused.value.reason == "exists"
    # The database keeps it too.
    with pytest.raises(IntegrityError), transaction.atomic():
        DeliveryJob.objects.create(
            kind="return",
            return_order=delivered,
            store=delivered.store,
            distance_km=0,
            rate_per_km=0,
            commission=0,
            currency="KES",
        )
    job_withdraw(job=first, actor=member_of(delivered))
    second = make(delivered)  # withdrawn: another may be sent
    assert second.pk != first.pk and delivered.return_jobs.count() == 2


def test_a_kind_without_its_order_is_refused_by_the_database(delivered):
    with pytest.raises(IntegrityError), transaction.atomic():
        DeliveryJob.objects.create(
            kind="delivery",
            return_order=delivered,
            store=delivered.store,
            distance_km=0,
            rate_per_km=0,
            commission=0,
            currency="KES",
        )


# The courier's path ------------------------------------------------------------------------


def test_full_path_with_typed_codes_sends_the_signal_once(
    delivered, courier, rival, received, django_capture_on_commit_callbacks
):
    job = make(delivered)
    codes = return_codes(job)
    job_accept(job_id=job.pk, courier=courier)
    with pytest.raises(CourierError) as taken:
        job_accept(job_id=job.pk, courier=rival)
    assert taken.value.reason == "taken"

    with pytest.raises(CourierError) as wrong:
        return_pickup_typed(courier=courier, job=fresh(job), code="12345678")
    assert wrong.value.reason == "wrong" and fresh(job).status == J.ACCEPTED
    with pytest.raises(CourierError) as other:
        return_pickup_typed(courier=rival, job=fresh(job), code=codes["pickup"])
    assert other.value.reason == "not_yours"
    # The store's code does not pick up.
    with pytest.raises(CourierError):
        return_pickup_typed(courier=courier, job=fresh(job), code=codes["dropoff"])

    job = return_pickup_typed(courier=courier, job=fresh(job), code=codes["pickup"][:4] + " " + codes["pickup"][4:])
    assert job.status == J.PICKED_UP and job.picked_up_at is not None
    assert courier.courier_profile.__class__.objects.get(user=courier).availability == "busy"

    with pytest.raises(CourierError) as wrong:
        return_dropoff_typed(courier=courier, job=fresh(job), code=codes["pickup"])
    assert wrong.value.reason == "wrong"
    with django_capture_on_commit_callbacks(execute=True):
        job = return_dropoff_typed(courier=courier, job=fresh(job), code=codes["dropoff"])
    assert job.status == J.DELIVERED and job.delivered_at is not None
    assert received == [job.pk]

    # Again, or the store confirming afterwards: nothing more is sent.
    with pytest.raises(CourierError) as again:
        return_dropoff_typed(courier=courier, job=fresh(job), code=codes["dropoff"])
    assert again.value.reason == "status"
    with django_capture_on_commit_callbacks(execute=True):
        return_job_received_by_store(job=job, actor=member_of(delivered))
    assert received == [job.pk]
    # The order itself does not move.
    assert Order.objects.get(pk=delivered.pk).status == S.DELIVERED
    assert ScanEvent.objects.filter(job=job, accepted=True, kind="dropoff").count() == 1


def test_the_scanner_reads_the_return_codes_qr(delivered, courier, received, django_capture_on_commit_callbacks):
    job = make(delivered)
    codes = return_codes(job)
    job_accept(job_id=job.pk, courier=courier)
    assert return_code_scan(courier=courier, text=codes["pickup_qr"]).status == J.PICKED_UP
    with django_capture_on_commit_callbacks(execute=True):
        assert return_code_scan(courier=courier, text=codes["dropoff_qr"]).status == J.DELIVERED
    assert received == [job.pk]
    with pytest.raises(CourierError) as unknown:
        return_code_scan(courier=courier, text="SOKO-RETURN-999999-12345678")
    assert unknown.value.reason == "not_yours"


def test_wrong_codes_hit_the_bad_scan_limit(delivered, courier, settings, one_rate_window):
    settings.SOKO_COURIER_BAD_SCANS_PER_MINUTE = 3
    job = make(delivered)
    job_accept(job_id=job.pk, courier=courier)
    for _ in range(3):
        with pytest.raises(CourierError, match="Wrong pickup code"):
            return_pickup_typed(courier=courier, job=fresh(job), code="00000000")
    with pytest.raises(CourierError, match="Too many") as limited:
        return_pickup_typed(courier=courier, job=fresh(job), code=return_codes(job)["pickup"])
    assert limited.value.reason == "rate" and fresh(job).status == J.ACCEPTED


def test_the_job_page_takes_the_typed_codes(client, delivered, courier, received, django_capture_on_commit_callbacks):
    job = make(delivered)
    codes = return_codes(job)
    client.force_login(courier)
    client.post(f"/courier/jobs/{job.pk}/accept/")
    page = client.get(f"/courier/jobs/{job.pk}/").content.decode()
    assert dom(page).has("form[data-testid=return-pickup-form]") and delivered.checkout.street in page

    response = client.post(f"/courier/jobs/{job.pk}/code/", {"code": "11111111"})
    assert response.status_code == 422 and fresh(job).status == J.ACCEPTED
    assert "Wrong pickup code" in dom(response).one("[data-testid=form-refused]").text
    assert dom(response).one("form[data-testid=return-pickup-form] input[name=code]").attr("value") == "11111111"
    client.post(f"/courier/jobs/{job.pk}/code/", {"code": codes["pickup"]})
    assert fresh(job).status == J.PICKED_UP
    assert dom(client.get(f"/courier/jobs/{job.pk}/")).has("form[data-testid=return-dropoff-form]")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/courier/jobs/{job.pk}/code/", {"code": codes["dropoff"]})
    assert fresh(job).status == J.DELIVERED and received == [job.pk]
    # Delivery-only moves are refused for a return pickup (the page says why), not a server error.
    assert client.post(f"/courier/jobs/{job.pk}/cash/", {"amount": "1"}).status_code == 422


def test_the_courier_may_message_the_buyer_about_the_pickup(client, delivered, courier):
    job = make(delivered)
    job_accept(job_id=job.pk, courier=courier)
    client.force_login(courier)
    response = client.post(f"/messages/delivery/{job.pk}/")
    assert response.status_code == 302 and "/messages/" in response["Location"]


# The store's side ------------------------------------------------------------------------


def test_the_store_confirms_receipt_of_picked_up_goods(
    delivered, courier, received, django_capture_on_commit_callbacks
):
    job = make(delivered)
    job_accept(job_id=job.pk, courier=courier)
    with pytest.raises(CourierError) as stranger:
        return_job_received_by_store(job=job, actor=UserFactory())
    assert stranger.value.reason == "not_member"
    return_pickup_typed(courier=courier, job=fresh(job), code=return_codes(job)["pickup"])
    with django_capture_on_commit_callbacks(execute=True):
        job = return_job_received_by_store(job=job, actor=member_of(delivered))
    assert job.status == J.DELIVERED and job.delivered_at is not None
    assert received == [job.pk]
    with django_capture_on_commit_callbacks(execute=True):
        return_job_received_by_store(job=job, actor=member_of(delivered))
    assert received == [job.pk]


def test_goods_back_before_pickup_withdraw_the_job(delivered, courier, received, django_capture_on_commit_callbacks):
    job = make(delivered)
    job_accept(job_id=job.pk, courier=courier)
    with django_capture_on_commit_callbacks(execute=True):
        job = return_job_received_by_store(job=job, actor=member_of(delivered))
    assert job.status == J.CANCELLED and received == []


def test_the_store_withdraws_before_pickup_not_after(delivered, courier):
    job = make(delivered)
    job_accept(job_id=job.pk, courier=courier)
    return_pickup_typed(courier=courier, job=fresh(job), code=return_codes(job)["pickup"])
    with pytest.raises(CourierError) as late:
        job_withdraw(job=job, actor=member_of(delivered))
    assert late.value.reason == "status"
    other = make(ready_order(delivered.store.area, status=S.COMPLETED, store=delivered.store))
    assert job_withdraw(job=other, actor=member_of(delivered)).status == J.CANCELLED


def test_the_buyer_calls_off_a_return_pickup_and_its_courier_hears_of_it(delivered, courier):
    job = make(delivered)
    job_accept(job_id=job.pk, courier=courier)
    with pytest.raises(CourierError) as stranger:
        job_withdraw(job=job, actor=UserFactory())
    assert stranger.value.reason == "not_member"
    assert job_withdraw(job=fresh(job), actor=delivered.buyer).status == J.CANCELLED
    told = courier.notifications.order_by("-id").first()
    assert f"The buyer called off the return pickup of order {delivered.number}." == told.text
    delivery_order = ready_order(delivered.store.area, store=delivered.store)
    delivery = job_create(order=delivery_order, actor=member_of(delivered))
    with pytest.raises(CourierError):  # the buyer of a delivery cannot take it off the board
        job_withdraw(job=delivery, actor=delivery_order.buyer)
    assert fresh(delivery).status == J.OPEN


def test_a_delivery_job_is_not_a_return(shop_area):
    order = ready_order(shop_area)
    job = job_create(order=order, actor=member_of(order))
    assert (job.kind, job.for_order, job.is_return, return_codes(job)) == ("delivery", order, False, {})
    with pytest.raises(CourierError) as refused:
        return_job_received_by_store(job=job, actor=member_of(order))
    assert refused.value.reason == "not_return"


# Money ---------------------------------------------------------------------------------------


def test_a_store_paid_return_posts_the_commission_once_and_the_ledger_balances(delivered, courier):
    job = make(delivered, bonus="50")
    job_accept(job_id=job.pk, courier=courier)
    codes = return_codes(job)
    return_pickup_typed(courier=courier, job=fresh(job), code=codes["pickup"])
    assert not LedgerTransaction.objects.filter(key=f"commission:return_job:{job.pk}").exists()
    job = return_dropoff_typed(courier=courier, job=fresh(job), code=codes["dropoff"])
    return_job_received_by_store(job=job, actor=member_of(delivered))

    assert LedgerTransaction.objects.filter(key=f"commission:return_job:{job.pk}").count() == 1
    assert ledger.balance(accounts.courier_commission(courier.pk), "KES") == -27200
    assert ledger.balance(accounts.store_payable(delivered.store_id), "KES") == 27200
    assert balanced()


def test_a_buyer_paid_return_shows_the_cash_and_posts_nothing(client, delivered, courier):
    job = make(delivered, payer=P.BUYER)
    job_accept(job_id=job.pk, courier=courier)
    client.force_login(courier)
    html = client.get(f"/courier/jobs/{job.pk}/").content.decode()
    assert dom(html).one("[data-testid=return-cash] strong").text == "KES 222"
    assert "collect KES 222 in cash from the buyer" in dom(html).one("[data-testid=return-cash]").text
    codes = return_codes(job)
    return_pickup_typed(courier=courier, job=fresh(job), code=codes["pickup"])
    return_dropoff_typed(courier=courier, job=fresh(job), code=codes["dropoff"])
    assert not LedgerTransaction.objects.filter(key__startswith="commission:return_job").exists()
    earnings = client.get("/courier/earnings/").content.decode()
    assert "Return pickup" in earnings and "KES 222" in earnings


# The courier's pages ---------------------------------------------------------------------


def _rated_delivery(courier, shop_area, stars: int, comment: str):
    from django.utils import timezone

    from couriers.models import CourierRating
    from tests.factories.couriers import DeliveryJobFactory

    order = ready_order(shop_area, status=S.DELIVERED)
    job = DeliveryJobFactory(order=order, courier=courier, status=J.DELIVERED, delivered_at=timezone.now())
    return CourierRating.objects.create(job=job, courier=courier, buyer=order.buyer, stars=stars, comment=comment)


def _queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_earnings_show_the_recent_ratings_with_constant_queries(client, courier, shop_area):
    client.force_login(courier)
    _rated_delivery(courier, shop_area, 5, "Fast and careful")
    make(ready_order(shop_area, status=S.DELIVERED))
    few = (_queries(client, "/courier/earnings/"), _queries(client, "/courier/"))
    for n in range(6):
        _rated_delivery(courier, shop_area, 2 + n % 3, f"Comment {n}")
        job = make(ready_order(shop_area, status=S.DELIVERED))
        if n % 2:
            job_accept(job_id=job.pk, courier=courier)
    assert (_queries(client, "/courier/earnings/"), _queries(client, "/courier/")) == few

    html = client.get("/courier/earnings/").content.decode()
    assert dom(html).count("[data-testid=rating]") == 5  # the latest five
    assert "Comment 5" in html and "Fast and careful" not in html


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_couriers_accepting_a_return_at_once_one_holds_it(shop_area, district):
    from tests.factories.couriers import courier_serving

    job = make(ready_order(shop_area, status=S.DELIVERED))
    couriers = [courier_serving(district) for _ in range(3)]

    outcomes = at_once([lambda courier=courier: job_accept(job_id=job.pk, courier=courier) for courier in couriers])
    winners = [outcome for outcome in outcomes if isinstance(outcome, DeliveryJob)]
    assert len(winners) == 1
    assert sorted(outcome.reason for outcome in outcomes if isinstance(outcome, CourierError)) == ["taken", "taken"]
    assert fresh(job).courier_id == winners[0].courier_id
