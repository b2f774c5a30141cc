"""M-Pesa against the fake Daraja over HTTP: the callback trusts nothing it is told, the
same good callback pays once, and a push that never calls back is settled by the job."""

import json
import time
from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from shop.payments.models import LedgerTransaction, PaymentAttempt, PaymentStatus, ProviderEvent
from shop.payments.providers.mpesa.callbacks import mpesa_pending_settle
from shop.payments.providers.mpesa.client import DarajaClient, normalise_phone
from shop.payments.providers.mpesa.gateway import MpesaGateway
from tests.fakes.daraja import FakeDaraja

PHONE = "254712345678"


@pytest.mark.parametrize(
    "text, phone",
    [
        ("0712 345 678", PHONE),
        ("+254 712-345-678", PHONE),
        ("254712345678", PHONE),
        ("712345678", PHONE),
        ("(0712) 345678", PHONE),
        ("0112345678", "254112345678"),
        ("+254 110 000 001", "254110000001"),
    ],
)
def test_kenyan_numbers_are_normalised(text, phone):
    assert normalise_phone(text) == phone


@pytest.mark.parametrize(
    "text", ["", "12345", "0812345678", "+255712345678", "07123456789", "2540712345678", "phone", "07l2345678"]
)
def test_other_numbers_are_refused_with_a_reason(text):
    with pytest.raises(ValidationError, match="Kenyan mobile number"):
        normalise_phone(text)


@pytest.fixture
def fake(settings):
    DarajaClient._tokens.clear()
    with FakeDaraja() as server:
        for name, value in server.settings().items():
            setattr(settings, name, value)
        settings.MPESA_CALLBACK_URL = "https://soko.example/payments/mpesa/callback/"
        yield server


def phone_page(checkout) -> str:
    return f"/payments/mpesa/{checkout.idempotency_key}/"


def status_page(checkout) -> str:
    return f"/payments/{checkout.idempotency_key}/"


@pytest.fixture
def pushed(fake, placed, client):
    """The buyer asked for the push: one pending attempt with its CheckoutRequestID."""
    client.force_login(placed.buyer)
    page = client.get(phone_page(placed))
    assert page.status_code == 200 and b"M-Pesa phone number" in page.content
    answer = client.post(phone_page(placed), {"phone": "0712 345 678"})
    assert answer.status_code == 302 and answer["Location"] == status_page(placed)
    attempt = PaymentAttempt.objects.get(checkout=placed)
    assert (attempt.status, attempt.phone, attempt.amount_minor) == ("pending", PHONE, 345100)
    assert list(fake.pushes) == [attempt.reference]
    return attempt


def post_callback(client, body):
    return client.post("/payments/mpesa/callback/", data=json.dumps(body), content_type="application/json")


def post_results(client, fake) -> list:
    """Post Daraja's pending Transaction Status results to their ResultURLs; the answers."""
    return [
        client.post(urlsplit(url).path, data=json.dumps(body), content_type="application/json")
        for url, body in fake.take_results()
    ]


def accepted(answer) -> bool:
    return answer.status_code == 200 and answer.json() == {"ResultCode": 0, "ResultDesc": "Accepted"}


def nothing_changed(checkout, attempt):
    checkout.refresh_from_db()
    attempt.refresh_from_db()
    return (
        checkout.payment_status == PaymentStatus.AWAITING
        and attempt.status == "pending"
        and not LedgerTransaction.objects.exists()
    )


def paid_once(checkout) -> bool:
    checkout.refresh_from_db()
    return (
        checkout.payment_status == PaymentStatus.PAID and LedgerTransaction.objects.filter(kind="capture").count() == 1
    )


@pytest.mark.django_db
def test_the_push_is_daraja_shaped_and_signed(fake, pushed, placed):
    sent = fake.pushes[pushed.reference]["body"]
    assert sent["Amount"] == 3451 and sent["PartyA"] == sent["PhoneNumber"] == PHONE
    assert (
        sent["PartyB"] == sent["BusinessShortCode"] == "174379" and sent["TransactionType"] == "CustomerPayBillOnline"
    )
    assert sent["CallBackURL"] == "https://soko.example/payments/mpesa/callback/"
    assert sent["AccountReference"] == f"SOKO{placed.pk}" and len(sent["TransactionDesc"]) <= 13
    stamp = datetime.strptime(sent["Timestamp"], "%Y%m%d%H%M%S").replace(tzinfo=ZoneInfo("Africa/Nairobi"))
    assert abs(datetime.now(ZoneInfo("Africa/Nairobi")) - stamp) < timedelta(minutes=1)
    placed.refresh_from_db()
    assert placed.payment_method == "mpesa"


@pytest.mark.django_db
def test_the_callback_address_is_built_from_the_request_when_not_set(fake, placed, client, settings):
    settings.MPESA_CALLBACK_URL = ""
    settings.ALLOWED_HOSTS = ["soko.test"]
    client.force_login(placed.buyer)
    client.post(phone_page(placed), {"phone": "0712345678"}, HTTP_HOST="soko.test", secure=True)
    (push,) = fake.pushes.values()
    assert push["callback"] == "https://soko.test/payments/mpesa/callback/"


@pytest.mark.django_db
def test_the_same_good_callback_five_times_pays_once(fake, pushed, placed, client):
    body = fake.callback_body(pushed.reference, 0, receipt="NLJ7RT61SV")

    assert all(accepted(post_callback(client, body)) for _ in range(5))
    pushed.refresh_from_db()
    assert paid_once(placed) and (pushed.status, pushed.payment_reference) == ("succeeded", "")
    assert all(accepted(answer) for answer in post_results(client, fake))

    pushed.refresh_from_db()
    assert pushed.payment_reference == "NLJ7RT61SV"  # as Daraja's Transaction Status told it
    assert [query["TransactionID"] for query in fake.status_queries] == ["NLJ7RT61SV"]
    assert not ProviderEvent.objects.filter(processed_at__isnull=True).exists()
    assert fake.queries == [pushed.reference]  # a redelivery is not asked about again


@pytest.mark.django_db
@pytest.mark.parametrize(
    "lie", [{"amount": 3450}, {"amount": 345100}, {"phone": "254700000001"}, {"phone": "254712345679"}]
)
def test_a_callback_with_another_amount_or_phone_changes_nothing(fake, pushed, placed, client, lie):
    assert accepted(post_callback(client, fake.callback_body(pushed.reference, 0, **lie)))
    assert nothing_changed(placed, pushed) and not ProviderEvent.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("shown", ["2547XXXXX678", "0712***678", "a" * 64, None])
def test_a_masked_phone_that_agrees_is_enough_because_the_query_decides(fake, pushed, placed, client, shown):
    body = fake.callback_body(pushed.reference, 0)
    items = body["Body"]["stkCallback"]["CallbackMetadata"]["Item"]
    items[:] = [item for item in items if item["Name"] != "PhoneNumber"]
    if shown is not None:
        items.append({"Name": "PhoneNumber", "Value": shown})
    assert accepted(post_callback(client, body)) and paid_once(placed)


@pytest.mark.django_db
def test_a_masked_phone_that_disagrees_changes_nothing(fake, pushed, placed, client):
    body = fake.callback_body(pushed.reference, 0)
    body["Body"]["stkCallback"]["CallbackMetadata"]["Item"][-1]["Value"] = "2547XXXXX999"
    assert accepted(post_callback(client, body)) and nothing_changed(placed, pushed)


@pytest.mark.django_db
def test_an_unknown_request_changes_nothing(fake, pushed, placed, client):
    body = fake.callback_body(pushed.reference, 0)
    body["Body"]["stkCallback"]["CheckoutRequestID"] = "ws_CO_000000000000000000000"
    assert accepted(post_callback(client, body))
    assert nothing_changed(placed, pushed) and not ProviderEvent.objects.exists() and fake.queries == []


@pytest.mark.django_db
def test_a_paid_callback_the_stk_query_does_not_confirm_changes_nothing(fake, pushed, placed, client):
    body = fake.callback_body(pushed.reference, 0)
    fake.answer(pushed.reference, 1032)  # Daraja says: cancelled
    assert accepted(post_callback(client, body))
    assert nothing_changed(placed, pushed) and not ProviderEvent.objects.exists()


@pytest.mark.django_db
def test_a_forged_cancellation_changes_nothing(fake, pushed, placed, client):
    body = fake.callback_body(pushed.reference, 1032)
    fake.answer(pushed.reference, None)  # the buyer has not answered
    assert accepted(post_callback(client, body))
    assert nothing_changed(placed, pushed) and not ProviderEvent.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "code, status, words",
    [(1032, "cancelled", "You cancelled"), (1037, "expired", "could not reach"), (1, "failed", "insufficient")],
)
def test_a_refusal_ends_the_attempt_and_offers_the_other_methods(fake, pushed, placed, client, code, status, words):
    body = fake.callback_body(pushed.reference, code)
    assert all(accepted(post_callback(client, body)) for _ in range(2))
    pushed.refresh_from_db()
    assert pushed.status == status and words in pushed.message
    page = client.get(status_page(placed))
    assert b'data-testid="payment-alternatives"' in page.content and b'value="cod"' in page.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe",
        b"[]",
        b'{"Body": {}}',
        b'{"Body": {"stkCallback": "x"}}',
        b'{"Body": {"stkCallback": {"CheckoutRequestID": "ws_CO_1", "ResultCode": "x"}}}',
        b'{"Body": {"stkCallback": {"CheckoutRequestID": "ws_CO_1", "ResultCode": 0, "CallbackMetadata": {"Item": [1]}}}}',
    ],
)
def test_malformed_callbacks_are_refused_and_write_nothing(fake, pushed, placed, client, body):
    body = body.replace(b"ws_CO_1", pushed.reference.encode())
    answer = client.post("/payments/mpesa/callback/", data=body, content_type="application/json")
    assert answer.status_code == 400
    assert nothing_changed(placed, pushed) and not ProviderEvent.objects.exists() and fake.queries == []


@pytest.mark.django_db
def test_the_callback_takes_posts_only(client):
    assert client.get("/payments/mpesa/callback/").status_code == 405


@pytest.mark.django_db
def test_no_callback_the_query_job_settles_it_once(fake, pushed, placed):
    assert mpesa_pending_settle(older_than_seconds=0) == 0  # the buyer has not answered yet
    assert mpesa_pending_settle() == 0  # younger than MPESA_QUERY_AFTER_SECONDS: not even asked
    fake.callback_body(pushed.reference, 0)  # paid, but the callback never arrives

    assert [mpesa_pending_settle(older_than_seconds=0) for _ in range(2)] == [1, 0]
    pushed.refresh_from_db()
    assert paid_once(placed) and pushed.payment_reference == ""


@pytest.mark.django_db
def test_a_callback_after_the_job_settled_fills_in_the_receipt(fake, pushed, placed, client):
    body = fake.callback_body(pushed.reference, 0, receipt="TBL4K2M9QX")
    assert mpesa_pending_settle(older_than_seconds=0) == 1
    assert accepted(post_callback(client, body))
    assert all(accepted(answer) for answer in post_results(client, fake))
    pushed.refresh_from_db()
    assert paid_once(placed) and pushed.payment_reference == "TBL4K2M9QX"


@pytest.mark.django_db
def test_a_callback_ahead_of_the_query_waits_and_the_job_keeps_its_receipt(fake, pushed, placed, client):
    body = fake.callback_body(pushed.reference, 0, receipt="TBM8P3R5WZ")
    fake.answer(pushed.reference, None)  # Daraja's query lags behind its callback
    assert accepted(post_callback(client, body)) and nothing_changed(placed, pushed)

    fake.answer(pushed.reference, 0)
    assert mpesa_pending_settle(older_than_seconds=0) == 1
    assert all(accepted(answer) for answer in post_results(client, fake))
    pushed.refresh_from_db()
    assert paid_once(placed) and pushed.payment_reference == "TBM8P3R5WZ"
    assert not ProviderEvent.objects.filter(processed_at__isnull=True).exists()
    assert accepted(post_callback(client, body)) and paid_once(placed)


@pytest.mark.django_db
@pytest.mark.parametrize("code, status", [(1032, "cancelled"), (1037, "expired"), (2001, "failed")])
def test_the_query_job_ends_refused_pushes(fake, pushed, code, status):
    fake.answer(pushed.reference, code)
    assert [mpesa_pending_settle(older_than_seconds=0) for _ in range(2)] == [1, 0]
    pushed.refresh_from_db()
    assert pushed.status == status and pushed.message


@pytest.mark.django_db
def test_a_double_submit_pushes_once(fake, pushed, placed, client):
    answer = client.post(phone_page(placed), {"phone": "0712 345 678"})
    assert answer.status_code == 302 and answer["Location"] == status_page(placed)
    assert len(fake.pushes) == 1 and PaymentAttempt.objects.count() == 1

    PaymentAttempt.objects.update(created_at=pushed.created_at - timedelta(seconds=61))
    client.post(phone_page(placed), {"phone": "0712 345 678"})
    assert len(fake.pushes) == 2  # a minute later the buyer may ask again


@pytest.mark.django_db
def test_an_invalid_phone_is_refused_before_anything_is_sent(fake, placed, client):
    client.force_login(placed.buyer)
    page = client.post(phone_page(placed), {"phone": "12"})
    assert page.status_code == 422 and b"Kenyan mobile number" in page.content
    assert not fake.pushes and not PaymentAttempt.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "code, message, shown",
    [
        (
            "500.001.1001",
            "Unable to lock subscriber, a transaction is already in process for the current subscriber",
            b"already open",
        ),
        ("400.002.02", "Bad Request - Invalid PhoneNumber", b"Kenyan mobile number"),
        ("503.001.01", "Service Unavailable", b"M-Pesa refused the request."),
    ],
)
def test_a_refused_push_fails_the_attempt_and_shows_the_form_again(fake, placed, client, code, message, shown):
    fake.refuse_next(code, message)
    client.force_login(placed.buyer)
    page = client.post(phone_page(placed), {"phone": "0712 345 678"})
    assert page.status_code == 422 and shown in page.content and b'data-testid="mpesa-phone"' in page.content
    assert message.encode() not in page.content
    attempt = PaymentAttempt.objects.get()
    assert attempt.status == "failed" and attempt.reference == "" and attempt.message
    placed.refresh_from_db()
    assert placed.payment_status == PaymentStatus.AWAITING


@pytest.mark.django_db
def test_daraja_out_of_reach_is_a_clear_message_not_an_error_page(fake, placed, client, settings):
    settings.MPESA_API_BASE = "http://127.0.0.1:9"
    client.force_login(placed.buyer)
    page = client.post(phone_page(placed), {"phone": "0712 345 678"})
    assert page.status_code == 422 and b"could not be reached" in page.content


@pytest.mark.django_db
def test_the_token_is_kept_and_renewed_when_daraja_forgets_it(fake, pushed, placed):
    assert fake.token_requests == 1
    DarajaClient().stk_query(pushed.reference)
    assert fake.token_requests == 1
    fake.tokens.clear()
    assert DarajaClient().stk_query(pushed.reference).pending and fake.token_requests == 2


@pytest.mark.django_db
def test_a_checkout_that_no_longer_awaits_payment_is_not_pushed(fake, placed, client):
    placed.payment_status = PaymentStatus.PAID
    placed.save(update_fields=["payment_status"])
    client.force_login(placed.buyer)
    answer = client.post(phone_page(placed), {"phone": "0712 345 678"}, follow=True)
    assert answer.redirect_chain == [(status_page(placed), 302)]
    assert b"no longer waits for a payment" in answer.content and not fake.pushes


@pytest.mark.django_db
def test_only_the_buyer_sees_the_phone_page(fake, placed, client, django_user_model):
    assert client.get(phone_page(placed))["Location"].startswith("/accounts/login/")
    client.force_login(django_user_model.objects.create_user(email="other@example.test", password="x"))
    assert client.get(phone_page(placed)).status_code == 404


@pytest.mark.parametrize(
    "total, currency, configured, offered",
    [
        ("3451.00", "KES", True, True),
        ("3451.50", "KES", True, False),
        ("3451", "USD", True, False),
        ("3451", "KES", False, False),
        ("0", "KES", True, False),
        ("250001", "KES", True, False),
    ],
)
def test_mpesa_is_offered_for_whole_shillings_when_configured(settings, total, currency, configured, offered):
    settings.MPESA_CONSUMER_KEY = settings.MPESA_CONSUMER_SECRET = settings.MPESA_PASSKEY = "x" if configured else ""
    checkout = SimpleNamespace(total=Decimal(total), currency=currency)
    assert MpesaGateway().available_for(checkout) is offered


@pytest.mark.django_db(transaction=True)
def test_the_phone_pays_and_safaricom_calls_back_over_http(fake, placed, client, live_server, settings):
    settings.MPESA_CALLBACK_URL = f"{live_server.url}/payments/mpesa/callback/"
    fake.deliver_results = True
    client.force_login(placed.buyer)
    client.post(phone_page(placed), {"phone": "0712 345 678"})
    (request_id,) = fake.pushes

    fake.complete(request_id, 0, receipt="TC1XYZ2ABC")
    assert paid_once(placed)

    for _ in range(100):  # Daraja posts the Transaction Status result a moment later
        if PaymentAttempt.objects.get().payment_reference:
            break
        time.sleep(0.05)
    assert PaymentAttempt.objects.get().payment_reference == "TC1XYZ2ABC"
