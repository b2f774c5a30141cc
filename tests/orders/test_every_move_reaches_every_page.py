"""Every move of the order state machine re-renders every open page that shows the order:
the buyer's order page, the store's order page in the dashboard, and the job page of the
courier who holds its delivery. The test walks the machine's own table (``MOVES``), so a
move added there is covered here too."""

import pytest

from couriers.models import DeliveryJob
from sellers.models import StoreMember
from shop.orders.models import Order
from shop.orders.selectors.transitions import MOVES, Role
from shop.orders.services.orders import order_transition
from tests.factories import CourierProfileFactory, UserFactory
from tests.factories.couriers import DeliveryJobFactory
from tests.factories.orders import OrderFactory, member_of

pytestmark = pytest.mark.django_db

PICKUP_MOVES = {("ready", "delivered")}  # collected at the store: no courier
PAID_MOVES = {("cancelled", "refunded")}  # only a paid order is refunded after cancelling


@pytest.fixture
def pushes(monkeypatch):
    """What each push would send, by group, recorded as it is asked for (inside the move)."""
    sent = []
    monkeypatch.setattr(
        "shop.core.services.realtime.push_html_on_commit",
        lambda group, html, **kwargs: sent.append((group, html)),
    )
    return sent


def to_group(pushes, user) -> str:
    return "".join(html for group, html in pushes if group == f"user.{user.pk}")


@pytest.mark.parametrize("source,to", sorted(MOVES))
def test_each_move_reaches_the_buyer_the_store_and_the_courier(source, to, pushes):
    pickup = (source, to) in PICKUP_MOVES
    order = OrderFactory(
        status=source,
        delivery_mode=Order.DeliveryMode.PICKUP if pickup else Order.DeliveryMode.DELIVERY,
        payment_method="card" if (source, to) in PAID_MOVES else "cod",
        items=0,
        handover=False,
    )
    seller, teammate = member_of(order), UserFactory()
    StoreMember.objects.create(store=order.store, user=teammate)
    courier = None
    if not pickup:
        courier = CourierProfileFactory(status="approved").user
        job = DeliveryJobFactory(order=order, courier=courier, status=DeliveryJob.Status.ACCEPTED)
    assert Role.STAFF in MOVES[(source, to)]  # staff may make every move, with a note
    actor, role, scanned = UserFactory(is_staff=True), Role.STAFF, False
    if (source, to) == ("ready", "out_for_delivery"):  # a courier's order leaves at the courier's scan
        actor, role, scanned = courier, Role.COURIER, True

    order_transition(order=order, to=to, actor=actor, role=role, note="As the story goes", scanned=scanned)

    timeline = f'id="order-timeline-{order.number}" hx-swap-oob="true"'
    buyer = to_group(pushes, order.buyer)
    assert timeline in buyer and f'data-status="{to}"' in buyer
    assert f'id="order-actions-{order.number}"' in buyer and 'data-testid="order-payment"' in buyer
    for member in (seller, teammate):
        page = to_group(pushes, member)
        assert timeline in page and f'id="seller-actions-{order.number}"' in page
    if courier is not None:
        assert f'id="job-live-{job.pk}" hx-swap-oob="true"' in to_group(pushes, courier)
