"""Every way a job ends for its courier re-renders the courier's open job page with that
end, and no action left on it: the store withdraws the job, the order is cancelled at each
status a held job can be in (walked from the status machine's own table), the courier
gives it back, the courier delivers it. A reload of a job the courier held shows the same
end (a courier who never held it still gets a 404), and the buyer's and the store's order
pages show the job's status as the move wrote it, never the one before.

Before: the page was pushed while the job still read "accepted" (before its withdrawal),
nothing was pushed once it was withdrawn, and the order pages were rendered before the
courier's scan moved the job."""

import re

import pytest

from couriers.models import DeliveryJob
from couriers.services import (
    ARRANGEABLE,
    cash_confirm_buyer,
    cash_confirm_courier,
    handover_typed,
    job_accept,
    job_create,
    job_release,
    job_withdraw,
    pickup_typed,
)
from shop.orders.models import Order, OrderStatus
from shop.orders.selectors.transitions import MOVES, TERMINAL, Role
from shop.orders.services.orders import order_transition, package_short_code
from tests.factories import UserFactory
from tests.factories.couriers import courier_serving
from tests.factories.orders import member_of
from tests.geo.factories import AreaFactory

from .conftest import buyer_code, ready_order

pytestmark = pytest.mark.django_db

J = DeliveryJob.Status
S = OrderStatus
FORMS = ("/code/", "/release/", "/cash/", "/accept/")


def _held(order: Order, courier) -> DeliveryJob:
    job = job_create(order=order, actor=member_of(order))
    job_accept(job_id=job.pk, courier=courier)
    return DeliveryJob.objects.get(pk=job.pk)


def _picked_up(order: Order, courier) -> DeliveryJob:
    job = _held(order, courier)
    pickup_typed(courier=courier, job=job, code=package_short_code(order=order))
    return DeliveryJob.objects.get(pk=job.pk)


def _live(html: str, job: DeliveryJob) -> str:
    return re.search(rf'<section id="job-live-{job.pk}".*?</section>', html, re.S).group(0)


def last_job_page_push(pushes, courier, job) -> str:
    """The live part of the job's page as the courier's open pages last received it."""
    parts = [_live(html, job) for group, html in pushes if group == f"user.{courier.pk}" and f"job-live-{job.pk}" in html]
    assert parts, "nothing was pushed to the courier's job page"
    return parts[-1]


def assert_ended(live: str, *, says: str) -> None:
    assert 'data-testid="job-gone"' in live or 'data-testid="job-delivered"' in live, live
    assert says in live, live
    assert not any(action in live for action in FORMS), f"an action is left on an ended job: {live}"


# Every move that ends an order, from each status a courier's job may be held in: waiting
# for pickup (the job is withdrawn) or picked up (the courier carries the goods).
HELD_IN = {**dict.fromkeys(ARRANGEABLE, _held), S.OUT_FOR_DELIVERY: _picked_up}
ORDER_ENDINGS = sorted((source, to) for (source, to) in MOVES if to in TERMINAL and source in HELD_IN)


def test_the_walk_covers_every_status_a_held_job_can_be_in():
    assert {source for source, _to in ORDER_ENDINGS} == set(HELD_IN)


def _order_ended(to):
    def end(job, courier):
        staff = UserFactory(is_staff=True)
        order_transition(order=job.order, to=to, actor=staff, role=Role.STAFF, note="The buyer moved away.")

    return end


def _withdrawn(job, courier):
    job_withdraw(job=job, actor=member_of(job.order))


def _given_back(job, courier):
    job_release(job=job, courier=courier)


def _delivered_paid(job, courier):
    pickup_typed(courier=courier, job=job, code=package_short_code(order=job.order))
    handover_typed(courier=courier, job=DeliveryJob.objects.get(pk=job.pk), code=buyer_code(job.order)[1])


def _delivered_cash(job, courier):
    pickup_typed(courier=courier, job=job, code=package_short_code(order=job.order))
    handover_typed(courier=courier, job=DeliveryJob.objects.get(pk=job.pk), code=buyer_code(job.order)[1])
    cash_confirm_courier(job=job, courier=courier, amount=str(job.order.total))
    cash_confirm_buyer(job=job, buyer=job.order.buyer)


# (name, order status the job is held at, how it is held, how it ends, payment, what the page says)
ENDINGS = [
    *(
        (f"order {source}->{to}", source, HELD_IN[source], _order_ended(to), "cod", "was cancelled")
        for source, to in ORDER_ENDINGS
    ),
    ("withdrawn by the store", S.READY, _held, _withdrawn, "cod", "withdrew the delivery"),
    ("given back", S.READY, _held, _given_back, "cod", "You gave this job back"),
    ("delivered, paid online", S.READY, _held, _delivered_paid, "card", "Delivered"),
    ("delivered, cash at the door", S.READY, _held, _delivered_cash, "cod", "Delivered"),
]


@pytest.mark.parametrize(
    ("status", "hold", "end", "payment", "says"), [ending[1:] for ending in ENDINGS], ids=[e[0] for e in ENDINGS]
)
def test_every_end_of_a_job_reaches_its_couriers_open_page(
    status, hold, end, payment, says, shop_area, courier, pushes, django_capture_on_commit_callbacks
):
    order = ready_order(shop_area, status=status if status in ARRANGEABLE else S.READY, payment_method=payment)
    job = hold(order, courier)
    pushes.clear()

    with django_capture_on_commit_callbacks(execute=True):
        end(job, courier)

    assert_ended(last_job_page_push(pushes, courier, job), says=says)


@pytest.mark.parametrize(
    ("status", "hold", "end", "payment", "says"), [ending[1:] for ending in ENDINGS], ids=[e[0] for e in ENDINGS]
)
def test_a_reload_of_an_ended_job_shows_its_end_to_its_courier_only(
    status, hold, end, payment, says, shop_area, courier, client, django_capture_on_commit_callbacks
):
    order = ready_order(shop_area, status=status if status in ARRANGEABLE else S.READY, payment_method=payment)
    job = hold(order, courier)
    with django_capture_on_commit_callbacks(execute=True):
        end(job, courier)

    client.force_login(courier)
    page = client.get(f"/courier/jobs/{job.pk}/")
    assert page.status_code == 200
    assert_ended(_live(page.content.decode(), job), says=says)
    live = client.get(f"/courier/jobs/{job.pk}/live/")
    assert live.status_code == 200 and says in live.content.decode()

    client.force_login(courier_serving(AreaFactory(name="Elsewhere")))  # never held it
    assert client.get(f"/courier/jobs/{job.pk}/").status_code == 404


def test_a_code_typed_on_a_withdrawn_jobs_page_says_the_store_withdrew_it(client, order, courier):
    job = _held(order, courier)
    job_withdraw(job=job, actor=member_of(order))
    client.force_login(courier)

    answer = client.post(f"/courier/jobs/{job.pk}/code/", {"code": package_short_code(order=order)})

    assert answer.status_code == 422
    html = answer.content.decode()
    assert "withdrew the delivery of order" in html and "No such delivery job" not in html
    job.refresh_from_db()
    assert job.status == J.CANCELLED


# The order pages --------------------------------------------------------------------------


def _job_status_shown(pushes, user, testid: str) -> str:
    shown = [
        match
        for group, html in pushes
        if group == f"user.{user.pk}"
        for match in re.findall(rf'data-testid="{testid}" data-job-status="(\w+)"', html)
    ]
    assert shown, f"no courier box was pushed to {user}"
    return shown[-1]


def _pickup(job, courier):
    pickup_typed(courier=courier, job=job, code=package_short_code(order=job.order))


def _at_door(job, courier):
    _pickup(job, courier)
    handover_typed(courier=courier, job=DeliveryJob.objects.get(pk=job.pk), code=buyer_code(job.order)[1])


# Every courier move that moves the order too, each as its own transaction's last step.
ORDER_MOVES = [
    ("picked up", "cod", lambda job, courier: None, _pickup),
    ("handed over, paid online", "card", _pickup, lambda job, courier: _at_door_only(job, courier)),
    ("cash confirmed by both", "cod", _at_door, lambda job, courier: _cash(job, courier)),
]


def _at_door_only(job, courier):
    handover_typed(courier=courier, job=DeliveryJob.objects.get(pk=job.pk), code=buyer_code(job.order)[1])


def _cash(job, courier):
    cash_confirm_courier(job=job, courier=courier, amount=str(job.order.total))
    cash_confirm_buyer(job=job, buyer=job.order.buyer)


@pytest.mark.parametrize(("payment", "before", "move"), [m[1:] for m in ORDER_MOVES], ids=[m[0] for m in ORDER_MOVES])
def test_the_order_pages_show_the_jobs_status_as_the_courier_moved_it(
    payment, before, move, shop_area, courier, pushes, django_capture_on_commit_callbacks
):
    order = ready_order(shop_area, payment_method=payment)
    job = _held(order, courier)
    before(job, courier)
    pushes.clear()

    with django_capture_on_commit_callbacks(execute=True):
        move(job, courier)

    job.refresh_from_db()
    assert _job_status_shown(pushes, order.buyer, "order-courier") == job.status
    assert _job_status_shown(pushes, member_of(order), "seller-job") == job.status
