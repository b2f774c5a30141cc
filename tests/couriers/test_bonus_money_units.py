"""The courier bonus a store adds is money of the order's currency: a fraction finer than
its minor unit (GNF 90000.50, KES 10.005) is refused with the rule's sentence (a
CourierError: a message on the page, a 409 through the API), never stored as typed."""

from decimal import Decimal

import pytest

from couriers.models import DeliveryJob
from couriers.services import CourierError, job_create, return_job_create
from shop.orders.models import Order
from tests.api.conftest import bearer, post, sign_in, verified
from tests.factories.orders import member_of
from tests.html import dom

from .conftest import ready_order

pytestmark = pytest.mark.django_db

WHOLE_FRANCS = "Prices in GNF are whole numbers, without decimals."


def in_francs(order: Order) -> Order:
    Order.objects.filter(pk=order.pk).update(currency="GNF")
    order.refresh_from_db()
    return order


def test_a_bonus_with_a_fraction_of_a_franc_is_refused_a_whole_one_taken(shop_area):
    order = in_francs(ready_order(shop_area))
    with pytest.raises(CourierError, match=WHOLE_FRANCS) as refused:
        job_create(order=order, actor=member_of(order), bonus="90000.50")
    assert refused.value.reason == "bonus" and not DeliveryJob.objects.exists()

    job = job_create(order=order, actor=member_of(order), bonus="90000")
    assert job.bonus == Decimal("90000")


def test_a_bonus_finer_than_a_cent_is_refused(order):
    with pytest.raises(CourierError, match="Prices in KES have at most 2 decimals."):
        job_create(order=order, actor=member_of(order), bonus="10.005")
    assert not DeliveryJob.objects.exists()


def test_a_return_pickups_bonus_is_refused_alike(shop_area):
    order = in_francs(ready_order(shop_area))
    with pytest.raises(CourierError, match=WHOLE_FRANCS):
        return_job_create(order=order, actor=member_of(order), payer=DeliveryJob.Payer.SELLER, note="", bonus="0.5")


def test_the_dashboard_says_why_and_arranges_nothing(client, shop_area):
    order = in_francs(ready_order(shop_area))
    client.force_login(member_of(order))
    response = client.post(f"/dashboard/orders/{order.number}/delivery/", {"mode": "board", "bonus": "90000.50"})
    assert response.status_code == 422
    form = dom(response).one("form[data-testid=publish-job-form]")
    assert form.one("[data-testid=form-refused]").text == WHOLE_FRANCS
    assert form.one("input[name=bonus]").attr("value") == "90000.50"
    assert not DeliveryJob.objects.exists()


def test_the_api_answers_409_with_the_sentence(client, shop_area):
    order = in_francs(ready_order(shop_area))
    headers = bearer(sign_in(client, verified(member_of(order)))["access_token"])
    refused = post(client, f"/api/v1/seller/orders/{order.number}/delivery/", {"mode": "board", "bonus": "90000.50"}, **headers)
    assert refused.status_code == 409, refused.content
    assert (refused.json()["code"], refused.json()["detail"]) == ("bonus", WHOLE_FRANCS)
    assert not DeliveryJob.objects.exists()
