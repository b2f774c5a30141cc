"""A store's orders through the API move as they do on the dashboard: the same moves are
offered, the same refusals come back in the same words, another store's order is a 404,
and a store that cancels a paid card order refunds the buyer exactly as the dashboard's
cancel does, once, however often the app sends it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shop.orders.models import Order, OrderStatus
from shop.payments.ledger.selectors import store_balances
from shop.payments.models import PaymentStatus, Refund
from tests.factories import StoreFactory, UserFactory
from tests.factories.orders import CheckoutFactory, OrderFactory
from tests.factories.payments import dev_card_pay
from tests.html import told

from .conftest import RunnerDied, bearer, post, sign_in, verified

pytestmark = pytest.mark.django_db

S = OrderStatus


@pytest.fixture
def owner(db):
    return verified(UserFactory())


@pytest.fixture
def headers(client, owner):
    return bearer(sign_in(client, owner)["access_token"])


def paid_card_order(store, **fields) -> Order:
    """A delivery order of KES 650 (2 × 250 and a 150 delivery fee), paid by card."""
    buyer = UserFactory()
    checkout = CheckoutFactory(
        buyer=buyer,
        payment_method="card",
        payment_status=PaymentStatus.AWAITING,
        payment_due_by=timezone.now() + timedelta(minutes=30),
    )
    order = OrderFactory(checkout=checkout, buyer=buyer, store=store, delivery_fee=Decimal("150.00"), **fields)
    checkout.refresh_from_db()
    dev_card_pay(checkout)
    order.refresh_from_db()
    return order


def move(client, number: str, to: str, note: str = "", key: str = "key-1", **headers):
    return post(
        client,
        f"/api/v1/seller/orders/{number}/transitions/",
        {"to": to, "note": note},
        **{"Idempotency-Key": key},
        **headers,
    )


def page_message(response) -> str:
    return " ".join(told(response))


def test_an_order_offers_the_moves_the_store_may_make(client, owner, headers):
    order = paid_card_order(StoreFactory(owner=owner))

    body = client.get(f"/api/v1/seller/orders/{order.number}/", headers=headers).json()

    assert (body["status"], body["total"], body["currency"], body["payment_status"]) == (
        "pending",
        "650.00",
        "KES",
        "paid",
    )
    assert [(m["to"], m["note_required"]) for m in body["moves"]] == [("confirmed", False), ("cancelled", True)]
    assert body["delivery"]["mode"] == "delivery" and body["delivery"]["may_arrange_courier"] is False
    assert [(row["status"], row["state"]) for row in body["timeline"]][:2] == [
        ("pending", "current"),
        ("confirmed", "ahead"),
    ]


def test_a_store_cancel_of_a_paid_card_order_refunds_as_the_dashboard_cancel_does(
    client, owner, headers, django_capture_on_commit_callbacks
):
    by_page, by_api = paid_card_order(StoreFactory(owner=owner)), paid_card_order(StoreFactory(owner=owner))
    client.force_login(owner)

    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(
            f"/dashboard/orders/{by_page.number}/action/", {"to": S.CANCELLED, "note": "Out of stock, sorry"}
        )
    with django_capture_on_commit_callbacks(execute=True):
        answer = move(client, by_api.number, S.CANCELLED, "Out of stock, sorry", **headers)

    assert page.status_code == 302 and answer.status_code == 200, answer.content
    assert answer.json()["status"] == "cancelled" and answer.json()["moves"] == []

    def refunds(order):
        rows = Refund.objects.filter(order=order).values_list(
            "provider", "amount_minor", "fee_minor", "currency", "status", "reason"
        )
        return [(*row[:5], row[5].replace(order.number, "<number>")) for row in rows]

    def ledger(order):
        lines = client.get(f"/api/v1/seller/stores/{order.store.slug}/ledger/", headers=headers).json()["results"]
        return [
            (line["kind"], line["held"], line["due"], line["out"], line["fee_back"], line["refund_provider"])
            for line in lines
        ]

    assert (
        refunds(by_api)
        == refunds(by_page)
        == [("dev", 65000, 1250, "KES", "succeeded", "Order <number> cancelled: Out of stock, sorry")]
    )
    assert ledger(by_api) == ledger(by_page)
    assert [kind for kind, *_rest in ledger(by_api)] == ["refund", "capture"]
    assert store_balances(by_api.store_id) == store_balances(by_page.store_id)


def test_the_same_key_cancels_and_refunds_once(client, owner, headers, django_capture_on_commit_callbacks):
    order = paid_card_order(StoreFactory(owner=owner))

    with django_capture_on_commit_callbacks(execute=True):
        first = move(client, order.number, S.CANCELLED, "Out of stock, sorry", key="cancel-1", **headers)
        again = move(client, order.number, S.CANCELLED, "Out of stock, sorry", key="cancel-1", **headers)

    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (200, 200, "true")
    assert Refund.objects.filter(order=order).count() == 1


def test_a_cancel_whose_runner_died_after_its_commit_answers_as_the_first_and_refunds_once(
    client, owner, headers, answer_lost, django_capture_on_commit_callbacks
):
    order = paid_card_order(StoreFactory(owner=owner))
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RunnerDied):
        move(client, order.number, S.CANCELLED, "Out of stock, sorry", key="cancel-2", **headers)
    answer_lost()

    again = move(client, order.number, S.CANCELLED, "Out of stock, sorry", key="cancel-2", **headers)
    other_key = move(client, order.number, S.CANCELLED, "Out of stock, sorry", key="cancel-3", **headers)

    assert again.status_code == 200, again.content
    assert again.json()["status"] == "cancelled" and "Idempotent-Replayed" not in again
    assert other_key.status_code == 409, "a new request to cancel a cancelled order is still refused"
    assert order.events.filter(to_status=S.CANCELLED).exclude(from_status=S.CANCELLED).count() == 1  # one cancel
    assert Refund.objects.filter(order=order).count() == 1


def test_a_move_the_status_machine_refuses_is_refused_in_the_dashboards_words(client, owner, headers):
    store = StoreFactory(owner=owner)
    by_page, by_api = paid_card_order(store), paid_card_order(store)
    client.force_login(owner)

    page = client.post(f"/dashboard/orders/{by_page.number}/action/", {"to": S.CANCELLED, "note": ""})
    answer = move(client, by_api.number, S.CANCELLED, "", **headers)
    skipped = move(client, by_api.number, S.DELIVERED, key="key-2", **headers)

    assert (
        answer.status_code == 409
        and answer.json()["detail"] == page_message(page) == "Give the buyer a reason for cancelling."
    )
    assert answer.json()["code"] not in ("", "invalid")
    assert skipped.status_code == 409 and skipped.json()["detail"] == "An order cannot go from pending to delivered."
    assert Order.objects.get(pk=by_api.pk).status == Order.objects.get(pk=by_page.pk).status == S.PENDING


def test_the_store_moves_an_order_along_and_lists_it_under_its_status(client, owner, headers):
    store = StoreFactory(owner=owner, slug="mama-njeri")
    order, other = paid_card_order(store), paid_card_order(store)

    confirmed = move(client, order.number, S.CONFIRMED, **headers)
    listed = client.get("/api/v1/seller/stores/mama-njeri/orders/?status=confirmed", headers=headers).json()["results"]
    everything = client.get("/api/v1/seller/stores/mama-njeri/orders/", headers=headers).json()["results"]

    assert confirmed.json()["status"] == "confirmed"
    assert [m["to"] for m in confirmed.json()["moves"]] == ["preparing", "cancelled"]
    assert [row["number"] for row in listed] == [order.number]
    assert {row["number"] for row in everything} == {order.number, other.number}


def test_another_stores_order_is_not_found_and_stays_as_it_was(client, headers):
    theirs = paid_card_order(StoreFactory())

    answers = [
        client.get(f"/api/v1/seller/orders/{theirs.number}/", headers=headers),
        move(client, theirs.number, S.CANCELLED, "Mine now", **headers),
        post(client, f"/api/v1/seller/orders/{theirs.number}/delivery/", {"mode": "board"}, **headers),
    ]

    assert [answer.status_code for answer in answers] == [404, 404, 404]
    theirs.refresh_from_db()
    assert theirs.status == S.PENDING and not Refund.objects.exists()


def test_a_pick_up_order_is_not_given_to_a_courier(client, owner, headers):
    order = paid_card_order(StoreFactory(owner=owner), delivery_mode=Order.DeliveryMode.PICKUP)
    move(client, order.number, S.CONFIRMED, **headers)

    refused = post(client, f"/api/v1/seller/orders/{order.number}/delivery/", {"mode": "board"}, **headers)

    assert refused.status_code == 409 and refused.json()["code"] == "pickup"
    assert refused.json()["detail"] == "This is a pick-up order: the buyer collects it at the store."
