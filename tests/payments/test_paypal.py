"""PayPal against the fake PayPal over HTTP: approve, capture once, cancel, decline, a
tampered capture held for staff, a lost return settled by the job, refunds."""

import pytest
from django.test import RequestFactory

from shop.orders.models import Order
from shop.payments.models import LedgerTransaction, PaymentAttempt, PaymentFlag, PaymentStatus
from shop.payments.providers.paypal.callbacks import paypal_pending_settle
from shop.payments.providers.paypal.client import PaypalError, paypal_refund
from shop.payments.providers.paypal.gateway import PaypalGateway
from shop.payments.refunds.services import refund_order
from tests.fakes.paypal import FakePaypal

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake(settings):
    with FakePaypal() as server:
        for name, value in server.settings().items():
            setattr(settings, name, value)
        settings.PAYPAL_CURRENCIES = ["KES", "USD"]
        yield server


@pytest.fixture
def started(fake, placed, client):
    request = RequestFactory().get("/", HTTP_HOST="testserver")
    response = PaypalGateway().start(request, placed)
    attempt = PaymentAttempt.objects.get(checkout=placed)
    assert response.status_code == 303 and response["Location"] == f"/payments/{placed.idempotency_key}/go/{attempt.pk}/"
    assert attempt.redirect_url == f"{fake.url}/checkoutnow?token={attempt.reference}"
    order = fake.orders[attempt.reference]
    assert order["purchase_units"][0]["amount"] == {"currency_code": "KES", "value": "3451.00"}
    client.force_login(placed.buyer)
    return attempt


def paid(checkout):
    checkout.refresh_from_db()
    return checkout.payment_status == PaymentStatus.PAID


def test_approved_and_back_is_captured_once(fake, started, placed, client):
    fake.approve(started.reference)
    for _ in range(2):
        answer = client.get(f"/payments/paypal/return/?token={started.reference}&PayerID=X")
        assert answer.status_code == 302 and answer["Location"] == f"/payments/{placed.idempotency_key}/"
    assert paid(placed) and len(fake.captures) == 1
    assert LedgerTransaction.objects.filter(kind="capture").count() == 1
    started.refresh_from_db()
    assert started.payment_reference in fake.captures


def test_cancel_and_decline_offer_the_other_methods(fake, started, placed, client):
    client.get(f"/payments/paypal/cancel/?token={started.reference}")
    started.refresh_from_db()
    assert started.status == "cancelled" and not paid(placed)

    again = PaypalGateway().start(RequestFactory().get("/", HTTP_HOST="testserver"), placed)
    second = PaymentAttempt.objects.filter(checkout=placed).order_by("-id").first()
    assert again.status_code == 303
    fake.approve(second.reference)
    fake.decline_next_capture(second.reference)
    client.get(f"/payments/paypal/return/?token={second.reference}")
    second.refresh_from_db()
    assert second.status == "failed" and "declined" in second.message and not paid(placed)
    assert b'data-testid="payment-alternatives"' in client.get(f"/payments/{placed.idempotency_key}/").content


def test_a_capture_of_another_amount_is_held_for_staff(fake, started, placed, client):
    fake.approve(started.reference)
    fake.tamper_capture_amount(started.reference, "1.00")
    client.get(f"/payments/paypal/return/?token={started.reference}")
    assert not paid(placed) and PaymentFlag.objects.get().kind == "mismatch"


def test_a_buyer_who_never_came_back_is_settled_by_the_job(fake, started, placed):
    assert paypal_pending_settle(older_than_minutes=0) == 0  # not approved yet
    fake.approve(started.reference)
    assert [paypal_pending_settle(older_than_minutes=0) for _ in range(2)] == [1, 0]
    assert paid(placed)


def test_refunds_partly_and_never_more_than_was_paid(fake, started, placed, client, django_capture_on_commit_callbacks):
    fake.approve(started.reference)
    client.get(f"/payments/paypal/return/?token={started.reference}")
    started.refresh_from_db()
    order = Order.objects.get(checkout=placed, delivery_mode="pickup")

    with django_capture_on_commit_callbacks(execute=True):  # PayPal is asked after commit
        refund = refund_order(order=order, lines={order.items.get().pk: 1}, reason="Broken", key="pp-1")
    refund.refresh_from_db()
    assert (refund.status, refund.amount_minor, refund.provider) == ("succeeded", 85000, "paypal") and refund.reference
    with pytest.raises(PaypalError):
        paypal_refund(attempt=started, amount_minor=345100, idempotency_key="too-much")


def test_someone_elses_token_is_not_found(fake, started, client, django_user_model):
    client.force_login(django_user_model.objects.create_user(email="other@example.test", password="x"))
    assert client.get(f"/payments/paypal/return/?token={started.reference}").status_code == 404
    assert client.get("/payments/paypal/return/").status_code == 404


def test_a_kept_token_paypal_no_longer_accepts_is_replaced_once(fake):
    from shop.payments.providers.paypal.client import PaypalClient

    client = PaypalClient()
    client.token()  # kept for the next calls
    fake.tokens.clear()  # PayPal revoked it, or forgot it in a restart

    order = client.call(
        "POST",
        "/v2/checkout/orders",
        json={"intent": "CAPTURE", "purchase_units": [{"amount": {"currency_code": "KES", "value": "100.00"}}]},
    )

    assert order["id"]
    assert len(fake.tokens) == 1
