"""M-Pesa against the fake Daraja over HTTP: the callback trusts nothing it is told, the
same good callback pays once, and a push that never calls back is settled by the job."""

import json

import pytest
from django.core.exceptions import ValidationError

from shop.payments.models import LedgerTransaction, PaymentAttempt, PaymentStatus, ProviderEvent
from shop.payments.mpesa import mpesa_pending_settle, normalise_phone
from tests.fakes.daraja import FakeDaraja

PHONE = "254712345678"


@pytest.mark.parametrize(
    "text, phone",
    [
        ("0712 345 678", PHONE),
        ("+254 712-345-678", PHONE),
        ("254712345678", PHONE),
        ("712345678", PHONE),
        ("0112345678", "254112345678"),
    ],
)
def test_kenyan_numbers_are_normalised(text, phone):
    assert normalise_phone(text) == phone


@pytest.mark.parametrize("text", ["", "12345", "0812345678", "+255712345678", "07123456789", "phone"])
def test_other_numbers_are_refused_with_a_reason(text):
    with pytest.raises(ValidationError, match="Kenyan mobile number"):
        normalise_phone(text)


@pytest.fixture
def fake(settings):
    with FakeDaraja() as server:
        for name, value in server.settings().items():
            setattr(settings, name, value)
        settings.MPESA_CALLBACK_URL = "https://soko.example/payments/mpesa/callback/"
        yield server


@pytest.fixture
def pushed(fake, placed, client):
    """The buyer asked for the push: one pending attempt with its CheckoutRequestID."""
    client.force_login(placed.buyer)
    page = client.get(f"/payments/mpesa/{placed.idempotency_key}/")
    assert page.status_code == 200 and b"M-Pesa phone number" in page.content
    answer = client.post(f"/payments/mpesa/{placed.idempotency_key}/", {"phone": "0712 345 678"})
    assert answer.status_code == 302 and answer["Location"] == f"/payments/{placed.idempotency_key}/"
    attempt = PaymentAttempt.objects.get(checkout=placed)
    assert (attempt.status, attempt.phone, attempt.amount_minor) == ("pending", PHONE, 345100)
    assert attempt.reference in fake.pushes and fake.pushes[attempt.reference]["body"]["Amount"] == 3451
    return attempt


def post_callback(client, body):
    return client.post("/payments/mpesa/callback/", data=json.dumps(body), content_type="application/json")


def nothing_changed(checkout, attempt):
    checkout.refresh_from_db()
    attempt.refresh_from_db()
    return (
        checkout.payment_status == PaymentStatus.AWAITING
        and attempt.status == "pending"
        and not LedgerTransaction.objects.exists()
    )


@pytest.mark.django_db
def test_the_same_good_callback_five_times_pays_once(fake, pushed, placed, client):
    body = fake.complete(pushed.reference, 0, receipt="NLJ7RT61SV")

    answers = [post_callback(client, body) for _ in range(5)]

    assert [answer.json() for answer in answers] == [{"ResultCode": 0, "ResultDesc": "Accepted"}] * 5
    placed.refresh_from_db()
    pushed.refresh_from_db()
    assert placed.payment_status == PaymentStatus.PAID and pushed.payment_reference == "NLJ7RT61SV"
    assert LedgerTransaction.objects.filter(kind="capture").count() == 1 and ProviderEvent.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("lie", [{"amount": 3450}, {"phone": "254700000001"}])
def test_a_callback_with_another_amount_or_phone_changes_nothing(fake, pushed, placed, client, lie):
    assert post_callback(client, fake.complete(pushed.reference, 0, **lie)).status_code == 200
    assert nothing_changed(placed, pushed)


@pytest.mark.django_db
def test_an_unknown_request_changes_nothing(fake, pushed, placed, client):
    body = fake.complete(pushed.reference, 0)
    body["Body"]["stkCallback"]["CheckoutRequestID"] = "ws_CO_000000000000000000000"
    assert post_callback(client, body).status_code == 200
    assert nothing_changed(placed, pushed) and not ProviderEvent.objects.exists()


@pytest.mark.django_db
def test_a_callback_the_stk_query_does_not_confirm_changes_nothing(fake, pushed, placed, client):
    body = fake.complete(pushed.reference, 0)
    fake.pushes[pushed.reference]["result"] = 1032  # Daraja says: cancelled
    assert post_callback(client, body).status_code == 200
    assert nothing_changed(placed, pushed)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "code, status, words",
    [(1032, "cancelled", "You cancelled"), (1037, "expired", "could not reach"), (1, "failed", "insufficient")],
)
def test_a_refusal_ends_the_attempt_and_offers_the_other_methods(fake, pushed, placed, client, code, status, words):
    assert post_callback(client, fake.complete(pushed.reference, code)).status_code == 200
    pushed.refresh_from_db()
    assert pushed.status == status and words in pushed.message
    page = client.get(f"/payments/{placed.idempotency_key}/")
    assert b'data-testid="payment-alternatives"' in page.content and b'value="cod"' in page.content


@pytest.mark.django_db
def test_malformed_callbacks_are_refused_and_write_nothing(fake, pushed, placed, client):
    assert (
        client.post("/payments/mpesa/callback/", data=b"{not json", content_type="application/json").status_code == 400
    )
    assert post_callback(client, {"Body": {}}).status_code == 400
    assert (
        post_callback(
            client, {"Body": {"stkCallback": {"CheckoutRequestID": pushed.reference, "ResultCode": "x"}}}
        ).status_code
        == 400
    )
    assert nothing_changed(placed, pushed) and not ProviderEvent.objects.exists()


@pytest.mark.django_db
def test_no_callback_the_query_job_settles_it(fake, pushed, placed):
    assert mpesa_pending_settle(older_than_seconds=0) == 0  # the buyer has not answered yet
    fake.complete(pushed.reference, 0)  # paid, but the callback never arrives

    assert [mpesa_pending_settle(older_than_seconds=0) for _ in range(2)] == [1, 0]
    placed.refresh_from_db()
    assert placed.payment_status == PaymentStatus.PAID and LedgerTransaction.objects.filter(kind="capture").count() == 1


@pytest.mark.django_db
def test_a_double_submit_pushes_once_and_an_invalid_phone_is_refused(fake, pushed, placed, client):
    assert client.post(f"/payments/mpesa/{placed.idempotency_key}/", {"phone": "0712 345 678"}).status_code == 302
    assert len(fake.pushes) == 1
    PaymentAttempt.objects.update(status="failed")
    page = client.post(f"/payments/mpesa/{placed.idempotency_key}/", {"phone": "12"})
    assert page.status_code == 422 and b"Kenyan mobile number" in page.content and len(fake.pushes) == 1


@pytest.mark.django_db
def test_only_the_buyer_sees_the_phone_page(fake, placed, client, django_user_model):
    client.force_login(django_user_model.objects.create_user(email="other@example.test", password="x"))
    assert client.get(f"/payments/mpesa/{placed.idempotency_key}/").status_code == 404
