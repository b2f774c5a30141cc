"""PayPal captures against the fake PayPal, which replays its answer to a PayPal-Request-Id
as PayPal does: a buyer back before approval completes is captured once they approve; an
approved order is captured before its checkout's deadline cancels it; a PENDING capture
is paid only when PayPal says COMPLETED."""

# ruff: noqa: F811  (the fixtures imported below are the tests' arguments)

from datetime import UTC, datetime, timedelta

import pytest

from shop.orders.models import Order, OrderStatus
from shop.orders.services.payment_flow import checkouts_expire
from shop.payments.ledger.reconciliation import reconciliation, reconciliation_flag
from shop.payments.models import LedgerTransaction, PaymentFlag, PaymentStatus
from shop.payments.providers.paypal.callbacks import paypal_pending_settle
from shop.payments.providers.paypal.client import PaypalError, paypal_report
from tests.payments.test_paypal import fake, started  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def back_from_paypal(client, attempt):
    answer = client.get(f"/payments/paypal/return/?token={attempt.reference}&PayerID=FAKEPAYER")
    assert answer.status_code == 302
    attempt.refresh_from_db()
    return attempt


def payment_status(checkout) -> str:
    checkout.refresh_from_db()
    return checkout.payment_status


def captures_booked() -> int:
    return LedgerTransaction.objects.filter(kind="capture").count()


def capture_request_ids(fake) -> list[str]:
    return [request_id for request_id in fake.replies if "-capture" in request_id]


def test_back_before_approval_then_approved_is_captured_on_the_next_return(fake, started, placed, client):
    assert back_from_paypal(client, started).status == "pending"  # PayPal: "not approved yet"
    fake.approve(started.reference)  # the approval completes a moment later

    assert back_from_paypal(client, started).status == "succeeded"
    assert payment_status(placed) == PaymentStatus.PAID and len(fake.captures) == 1 and captures_booked() == 1
    first, second = capture_request_ids(fake)
    assert first != second  # the refusal is not replayed to the retry


def test_back_before_approval_then_approved_is_captured_by_the_job(fake, started, placed, client):
    back_from_paypal(client, started)
    fake.approve(started.reference)  # and the buyer closes the tab

    assert [paypal_pending_settle(older_than_minutes=0) for _ in range(2)] == [1, 0]
    assert payment_status(placed) == PaymentStatus.PAID and captures_booked() == 1


def test_an_approved_uncaptured_order_is_captured_before_the_deadline_cancels_it(
    fake,
    started,
    placed,
    client,
):
    back_from_paypal(client, started)  # refused: not approved yet
    fake.approve(started.reference)  # approved; no return, and the job has not run yet

    assert checkouts_expire(now=placed.payment_due_by + timedelta(seconds=1)) == 0

    assert payment_status(placed) == PaymentStatus.PAID and captures_booked() == 1
    assert not Order.objects.filter(checkout=placed, status=OrderStatus.CANCELLED).exists()


def test_an_unapproved_order_still_expires_at_the_deadline(fake, started, placed):
    assert checkouts_expire(now=placed.payment_due_by + timedelta(seconds=1)) == 1
    started.refresh_from_db()
    assert payment_status(placed) == PaymentStatus.EXPIRED and started.status == "expired" and not fake.captures


def test_a_pending_capture_is_not_paid_until_paypal_completes_it(fake, started, placed, client):
    fake.approve(started.reference)
    fake.pend_next_capture(started.reference)

    attempt = back_from_paypal(client, started)
    (capture_id,) = fake.captures
    assert (attempt.status, attempt.payment_reference) == ("pending", capture_id)
    assert payment_status(placed) == PaymentStatus.AWAITING and captures_booked() == 0
    assert paypal_pending_settle(older_than_minutes=0) == 0  # PayPal still reviewing it
    assert back_from_paypal(client, started).status == "pending" and len(fake.captures) == 1

    fake.capture_settle(capture_id, "COMPLETED")
    assert [paypal_pending_settle(older_than_minutes=0) for _ in range(2)] == [1, 0]
    assert payment_status(placed) == PaymentStatus.PAID and captures_booked() == 1


def test_a_pending_capture_paypal_declines_fails_and_offers_the_other_methods(fake, started, placed, client):
    fake.approve(started.reference)
    fake.pend_next_capture(started.reference)
    back_from_paypal(client, started)
    (capture_id,) = fake.captures

    fake.capture_settle(capture_id, "DECLINED")
    assert paypal_pending_settle(older_than_minutes=0) == 1
    started.refresh_from_db()
    assert started.status == "failed" and payment_status(placed) == PaymentStatus.AWAITING and captures_booked() == 0
    assert b'data-testid="payment-alternatives"' in client.get(f"/payments/{placed.idempotency_key}/").content


def test_a_pending_capture_completed_after_the_deadline_is_flagged_to_refund(fake, started, placed, client):
    fake.approve(started.reference)
    fake.pend_next_capture(started.reference)
    back_from_paypal(client, started)
    (capture_id,) = fake.captures
    assert checkouts_expire(now=placed.payment_due_by + timedelta(seconds=1)) == 1  # still pending at PayPal

    fake.capture_settle(capture_id, "COMPLETED")
    paypal_pending_settle(older_than_minutes=0)

    started.refresh_from_db()
    assert payment_status(placed) == PaymentStatus.EXPIRED and started.status == "flagged"
    assert PaymentFlag.objects.get(attempt=started).kind == PaymentFlag.Kind.LATE


def test_reconciliation_reads_paypals_transaction_search(fake, started, placed, client):
    fake.approve(started.reference)
    back_from_paypal(client, started)
    today = datetime.now(tz=UTC).date()

    (row,) = [row for row in reconciliation(days=1) if row["provider"] == "paypal"]
    assert (row["day"], row["currency"], row["ledger"], row["reported"], row["difference"]) == (
        today,
        "KES",
        345100,
        345100,
        0,
    )

    # A refund made by hand in PayPal's dashboard, which Soko never booked.
    fake._activity("T1107", "REFUNDBYHAND1", {"currency_code": "KES", "value": "-100.00"}, "S")
    rows = reconciliation(days=1)
    assert reconciliation_flag(rows) == 1
    (row,) = [row for row in rows if row["provider"] == "paypal"]
    assert (row["ledger"], row["reported"], row["difference"]) == (345100, 335100, 10000)


def test_paypals_report_asks_a_month_at_a_time_and_reads_every_page(fake, started, placed, client):
    fake.approve(started.reference)
    back_from_paypal(client, started)
    fake._activity("T1107", "REFUNDBYHAND2", {"currency_code": "KES", "value": "-1.50"}, "S")
    fake._activity("T0006", "STILLPENDING1", {"currency_code": "KES", "value": "99.00"}, "P")  # not money yet
    fake._activity("T0400", "WITHDRAWAL001", {"currency_code": "KES", "value": "-500.00"}, "S")  # to the bank
    fake.max_page_size = 1
    until = datetime.now(tz=UTC) + timedelta(days=1)

    assert paypal_report(since=until - timedelta(days=90), until=until) == {
        (datetime.now(tz=UTC).date(), "KES"): 345100 - 150
    }
    windows = {(search["start_date"], search["end_date"]) for search in fake.searches}
    assert len(windows) == 3 and len(fake.searches) == 1 + 1 + 4  # 31, 31 and 28 days; the last holds 4 rows


def test_paypals_report_is_unavailable_when_paypal_is_not_configured(settings):
    settings.PAYPAL_CLIENT_ID = ""
    with pytest.raises(PaypalError):
        paypal_report(since=datetime.now(tz=UTC) - timedelta(days=1), until=datetime.now(tz=UTC))
