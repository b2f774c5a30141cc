"""The buyer's return page follows its courier pickup live: each move of the pickup job
(accepted, collected, given back, withdrawn, delivered to the store) re-renders the
return's live part on the buyer's open pages with the job's new status, and once the
courier has collected the goods the page no longer offers the pickup code (used) nor to
cancel the return. Before, only the order pages were pushed: the return page kept
"Courier pickup · Open" and its "Cancel this return"."""

import re

import pytest

from couriers.models import DeliveryJob
from couriers.selectors import return_codes
from couriers.services import job_accept, job_release, job_withdraw, return_dropoff_typed, return_pickup_typed
from returns.services import return_approve, return_request_create
from tests.html import dom

from .conftest import delivered_order, member
from .test_courier_path import placed_in_nairobi

pytestmark = pytest.mark.django_db
J = DeliveryJob.Status


def _courier_return(order, courier):
    item = order.items.order_by("id").first()
    ret = return_request_create(order=order, buyer=order.buyer, lines={item.pk: 1}, reason="damaged")
    return return_approve(request=ret, actor=member(order), method="courier", payer="seller", instructions="Box it")


def _job(ret) -> DeliveryJob:
    return DeliveryJob.objects.get(pk=ret.job_id)


def _accept(ret, courier):
    job_accept(job_id=ret.job_id, courier=courier)


def _collect(ret, courier):
    return_pickup_typed(courier=courier, job=_job(ret), code=return_codes(_job(ret))["pickup"])


def _give_back(ret, courier):
    job_release(job=_job(ret), courier=courier)


def _withdraw(ret, courier):
    job_withdraw(job=_job(ret), actor=member(ret.order))


def _drop_off(ret, courier):
    return_dropoff_typed(courier=courier, job=_job(ret), code=return_codes(_job(ret))["dropoff"])


# Each move of a return pickup, after the moves that lead to it.
MOVES = [
    ("accepted", [], _accept),
    ("collected", [_accept], _collect),
    ("given back", [_accept], _give_back),
    ("withdrawn", [_accept], _withdraw),
    ("delivered to the store", [_accept, _collect], _drop_off),
]


def buyer_live(pushes, ret) -> str:
    parts = [
        match.group(0)
        for group, html in pushes
        if group == f"user.{ret.buyer_id}"
        for match in [re.search(rf'<div id="return-{ret.pk}-live".*', html, re.S)]
        if match
    ]
    assert parts, "the buyer's return page was not pushed"
    return parts[-1]


@pytest.mark.parametrize(("before", "move"), [m[1:] for m in MOVES], ids=[m[0] for m in MOVES])
def test_each_move_of_the_pickup_reaches_the_buyers_return_page(before, move, pushes, django_capture_on_commit_callbacks):
    order = delivered_order(method="card")
    courier = placed_in_nairobi(order)
    ret = _courier_return(order, courier)
    for step in before:
        step(ret, courier)
    pushes.clear()

    with django_capture_on_commit_callbacks(execute=True):
        move(ret, courier)

    live = buyer_live(pushes, ret)
    job = _job(ret)
    ret.refresh_from_db()
    if ret.status == "approved" and job.status != J.CANCELLED:
        assert f"Courier pickup · {job.get_status_display()}" in live
    collected = job.status in (J.PICKED_UP, J.DELIVERED)
    assert ('data-testid="cancel-return"' in live) is (not collected and ret.status == "approved")
    assert ('data-testid="pickup-code"' in live) is (job.status in (J.OPEN, J.ACCEPTED))


def test_a_collected_return_shows_no_used_code_and_says_the_courier_has_the_items(client, pushes):
    order = delivered_order(method="card")
    courier = placed_in_nairobi(order)
    ret = _courier_return(order, courier)
    pickup = return_codes(_job(ret))["pickup"]
    _accept(ret, courier)
    _collect(ret, courier)
    client.force_login(order.buyer)

    page = dom(client.get(f"/returns/{ret.pk}/"))

    assert page.count('[data-testid="pickup-code"]') == 0 and page.count('[data-testid="return-instructions"]') == 0
    assert pickup not in page.text and pickup[:4] + " " + pickup[4:] not in page.text
    assert "The courier collected the items" in page.text
    assert page.count('[data-testid="cancel-return"]') == 0
