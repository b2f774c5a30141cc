"""The store's order page keeps what its team typed when a form is refused: the reason for
a cancellation refused because the order moved on meanwhile, the buyer's code typed at the
door, the bonus for the job board (tests/couriers/test_bonus_money_units.py) come back in
their fields with why (422), with htmx (the live fragments, out of band) and without."""

import pytest
from django.urls import reverse

from shop.orders.models import Order, OrderStatus
from tests.factories.orders import OrderFactory, member_of
from tests.html import dom

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def post(client, name, order, data, **headers):
    response = client.post(reverse(name, args=[order.number]), data, **headers)
    assert response.status_code == 422
    assert dom(response).has("html") is not bool(headers)
    if headers:
        assert response["HX-Reswap"] == "none"
    return dom(response)


@pytest.mark.parametrize("headers", [HX, {}], ids=["htmx", "plain"])
def test_a_cancel_refused_meanwhile_keeps_the_reason_for_the_buyer(client, headers):
    order = OrderFactory()
    client.force_login(member_of(order))
    assert dom(client.get(reverse("sellers:order_detail", args=[order.number]))).has("[data-testid=seller-cancel-form]")
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.DELIVERED)  # a teammate delivered it meanwhile

    page = post(client, "sellers:order_action", order, {"to": "cancelled", "note": "Sold out of the blue one, sorry"}, **headers)

    form = page.one("[data-testid=seller-cancel-form]")
    assert form.one("textarea[name=note]").text == "Sold out of the blue one, sorry"
    assert form.one("[data-testid=form-refused]").text
    assert page.one("details.cancel-order").attr("open") is not None
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED


def test_a_wrong_code_at_the_door_stays_in_its_field(client):
    order = OrderFactory(status=OrderStatus.OUT_FOR_DELIVERY)
    client.force_login(member_of(order))

    page = post(client, "sellers:order_handover", order, {"code": "1234 5670"})

    form = page.one("form[data-testid=seller-handover-form]")
    assert form.one("input[name=code]").attr("value") == "1234 5670"
    assert form.one("[data-testid=form-refused]").text
    order.refresh_from_db()
    assert order.status == OrderStatus.OUT_FOR_DELIVERY
