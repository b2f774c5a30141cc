"""Stripe's webhook against the fake Stripe (the real ``stripe`` library over HTTP):
verified, processed once per event id, in any order, and never believed without asking
Stripe again."""

import json
import time

import pytest
from django.test import Client

from shop.payments.models import LedgerTransaction, PaymentAttempt, PaymentFlag, PaymentStatus, ProviderEvent
from shop.payments.providers.stripe.callbacks import TOLERANCE_SECONDS, stripe_pending_settle
from tests.concurrency import at_once
from tests.fakes.stripe_server import sign
from tests.html import dom
from tests.payments.conftest import SECRET

URL = "/payments/stripe/webhook/"


def deliver(client, event, *, timestamp=None, secret=SECRET, payload=None, header=True):
    payload = payload if payload is not None else json.dumps(event).encode()
    headers = {"HTTP_STRIPE_SIGNATURE": sign(payload, secret, timestamp)} if header else {}
    return client.post(URL, data=payload, content_type="application/json", **headers)


def event_of(events, kind):
    return next(event for event in events if event["type"] == kind)


def state(checkout):
    checkout.refresh_from_db()
    return (
        checkout.payment_status,
        list(
            PaymentAttempt.objects.filter(checkout=checkout).values_list(
                "status", "received_minor", "payment_reference"
            )
        ),
        list(LedgerTransaction.objects.values_list("kind", flat=True)),
    )


@pytest.mark.django_db
def test_a_session_is_one_line_per_store_in_minor_units(fake, started, placed):
    status, session, _headers = fake.engine.handle("GET", f"/v1/checkout/sessions/{started.reference}", {}, {})
    assert status == 200 and session["amount_total"] == 345100 and session["currency"] == "kes"
    assert session["metadata"] == {"checkout_id": str(placed.pk), "attempt_id": str(started.pk)}
    assert len(session["line_item_names"]) == 2  # one line per store order
    intent = event_of(fake.engine.session_pay(started.reference), "payment_intent.succeeded")["data"]["object"]
    assert intent["transfer_group"] == f"checkout-{placed.pk}" and intent["amount_received"] == 345100
    post = next(request for request in fake.requests if request[:2] == ("POST", "/v1/checkout/sessions"))
    assert sorted(line["price_data"]["unit_amount"] for line in post[2]["line_items"]) == ["260100", "85000"]


@pytest.mark.django_db
def test_the_same_event_five_times_pays_once(fake, started, placed, client):
    completed = event_of(fake.engine.session_pay(started.reference), "checkout.session.completed")

    answers = [deliver(client, completed).status_code for _ in range(5)]

    assert answers == [200] * 5
    assert state(placed)[0] == PaymentStatus.PAID
    assert LedgerTransaction.objects.count() == 1 and ProviderEvent.objects.count() == 1


@pytest.mark.parametrize(
    "order",
    [
        ("payment_intent.succeeded", "checkout.session.completed"),
        ("checkout.session.completed", "payment_intent.succeeded"),
    ],
)
@pytest.mark.django_db
def test_either_event_first_leads_to_the_same_state(fake, started, placed, client, order):
    events = fake.engine.session_pay(started.reference)
    for kind in order:
        assert deliver(client, event_of(events, kind)).status_code == 200

    status, attempts, kinds = state(placed)
    assert status == PaymentStatus.PAID and kinds == ["capture"]
    assert attempts == [
        (PaymentAttempt.Status.SUCCEEDED, 345100, event_of(events, "payment_intent.succeeded")["data"]["object"]["id"])
    ]


def _no_write_answers(client, event):
    payload = json.dumps(event).encode()
    now = int(time.time())
    return {
        "bad signature": deliver(client, event, secret="whsec_wrong").status_code,
        "missing header": deliver(client, event, header=False).status_code,
        "changed body": client.post(
            URL,
            data=payload.replace(b'"livemode": false', b'"livemode": true'),
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=sign(payload, SECRET, now),
        ).status_code,
        # Past the tolerance either way, read from the clock at each delivery (a busy machine
        # takes seconds between them) with a margin over the server's own reading.
        "too old": deliver(client, event, timestamp=int(time.time()) - TOLERANCE_SECONDS - 30).status_code,
        "from the future": deliver(client, event, timestamp=int(time.time()) + TOLERANCE_SECONDS + 30).status_code,
        "not JSON": deliver(client, event, payload=b"\xff\xfe").status_code,
    }


@pytest.mark.django_db
def test_unverifiable_deliveries_are_refused_and_write_nothing(fake, started, placed, client):
    completed = event_of(fake.engine.session_pay(started.reference), "checkout.session.completed")
    before = state(placed)

    answers = _no_write_answers(client, completed)

    assert answers == dict.fromkeys(answers, 400)
    assert state(placed) == before and not ProviderEvent.objects.exists()


@pytest.mark.django_db
def test_another_amount_is_flagged_not_paid(fake, started, placed, client):
    fake.engine.tamper(started.reference, amount_total=100)
    completed = event_of(fake.engine.session_pay(started.reference), "checkout.session.completed")

    assert deliver(client, completed).status_code == 200

    # Not paid, but booked: the money Stripe holds is owed back from suspense.
    assert state(placed)[0] == PaymentStatus.AWAITING
    assert list(LedgerTransaction.objects.values_list("kind", flat=True)) == ["suspense"]
    flag = PaymentFlag.objects.get()
    assert flag.kind == PaymentFlag.Kind.MISMATCH and "reported 100 KES" in flag.detail


@pytest.mark.django_db
def test_an_event_that_lies_about_the_amount_is_checked_with_stripe(fake, started, placed, client):
    """The event body says paid; Stripe, asked again, says the session is still open."""
    completed = {
        "id": "evt_forged",
        "object": "event",
        "type": "checkout.session.completed",
        "data": {
            "object": {
                "id": started.reference,
                "object": "checkout.session",
                "payment_status": "paid",
                "amount_total": 345100,
            }
        },
    }
    assert deliver(client, completed).status_code == 200
    assert state(placed)[0] == PaymentStatus.AWAITING


@pytest.mark.django_db
def test_a_decline_offers_the_other_methods(fake, started, placed, client):
    failed = event_of(fake.engine.session_decline(started.reference), "payment_intent.payment_failed")
    assert deliver(client, failed).status_code == 200
    started.refresh_from_db()
    assert started.status == PaymentAttempt.Status.FAILED and started.message
    client.force_login(placed.buyer)
    page = client.get(f"/payments/{placed.idempotency_key}/")
    assert dom(page).has("form[data-testid=payment-alternatives] input[name=payment_method][value=cod]")


@pytest.mark.django_db
def test_a_lost_webhook_is_settled_by_the_job(fake, started, placed):
    fake.engine.session_pay(started.reference)  # nothing delivered

    assert stripe_pending_settle(older_than_minutes=0) == 1
    assert stripe_pending_settle(older_than_minutes=0) == 0
    assert state(placed)[0] == PaymentStatus.PAID and LedgerTransaction.objects.count() == 1


def test_only_the_provider_callbacks_skip_csrf():
    from django.urls import get_resolver

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern), pattern.callback

    exempt = {route for route, view in walk(get_resolver().url_patterns) if getattr(view, "csrf_exempt", False)}
    callbacks = {"payments/stripe/webhook/", "payments/mpesa/callback/", "payments/mpesa/status/<str:token>/"}
    # The JSON API authenticates apps by token; its views check CSRF themselves when a
    # session cookie signs a request in (tests/api/test_auth.py).
    api = {route for route in exempt if route.startswith("api/")}
    assert exempt - api <= callbacks and "payments/stripe/webhook/" in exempt


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_deliveries_and_three_more_pay_once(fake, started, placed):
    completed = event_of(fake.engine.session_pay(started.reference), "checkout.session.completed")

    answers = at_once([lambda: deliver(Client(), completed).status_code] * 2)
    answers += [deliver(Client(), completed).status_code for _ in range(3)]

    assert answers == [200] * 5
    assert state(placed)[0] == PaymentStatus.PAID
    assert LedgerTransaction.objects.count() == 1 and ProviderEvent.objects.count() == 1
