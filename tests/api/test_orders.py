"""The buyer's orders through the API: the list (newest first, by status), an order with
what its page shows, cancelling and confirming receipt through the page's status machine
(refusals are 409 problems with the move's code), and the invoice and credit notes as PDFs
under the pages' access rule. Someone else's order is a 404."""

import uuid

import pytest

from shop.orders.models import Order, OrderStatus
from shop.orders.selectors.transitions import TransitionError, transition_check
from shop.payments.invoices.services import invoice_issue
from tests.factories import StoreFactory, UserFactory
from tests.factories.orders import OrderFactory
from tests.returns.conftest import delivered_order, member
from tests.returns.test_refunds_shown import refunded

from .conftest import RunnerDied, bearer, post, sign_in, verified

pytestmark = pytest.mark.django_db
S = OrderStatus


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.SOKO_PRIVATE_MEDIA_ROOT = str(tmp_path / "private")


def token(client, user) -> dict:
    return bearer(sign_in(client, verified(user) if not user.emailaddress_set.exists() else user)["access_token"])


def key() -> dict:
    return {"Idempotency-Key": str(uuid.uuid4())}


def test_the_list_is_the_buyers_own_orders_newest_first_by_status(client):
    buyer = UserFactory()
    older, newer = OrderFactory(buyer=buyer), OrderFactory(buyer=buyer, status=S.CONFIRMED)
    OrderFactory()  # someone else's
    auth = token(client, buyer)

    every = client.get("/api/v1/orders/", headers=auth).json()
    confirmed = client.get("/api/v1/orders/?status=confirmed", headers=auth).json()

    assert [row["number"] for row in every["results"]] == [newer.number, older.number]
    assert every["results"][1]["total"] == "500.00" and every["results"][1]["currency"] == "KES"
    assert [row["number"] for row in confirmed["results"]] == [newer.number]
    assert client.get("/api/v1/orders/?status=lost", headers=auth).status_code == 400
    assert client.get("/api/v1/orders/").status_code == 401


def test_an_order_shows_its_page_timeline_and_actions_and_anothers_is_a_404(client):
    order = OrderFactory()
    auth = token(client, order.buyer)

    answer = client.get(f"/api/v1/orders/{order.number}/", headers=auth)
    body = answer.json()

    assert answer.status_code == 200 and "no-store" in answer["Cache-Control"]
    assert body["lines"][0]["quantity"] == 2 and body["lines"][0]["unit_price"] == "250.00"
    assert body["totals"]["total"] == "500.00" and body["payment"]["method"] == "cod"
    assert body["timeline"][0]["state"] == "current" and body["timeline"][0]["at"]
    assert [row["status"] for row in body["timeline"][1:]] == [
        S.CONFIRMED,
        S.PREPARING,
        S.READY,
        S.OUT_FOR_DELIVERY,
        S.DELIVERED,
        S.COMPLETED,
    ]
    assert all(row["at"] is None and row["state"] == "ahead" for row in body["timeline"][1:])
    assert body["actions"] == {
        "cancel": True,
        "confirm_receipt": False,
        "edit_note": True,
        "request_return": False,
        "review": False,
    }
    assert body["invoice_url"] is None and body["refunds"] == []
    stranger = token(client, UserFactory())
    assert client.get(f"/api/v1/orders/{order.number}/", headers=stranger).status_code == 404


def test_the_buyer_cancels_once_and_a_replay_answers_the_same(client):
    order = OrderFactory()
    auth = {**token(client, order.buyer), **key()}

    first = post(client, f"/api/v1/orders/{order.number}/cancel/", {"reason": "Ordered twice"}, **auth)
    again = post(client, f"/api/v1/orders/{order.number}/cancel/", {"reason": "Ordered twice"}, **auth)

    assert first.status_code == 200 and first.json()["status"] == S.CANCELLED
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert order.events.filter(to_status=S.CANCELLED).count() == 1


def test_a_cancel_whose_runner_died_after_its_commit_answers_as_the_first(client, answer_lost):
    order = OrderFactory()
    auth = {**token(client, order.buyer), **key()}
    with pytest.raises(RunnerDied):
        post(client, f"/api/v1/orders/{order.number}/cancel/", {"reason": "Ordered twice"}, **auth)
    answer_lost()

    again = post(client, f"/api/v1/orders/{order.number}/cancel/", {"reason": "Ordered twice"}, **auth)

    assert again.status_code == 200, again.content
    assert again.json()["status"] == S.CANCELLED
    assert order.events.filter(to_status=S.CANCELLED).count() == 1


def test_a_move_made_under_a_key_is_made_again_only_once_the_api_forgot_the_key(settings):
    """Past SOKO_API_IDEMPOTENCY_HOURS an app may use the key again: it then names a new
    request, which the status machine judges as any other."""
    from datetime import timedelta

    from django.utils import timezone

    from shop.orders.selectors.transitions import Role
    from shop.orders.services.orders import order_transition

    order = OrderFactory()
    order_transition(order=order, to=S.CANCELLED, actor=order.buyer, role=Role.BUYER, client_key="k-1")
    assert order_transition(order=order, to=S.CANCELLED, actor=order.buyer, role=Role.BUYER, client_key="k-1").status == S.CANCELLED
    order.events.update(created_at=timezone.now() - timedelta(hours=settings.SOKO_API_IDEMPOTENCY_HOURS, minutes=1))
    with pytest.raises(TransitionError):
        order_transition(order=order, to=S.CANCELLED, actor=order.buyer, role=Role.BUYER, client_key="k-1")
    assert order.events.filter(to_status=S.CANCELLED).count() == 1


def test_a_refused_move_is_a_409_with_the_machines_code_and_words(client):
    order = OrderFactory(status=S.PREPARING)
    auth = token(client, order.buyer)
    with pytest.raises(TransitionError) as refused:
        transition_check(Order.objects.get(pk=order.pk), S.CANCELLED, "buyer")

    cancel = post(client, f"/api/v1/orders/{order.number}/cancel/", {}, **auth, **key())
    confirm = post(client, f"/api/v1/orders/{order.number}/confirm/", {}, **auth)

    assert cancel.status_code == 409 and cancel["Content-Type"] == "application/problem+json"
    assert cancel.json()["code"] == refused.value.code == "too_late_to_cancel"
    assert cancel.json()["detail"] == str(refused.value)
    assert (confirm.status_code, confirm.json()["code"]) == (409, "move_not_allowed")
    assert Order.objects.get(pk=order.pk).status == S.PREPARING


def test_the_buyer_confirms_receipt_of_a_delivered_order(client):
    order = delivered_order()
    auth = token(client, order.buyer)

    answer = post(client, f"/api/v1/orders/{order.number}/confirm/", {}, **auth)

    assert answer.status_code == 200 and answer.json()["status"] == S.COMPLETED
    assert answer.json()["actions"]["review"] is True
    stranger = token(client, UserFactory())
    assert post(client, f"/api/v1/orders/{order.number}/confirm/", {}, **stranger).status_code == 404


def test_the_invoice_and_credit_notes_are_pdfs_for_the_buyer_and_the_store_only(
    client, django_capture_on_commit_callbacks
):
    order = delivered_order(method="card", units=(1,), prices=("6500.00",), fee="200.00")
    auth = token(client, order.buyer)
    invoice_url = f"/api/v1/orders/{order.number}/invoice/"
    assert client.get(invoice_url, headers=auth).status_code == 404  # not issued yet
    invoice_issue(order.pk)
    refund = refunded(order, django_capture_on_commit_callbacks)

    body = client.get(f"/api/v1/orders/{order.number}/", headers=auth).json()
    note_url = body["refunds"][0]["credit_note"]["url"]
    for reader in (order.buyer, member(order)):
        headers = token(client, reader)
        for url in (body["invoice_url"], note_url):
            answer = client.get(url, headers=headers)
            assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
            assert b"".join(answer.streaming_content).startswith(b"%PDF")
    assert body["refunds"][0]["way"] == "to the card" and body["refunds"][0]["id"] == refund.pk
    assert body["net_paid"] == "200.00"
    outsider = token(client, StoreFactory().memberships.get().user)
    assert client.get(invoice_url, headers=outsider).status_code == 404
    assert client.get(note_url, headers=outsider).status_code == 404
    assert client.get(f"/api/v1/orders/{order.number}/credit-notes/999999/", headers=auth).status_code == 404
    assert client.get(invoice_url).status_code == 401
