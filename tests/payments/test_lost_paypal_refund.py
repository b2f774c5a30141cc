"""A PayPal refund whose job was lost is asked of PayPal by the sweep, once, under the
refund's own key; past the time PayPal keeps that key it is left to staff. A refund
whose answer was lost is not refused."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shop.orders.models import Order
from shop.payments.ledger.suspense import suspense_refund, suspense_refund_send
from shop.payments.models import PaymentAttempt, Refund, SuspenseRefund
from shop.payments.providers.paypal.client import PaypalError
from shop.payments.refunds.lost import PROVIDER_KEYS_KEPT
from shop.payments.refunds.services import RefundPending, refund_order, refund_send, refunds_resend
from tests.payments.test_paypal import fake, started  # noqa: F401
from tests.payments.test_suspense import balances, finance  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def refunded_and_lost(fake, started, placed, client, jobs_lost, django_capture_on_commit_callbacks):  # noqa: F811
    fake.approve(started.reference)
    client.get(f"/payments/paypal/return/?token={started.reference}")
    order = Order.objects.get(checkout=placed, delivery_mode="pickup")
    with jobs_lost() as lost, django_capture_on_commit_callbacks(execute=True):
        refund = refund_order(order=order, lines={order.items.get().pk: 1}, reason="Broken", key="pp-lost")
    assert "payments.refund_send" in lost
    refund.refresh_from_db()
    assert (refund.provider, refund.status, refund.reference) == ("paypal", Refund.Status.PENDING, "")
    return refund


def refunds_at_paypal(server) -> list:
    return [capture["_refunded"] for capture in server.captures.values()]


def test_a_paypal_refund_whose_job_was_lost_is_asked_once(fake, refunded_and_lost):  # noqa: F811
    refund = refunded_and_lost
    assert refunds_resend() == 0  # too soon to call the job lost

    Refund.objects.update(updated_at=timezone.now() - timedelta(minutes=11))
    assert refunds_resend() == 1

    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED and refund.reference
    assert sum(refunds_at_paypal(fake)) == 850


def test_a_paypal_refund_older_than_its_key_is_left_to_staff(fake, refunded_and_lost):  # noqa: F811
    long_ago = timezone.now() - PROVIDER_KEYS_KEPT - timedelta(minutes=11)
    Refund.objects.update(created_at=long_ago, updated_at=long_ago)

    assert refunds_resend() == 0
    assert sum(refunds_at_paypal(fake)) == 0 and Refund.objects.get().status == Refund.Status.PENDING


def test_a_paypal_refund_whose_answer_was_lost_stays_pending_and_ends_with_paypals_refund(fake, refunded_and_lost):  # noqa: F811
    """PayPal refunded, but its answer never came back: not a refusal. The refund stays
    pending and the job's next try, under the same PayPal-Request-Id, gets PayPal's refund."""
    refund = refunded_and_lost
    fake.lose_answers(1)
    with pytest.raises(RefundPending):
        refund_send(refund.pk)
    refund.refresh_from_db()
    assert (refund.status, refund.reference) == (Refund.Status.PENDING, "")
    assert sum(refunds_at_paypal(fake)) == 850  # made at PayPal

    refund_send(refund.pk)
    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED and refund.reference
    assert sum(refunds_at_paypal(fake)) == 850


def test_a_refund_from_suspense_whose_paypal_answer_was_lost_stays_pending(
    fake, started, placed, client, finance, jobs_lost, django_capture_on_commit_callbacks  # noqa: F811
):
    fake.approve(started.reference)
    fake.tamper_capture_amount(started.reference, "1.00")  # paid the wrong amount: held in suspense
    client.get(f"/payments/paypal/return/?token={started.reference}")
    attempt = PaymentAttempt.objects.get(pk=started.pk)
    with jobs_lost(), django_capture_on_commit_callbacks(execute=True):
        given = suspense_refund(attempt=attempt, actor=finance)

    fake.lose_answers(1)
    with pytest.raises(PaypalError):
        suspense_refund_send(given.pk)
    given.refresh_from_db()
    assert (given.status, given.reference) == (SuspenseRefund.Status.PENDING, "")  # not read as refused
    assert sum(refunds_at_paypal(fake)) == Decimal("1.00")  # made at PayPal (major units)

    suspense_refund_send(given.pk)  # the job's next try, same key: PayPal replays its refund
    given.refresh_from_db()
    assert given.status == SuspenseRefund.Status.SUCCEEDED and given.reference
    assert sum(refunds_at_paypal(fake)) == Decimal("1.00") and balances("paypal") == (0, 0)
