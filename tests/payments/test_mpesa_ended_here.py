"""A push that ended here (the buyer stopped waiting, switched to cash, or the deadline
job expired it) while Safaricom could still take the PIN: when the callback is lost, the
periodic sweep asks Daraja's STK query, within ``MPESA_QUERY_ENDED_WITHIN_SECONDS``, and
records Daraja's answer once, through the path a late paid callback takes."""

from datetime import timedelta

import pytest
from django.urls import reverse

from shop.orders.services.payment_flow import checkouts_expire
from shop.payments.models import LedgerTransaction, PaymentAttempt, PaymentFlag, PaymentStatus, ProviderEvent
from shop.payments.providers.mpesa.callbacks import mpesa_pending_settle
from shop.payments.services import checkout_pay_on_delivery
from tests.payments.test_mpesa import accepted, fake, paid_once, post_callback, post_results, pushed  # noqa: F401

pytestmark = pytest.mark.django_db

Status = PaymentAttempt.Status
RECEIPT = "NLJ7RT61SV"


def stop(client, checkout, attempt):
    """The buyer pressed "Pay another way" on the waiting screen."""
    answer = client.post(reverse("payments:mpesa_stop", args=[checkout.idempotency_key, attempt.pk]))
    assert answer.status_code == 302


def stop_and_pay_cash(client, checkout, attempt):
    stop(client, checkout, attempt)
    assert checkout_pay_on_delivery(checkout=checkout)


def expire(client, checkout, attempt):
    """The payment deadline job ran while the phone still showed the prompt."""
    assert checkouts_expire(now=checkout.payment_due_by + timedelta(seconds=1)) == 1


# Every way a pending push ends here, and what a late payment of it becomes: the checkout's
# state decides (paid while it still awaits payment, else held for a refund).
ENDINGS = {
    "stopped": (stop, Status.CANCELLED, Status.SUCCEEDED, PaymentStatus.PAID),
    "switched to cash": (stop_and_pay_cash, Status.CANCELLED, Status.FLAGGED, PaymentStatus.ON_DELIVERY),
    "not paid in time": (expire, Status.EXPIRED, Status.FLAGGED, PaymentStatus.EXPIRED),
}


def money_recorded_once(checkout, attempt, paid_status) -> bool:
    """The payment is in the ledger once: a capture when it paid the checkout, else one
    suspense posting and one flag for staff to refund it."""
    checkout.refresh_from_db()
    attempt.refresh_from_db()
    kinds = sorted(LedgerTransaction.objects.values_list("kind", flat=True))
    if paid_status == Status.SUCCEEDED:
        return paid_once(checkout) and kinds == ["capture"] and not PaymentFlag.objects.exists()
    flags = list(PaymentFlag.objects.filter(attempt=attempt).values_list("kind", flat=True))
    return kinds == ["suspense"] and flags == [PaymentFlag.Kind.LATE]


@pytest.fixture(params=ENDINGS)
def ended(request, fake, pushed, placed, client):  # noqa: F811
    """The push ended here, each way it can: what a late payment of it makes of the
    attempt and the checkout."""
    end, ended_status, paid_status, checkout_status = ENDINGS[request.param]
    end(client, placed, pushed)
    pushed.refresh_from_db()
    assert pushed.status == ended_status
    return paid_status, checkout_status


def test_a_pin_entered_after_the_push_ended_here_is_recorded_when_the_callback_is_lost(fake, pushed, placed, ended):  # noqa: F811
    paid_status, checkout_status = ended
    fake.callback_body(pushed.reference, 0, receipt=RECEIPT)  # the buyer paid; the callback never arrives

    assert mpesa_pending_settle() == 0  # within the push's lifetime: not asked yet
    assert fake.queries == []
    assert [mpesa_pending_settle(older_than_seconds=0) for _ in range(2)] == [1, 0]

    assert fake.queries == [pushed.reference]
    assert money_recorded_once(placed, pushed, paid_status)
    assert pushed.status == paid_status and placed.payment_status == checkout_status


def test_a_callback_after_the_sweep_recorded_the_payment_doubles_nothing(fake, pushed, placed, client, ended):  # noqa: F811
    paid_status, _checkout_status = ended
    body = fake.callback_body(pushed.reference, 0, receipt=RECEIPT)
    assert mpesa_pending_settle(older_than_seconds=0) == 1

    assert all(accepted(post_callback(client, body)) for _ in range(2))
    assert all(accepted(answer) for answer in post_results(client, fake))
    assert mpesa_pending_settle(older_than_seconds=0) == 0

    assert money_recorded_once(placed, pushed, paid_status)
    assert pushed.payment_reference == RECEIPT  # the late callback's receipt, as Daraja confirmed it
    assert [query["TransactionID"] for query in fake.status_queries] == [RECEIPT]


@pytest.mark.parametrize("code", [1032, 1037])
def test_a_push_stopped_and_never_paid_is_asked_about_once(fake, pushed, placed, client, code):  # noqa: F811
    stop(client, placed, pushed)
    assert mpesa_pending_settle(older_than_seconds=0) == 0  # Daraja: still being processed, ask again
    fake.answer(pushed.reference, code)  # the prompt was dismissed or timed out on the phone

    assert [mpesa_pending_settle(older_than_seconds=0) for _ in range(3)] == [1, 0, 0]

    assert fake.queries == [pushed.reference] * 2
    pushed.refresh_from_db()
    assert pushed.status == Status.CANCELLED and "PIN" in pushed.message  # as the buyer left it
    answer = ProviderEvent.objects.get(event_id__startswith=pushed.reference)
    assert answer.processed_at and str(code) in answer.outcome
    placed.refresh_from_db()
    assert placed.payment_status == PaymentStatus.AWAITING and not LedgerTransaction.objects.exists()


def test_a_push_daraja_ended_is_not_asked_about_again(fake, pushed, placed, client):  # noqa: F811
    assert accepted(post_callback(client, fake.callback_body(pushed.reference, 1032)))
    pushed.refresh_from_db()
    assert pushed.status == Status.CANCELLED and fake.queries == [pushed.reference]

    assert mpesa_pending_settle(older_than_seconds=0) == 0
    assert fake.queries == [pushed.reference]  # the callback's own STK query only


def test_a_push_the_sweep_ended_is_not_asked_about_again(fake, pushed):  # noqa: F811
    fake.answer(pushed.reference, 1)  # insufficient balance
    assert [mpesa_pending_settle(older_than_seconds=0) for _ in range(2)] == [1, 0]
    pushed.refresh_from_db()
    assert pushed.status == Status.FAILED and fake.queries == [pushed.reference]


def test_a_push_ended_here_longer_ago_than_the_window_is_not_asked_about(
    fake,  # noqa: F811
    pushed,  # noqa: F811
    placed,
    client,
    settings,
):
    stop(client, placed, pushed)
    fake.callback_body(pushed.reference, 0, receipt=RECEIPT)
    window = timedelta(seconds=settings.MPESA_QUERY_ENDED_WITHIN_SECONDS)
    PaymentAttempt.objects.filter(pk=pushed.pk).update(created_at=pushed.created_at - window - timedelta(seconds=1))

    assert mpesa_pending_settle(older_than_seconds=0) == 0

    assert fake.queries == []
    pushed.refresh_from_db()
    assert pushed.status == Status.CANCELLED and not LedgerTransaction.objects.exists()

    # Just inside the window it is asked about, and paid.
    PaymentAttempt.objects.filter(pk=pushed.pk).update(created_at=pushed.created_at + timedelta(minutes=2))
    assert mpesa_pending_settle(older_than_seconds=0) == 1
    assert paid_once(placed)


def test_the_window_defaults_to_a_day(settings):
    assert settings.MPESA_QUERY_ENDED_WITHIN_SECONDS == 24 * 3600
