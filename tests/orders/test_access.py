"""Nobody reaches someone else's order by changing the number in the URL: every buyer
and store URL answers 404 (and changes nothing)."""

import pytest
from django.urls import reverse

from shop.orders.models import OrderStatus
from tests.factories import StoreFactory, UserFactory
from tests.factories.orders import OrderFactory, member_of

pytestmark = pytest.mark.django_db

BUYER_URLS = [
    ("get", "orders:detail", {}),
    ("get", "orders:live", {}),
    ("post", "orders:cancel", {"reason": "not mine"}),
    ("post", "orders:receive", {}),
    ("post", "orders:note", {"note": "leave it outside"}),
    ("post", "orders:reorder", {}),
    ("post", "orders:handover_renew", {}),
]
STORE_URLS = [
    ("get", "sellers:order_detail", {}),
    ("get", "sellers:order_live", {}),
    ("post", "sellers:order_action", {"to": "confirmed"}),
    ("post", "sellers:order_action", {"to": "cancelled", "note": "no"}),
    ("get", "sellers:packing_slip", {}),
]


def _request(client, method, name, data, number, **headers):
    url = reverse(name, args=[number])
    return getattr(client, method)(url, data, **headers) if method == "post" else client.get(url, **headers)


def _unchanged(order):
    before = (order.status, order.buyer_note, order.events.count())
    order.refresh_from_db()
    return (order.status, order.buyer_note, order.events.count()) == before


@pytest.mark.parametrize("method,name,data", BUYER_URLS)
@pytest.mark.parametrize("htmx", [False, True])
def test_another_shopper_gets_404_on_every_buyer_url(client, method, name, data, htmx):
    order = OrderFactory()
    client.force_login(UserFactory())
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    assert _request(client, method, name, data, order.number, **headers).status_code == 404
    assert _unchanged(order)


@pytest.mark.parametrize("method,name,data", BUYER_URLS)
def test_the_store_gets_404_on_the_buyers_urls(client, method, name, data):
    order = OrderFactory()
    client.force_login(member_of(order))
    assert _request(client, method, name, data, order.number).status_code == 404
    assert _unchanged(order)


@pytest.mark.parametrize("method,name,data", STORE_URLS)
def test_another_store_gets_404_on_every_store_url(client, method, name, data):
    order = OrderFactory()
    other_seller = StoreFactory().memberships.get().user
    client.force_login(other_seller)
    assert _request(client, method, name, data, order.number).status_code == 404
    assert _unchanged(order)


@pytest.mark.parametrize("method,name,data", STORE_URLS)
def test_the_buyer_cannot_use_the_store_urls(client, method, name, data):
    order = OrderFactory()
    client.force_login(order.buyer)
    # Not a seller at all: the dashboard's 403 page, which explains how to open a store.
    assert _request(client, method, name, data, order.number).status_code == 403
    assert _unchanged(order)


@pytest.mark.parametrize("method,name,data", BUYER_URLS + STORE_URLS)
def test_an_unknown_number_is_404(client, method, name, data):
    OrderFactory()
    client.force_login(StoreFactory().memberships.get().user)
    assert _request(client, method, name, data, "SK-0000-0000").status_code == 404


@pytest.mark.parametrize("method,name,data", BUYER_URLS + STORE_URLS)
def test_anonymous_visitors_are_sent_to_log_in(client, method, name, data):
    order = OrderFactory()
    response = _request(client, method, name, data, order.number)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert _unchanged(order)


def test_a_teammate_of_the_store_may_open_its_orders(client):
    from sellers.models import StoreMember

    order = OrderFactory(status=OrderStatus.CONFIRMED)
    teammate = UserFactory()
    StoreMember.objects.create(store=order.store, user=teammate, role=StoreMember.Role.STAFF)
    client.force_login(teammate)
    assert client.get(reverse("sellers:order_detail", args=[order.number])).status_code == 200
