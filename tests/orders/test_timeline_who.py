"""Each step of an order's timeline is credited to whoever made it, on the buyer's page
and on the store's: the courier's steps to the courier (named as the order page and the
chat name them: by short name, as the courier), never to the store; the store's team by
name to the store only, the store's name to the buyer."""

import pytest

from couriers.models import DeliveryJob
from shop.orders.models import OrderStatus
from shop.orders.selectors.transitions import Role
from shop.orders.services.orders import order_transition
from tests.factories import CourierProfileFactory, UserFactory
from tests.factories.couriers import DeliveryJobFactory
from tests.factories.orders import OrderFactory, member_of
from tests.html import dom

pytestmark = pytest.mark.django_db
S = OrderStatus


@pytest.fixture
def delivered_by_courier(db):
    """Confirmed, prepared and made ready by the store's owner, then taken out and
    delivered by the courier who holds its job."""
    order = OrderFactory(items=0, handover=False)
    order.store.name = "Mama Njeri Crafts"
    order.store.save()
    seller = member_of(order)
    seller.display_name = "Njeri Wambui"
    seller.save()
    courier = CourierProfileFactory(status="approved", user=UserFactory(display_name="Kofi Mensah")).user
    DeliveryJobFactory(order=order, courier=courier, status=DeliveryJob.Status.ACCEPTED)
    for to in (S.CONFIRMED, S.PREPARING, S.READY):
        order = order_transition(order=order, to=to, actor=seller, role=Role.SELLER)
    for to in (S.OUT_FOR_DELIVERY, S.DELIVERED):
        order = order_transition(order=order, to=to, actor=courier, role=Role.COURIER, scanned=True)
    return order


def credits(client, url, order) -> dict[str, str]:
    """Each step made so far, by status: the "by …" line under it."""
    timeline = dom(client.get(url).content.decode()).one(f"#order-timeline-{order.number}")
    return {
        step.attr("data-step"): " ".join(step.one(".text-body-secondary").text.split())
        for step in timeline.all("li")
        if step.has(".text-body-secondary time")
    }


def test_the_buyer_sees_the_couriers_steps_credited_to_the_courier_not_the_store(client, delivered_by_courier):
    order = delivered_by_courier
    client.force_login(order.buyer)
    by = credits(client, f"/orders/{order.number}/", order)

    for step in (S.OUT_FOR_DELIVERY, S.DELIVERED):
        assert by[step].endswith("by Kofi Mensah (courier)"), by[step]
    for step in (S.CONFIRMED, S.PREPARING, S.READY):
        assert by[step].endswith("by Mama Njeri Crafts"), by[step]  # the team stays private
    assert by[S.PENDING].endswith("by you")


def test_the_store_sees_its_team_by_name_and_the_courier_as_the_courier(client, delivered_by_courier):
    order = delivered_by_courier
    client.force_login(member_of(order))
    by = credits(client, f"/dashboard/orders/{order.number}/", order)

    for step in (S.OUT_FOR_DELIVERY, S.DELIVERED):
        assert by[step].endswith("by Kofi Mensah (courier)"), by[step]
    for step in (S.CONFIRMED, S.PREPARING, S.READY):
        assert by[step].endswith("by Njeri Wambui"), by[step]
    assert by[S.PENDING].endswith("by the buyer")


def test_a_courier_without_a_display_name_is_never_shown_by_email(client, delivered_by_courier):
    order = delivered_by_courier
    courier = order.delivery_job.courier
    courier.display_name = ""
    courier.email = "kofi.mensah@example.test"
    courier.save()
    client.force_login(member_of(order))

    by = credits(client, f"/dashboard/orders/{order.number}/", order)

    assert by[S.DELIVERED].endswith("by kofi.mensah (courier)") and "example.test" not in by[S.DELIVERED]
