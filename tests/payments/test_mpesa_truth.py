"""M-Pesa records what Daraja's own queries say, never what a callback says: a forged
callback's receipt (a fully masked phone, receipt ATTACKER01) sent while the buyer's push
is pending never becomes the payment's receipt, whichever way the push is settled; the
receipt comes from a Transaction Status result posted to the one address made for it."""

# ruff: noqa: F811  (the fixtures imported below are the tests' arguments)

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from shop.payments.ledger.reconciliation import reconciliation, reconciliation_flag
from shop.payments.models import PaymentAttempt, ProviderEvent
from shop.payments.providers.mpesa.callbacks import mpesa_pending_settle, mpesa_report
from shop.payments.providers.mpesa.client import MpesaError
from tests.payments.test_mpesa import accepted, fake, paid_once, post_callback, post_results, pushed  # noqa: F401

pytestmark = pytest.mark.django_db

FORGED = "ATTACKER01"


def forged_callback(fake, request_id) -> dict:
    """What an attacker who learnt the CheckoutRequestID posts: right amount, a fully
    masked phone, a receipt of their own making. Daraja never issued it."""
    push = fake.pushes[request_id]
    items = [
        {"Name": "Amount", "Value": float(push["amount"])},
        {"Name": "MpesaReceiptNumber", "Value": FORGED},
        {"Name": "Balance"},
        {"Name": "TransactionDate", "Value": 20261125093000},
        {"Name": "PhoneNumber", "Value": "254XXXXXXXXX"},
    ]
    callback = {
        "MerchantRequestID": push["merchant"],
        "CheckoutRequestID": request_id,
        "ResultCode": 0,
        "ResultDesc": "The service request is processed successfully.",
        "CallbackMetadata": {"Item": items},
    }
    return {"Body": {"stkCallback": callback}}


def receipt(attempt) -> str:
    attempt.refresh_from_db()
    return attempt.payment_reference


def test_a_forged_callback_while_pending_never_becomes_the_receipt_when_the_job_settles(fake, pushed, placed, client):
    assert accepted(post_callback(client, forged_callback(fake, pushed.reference)))  # the query: still processing
    genuine = fake.callback_body(pushed.reference, 0, receipt="TKQ4Z8WX2B")  # the buyer pays; no callback yet

    assert mpesa_pending_settle(older_than_seconds=0) == 1  # the STK query says paid: the job settles it
    answers = post_results(client, fake)

    assert paid_once(placed) and receipt(pushed) != FORGED
    assert receipt(pushed) == "" and [answer.status_code for answer in answers] == [200]
    assert [query["TransactionID"] for query in fake.status_queries] == [FORGED]
    asked = ProviderEvent.objects.get(kind="TransactionStatusQuery")
    assert asked.outcome.startswith("refused") and "could not be found" in asked.outcome

    assert accepted(post_callback(client, genuine))  # Safaricom's own callback, late
    assert all(accepted(answer) for answer in post_results(client, fake))
    assert receipt(pushed) == "TKQ4Z8WX2B" and paid_once(placed)
    pushed.refresh_from_db()
    assert (pushed.received_minor, pushed.phone) == (345100, "254712345678")


def test_a_forged_callback_after_the_payment_never_becomes_the_receipt(fake, pushed, placed, client):
    genuine = fake.callback_body(pushed.reference, 0, receipt="TKQ9M3AB7C")  # paid; the query says so
    assert accepted(post_callback(client, forged_callback(fake, pushed.reference)))  # the forger is first
    assert accepted(post_callback(client, genuine))

    post_results(client, fake)

    assert paid_once(placed) and receipt(pushed) == "TKQ9M3AB7C"
    assert sorted(query["TransactionID"] for query in fake.status_queries) == sorted([FORGED, "TKQ9M3AB7C"])


def test_a_forged_result_is_refused_and_a_result_counts_once(fake, pushed, placed, client):
    assert accepted(post_callback(client, fake.callback_body(pushed.reference, 0, receipt="TKR2D5GH8J")))
    ((url, body),) = fake.take_results()
    path = urlsplit(url).path
    forged = json.loads(json.dumps(body).replace("TKR2D5GH8J", FORGED))

    guessed = client.post(path[:-5] + "abcd/", data=json.dumps(forged), content_type="application/json")
    assert guessed.status_code == 404 and receipt(pushed) == ""

    other = json.loads(json.dumps(body))
    amount = next(item for item in other["Result"]["ResultParameters"]["ResultParameter"] if item["Key"] == "Amount")
    amount["Value"] = 1.0  # a receipt of another, smaller payment is not this push's
    assert client.post(path, data=json.dumps(other), content_type="application/json").status_code == 200
    assert receipt(pushed) == "" and ProviderEvent.objects.get(kind="TransactionStatusQuery").outcome.startswith(
        "refused"
    )
    assert client.post(path, data=json.dumps(body), content_type="application/json").status_code == 404
    assert receipt(pushed) == ""


def test_a_receipt_paid_before_the_push_or_from_another_phone_is_not_the_pushs(fake, pushed, placed, client):
    body = fake.callback_body(pushed.reference, 0, receipt="TKS6F1JK4L")
    fake.transactions["TKS6F1JK4L"]["phone"] = "254700000001"  # Daraja says another phone paid it
    assert accepted(post_callback(client, body))
    post_results(client, fake)
    assert paid_once(placed) and receipt(pushed) == ""

    PaymentAttempt.objects.filter(pk=pushed.pk).update(created_at=pushed.created_at + timedelta(hours=1))
    assert accepted(post_callback(client, fake.callback_body(pushed.reference, 0, receipt="TKT7G2LM5N")))
    post_results(client, fake)
    assert receipt(pushed) == ""  # paid an hour before the push (as the attempt now says) was sent


def test_a_receipt_daraja_could_not_be_asked_about_is_asked_again_by_the_job(fake, pushed, placed, client):
    fake.refuse_next_status("503.001.01", "Service Unavailable")
    assert accepted(post_callback(client, fake.callback_body(pushed.reference, 0, receipt="TKW3L6MN9P")))
    assert paid_once(placed) and receipt(pushed) == "" and not fake.results

    assert mpesa_pending_settle(older_than_seconds=0) == 0  # nothing pending; the receipt is asked about again
    assert all(accepted(answer) for answer in post_results(client, fake))
    assert receipt(pushed) == "TKW3L6MN9P"
    mpesa_pending_settle(older_than_seconds=0)
    assert len(fake.status_queries) == 1 and not fake.results  # asked once more, not every run


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'{"Result": {}}', b'{"Result": {"ResultCode": "x"}}'])
def test_a_malformed_result_is_refused(fake, pushed, client, body):
    assert accepted(post_callback(client, fake.callback_body(pushed.reference, 0, receipt="TKU8H3NP6Q")))
    ((url, _),) = fake.take_results()
    answer = client.post(urlsplit(url).path, data=body, content_type="application/json")
    assert answer.status_code == 400 and receipt(pushed) == ""


def mpesa_row(rows) -> dict:
    (row,) = [row for row in rows if row["provider"] == "mpesa"]
    return row


def test_reconciliation_reads_what_daraja_confirmed(fake, pushed, placed, client):
    assert accepted(post_callback(client, fake.callback_body(pushed.reference, 0, receipt="TKV9J4QR7S")))
    post_results(client, fake)

    row = mpesa_row(reconciliation(days=1))
    assert (row["day"], row["currency"], row["ledger"], row["reported"], row["difference"]) == (
        datetime.now(tz=UTC).date(),
        "KES",
        345100,
        345100,
        0,
    )


def test_a_payment_daraja_never_confirmed_a_receipt_for_is_a_difference(fake, pushed, placed, client):
    assert accepted(post_callback(client, forged_callback(fake, pushed.reference)))
    fake.callback_body(pushed.reference, 0)  # paid; Safaricom's callback never comes
    mpesa_pending_settle(older_than_seconds=0)
    post_results(client, fake)  # Daraja: ATTACKER01 could not be found

    rows = reconciliation(days=1)
    assert (mpesa_row(rows)["ledger"], mpesa_row(rows)["reported"]) == (345100, 0)
    assert reconciliation_flag(rows) == 1 and reconciliation_flag(reconciliation(days=1)) == 0


def test_without_the_transaction_status_api_there_is_no_mpesa_report(fake, settings):
    settings.MPESA_INITIATOR = ""
    with pytest.raises(MpesaError):
        mpesa_report(since=datetime.now(tz=UTC) - timedelta(days=1), until=datetime.now(tz=UTC))
