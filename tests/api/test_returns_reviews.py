"""Returns and reviews through the API: the buyer asks to return units of a delivered order
(the return page's rule: never more than are left, within the store's window), lists and
reads their returns; reviews a delivered order's lines or its store (only their own
delivered orders), reads a listing's public reviews, and the feedback stores left them.
Someone else's order or return is a 404."""

import uuid

import pytest

from returns.models import ReturnRequest
from shop.reviews.models import Review
from shop.reviews.services import buyer_feedback_leave
from tests.factories import UserFactory
from tests.factories.orders import OrderFactory
from tests.returns.conftest import delivered_order, member

from .conftest import RunnerDied, bearer, post, sign_in, verified

pytestmark = pytest.mark.django_db


def token(client, user) -> dict:
    return bearer(sign_in(client, verified(user))["access_token"])


def key() -> dict:
    return {"Idempotency-Key": str(uuid.uuid4())}


def test_the_buyer_asks_to_return_units_and_reads_the_return(client):
    order = delivered_order(units=(2, 3))
    first, second = order.items.order_by("id")
    auth = token(client, order.buyer)
    body = {"lines": [{"item": first.pk, "quantity": 1}], "reason": "damaged", "text": "Cracked"}

    created = post(client, f"/api/v1/orders/{order.number}/returns/", body, **auth, **key())
    listed = client.get("/api/v1/returns/", headers=auth).json()
    read = client.get(f"/api/v1/returns/{created.json()['id']}/", headers=auth).json()

    assert created.status_code == 201
    assert created.json()["status"] == "requested" and created.json()["lines"][0]["quantity"] == 1
    assert [row["id"] for row in listed["results"]] == [created.json()["id"]]
    assert read["events"][0]["status"] == "requested" and read["can_cancel"] is True and read["refund"] is None
    order_page = client.get(f"/api/v1/orders/{order.number}/", headers=auth).json()
    assert [row["id"] for row in order_page["returns"]] == [created.json()["id"]]
    stranger = token(client, UserFactory())
    assert client.get(f"/api/v1/returns/{created.json()['id']}/", headers=stranger).status_code == 404
    assert post(client, f"/api/v1/orders/{order.number}/returns/", body, **stranger, **key()).status_code == 404


def test_a_return_whose_runner_died_after_its_commit_is_not_asked_twice(client, answer_lost):
    order = delivered_order(units=(3,))
    auth, same_key = token(client, order.buyer), key()
    body = {"lines": [{"item": order.items.get().pk, "quantity": 1}], "reason": "damaged", "text": "Cracked"}
    with pytest.raises(RunnerDied):
        post(client, f"/api/v1/orders/{order.number}/returns/", body, **auth, **same_key)
    answer_lost()

    again = post(client, f"/api/v1/orders/{order.number}/returns/", body, **auth, **same_key)

    assert again.status_code == 201, again.content
    assert list(ReturnRequest.objects.values_list("pk", flat=True)) == [again.json()["id"]]


def test_more_units_than_bought_is_refused_with_its_code(client):
    order = delivered_order(units=(2,), prices=("250.00",))
    item = order.items.get()
    auth = token(client, order.buyer)
    body = {"lines": [{"item": item.pk, "quantity": 3}], "reason": "changed_mind"}

    refused = post(client, f"/api/v1/orders/{order.number}/returns/", body, **auth, **key())
    not_delivered = OrderFactory(buyer=order.buyer)
    too_early = post(
        client,
        f"/api/v1/orders/{not_delivered.number}/returns/",
        {"lines": [{"item": not_delivered.items.get().pk, "quantity": 1}], "reason": "damaged"},
        **auth,
        **key(),
    )

    assert refused.status_code == 409 and refused.json()["code"] == "too_many_units"
    assert "at most 2" in refused.json()["detail"]
    assert too_early.json()["code"] == "return_window_closed"
    assert not ReturnRequest.objects.exists()
    assert (
        post(
            client, f"/api/v1/orders/{order.number}/returns/", {**body, "reason": "bored"}, **auth, **key()
        ).status_code
        == 400
    )


def test_the_buyer_reviews_a_line_and_the_store_of_a_delivered_order_only(client):
    order = delivered_order(units=(1,), prices=("250.00",))
    item = order.items.get()
    auth = token(client, order.buyer)

    line = post(
        client, f"/api/v1/orders/{order.number}/reviews/", {"item": item.pk, "stars": 4, "text": "Good"}, **auth
    )
    store = post(client, f"/api/v1/orders/{order.number}/reviews/", {"stars": 5}, **auth)
    edited = post(client, f"/api/v1/orders/{order.number}/reviews/", {"item": item.pk, "stars": 2}, **auth)

    assert line.status_code == 200 and line.json()["kind"] == "product" and line.json()["item"] == item.pk
    assert store.json()["kind"] == "store" and store.json()["item"] is None
    assert edited.json()["id"] == line.json()["id"] and edited.json()["stars"] == 2
    assert Review.objects.count() == 2
    pending = OrderFactory(buyer=order.buyer)
    assert post(client, f"/api/v1/orders/{pending.number}/reviews/", {"stars": 5}, **auth).status_code == 404
    stranger = token(client, UserFactory())
    assert post(client, f"/api/v1/orders/{order.number}/reviews/", {"stars": 5}, **stranger).status_code == 404
    assert post(client, f"/api/v1/orders/{order.number}/reviews/", {"stars": 6}, **auth).status_code == 400
    other = post(client, f"/api/v1/orders/{order.number}/reviews/", {"item": 999999, "stars": 3}, **auth)
    assert other.status_code == 404

    product = item.variant.product
    public = client.get(f"/api/v1/products/{product.slug}/reviews/").json()
    assert [(row["stars"], row["text"]) for row in public["results"]] == [(2, "")]
    assert client.get(f"/api/v1/products/{product.slug}/reviews/?sort=loudest").status_code == 400


def test_the_buyer_reads_the_feedback_stores_left(client):
    order = delivered_order(units=(1,), prices=("250.00",))
    buyer_feedback_leave(order=order, user=member(order), rating="positive", comment="Quick to answer")
    auth = token(client, order.buyer)

    body = client.get("/api/v1/feedback/", headers=auth).json()

    assert (body["positive"], body["negative"]) == (1, 0)
    assert body["results"][0]["order"] == order.number and body["results"][0]["comment"] == "Quick to answer"
