"""A provider that carried out a refund but whose answer never came back (the connection
dropped on the way back, after the client's own retries) has not refused it: the refund
stays pending, is asked again under its key, and ends with the one refund the provider
made, in the ledger once. Walked for each provider an automatic refund goes through (card,
PayPal: test_lost_paypal_refund.py), for refunds of orders and of payments held in suspense."""

import pytest

from shop.payments.ledger.suspense import suspense_refund, suspense_refund_send
from shop.payments.models import LedgerTransaction, Refund, SuspenseRefund
from shop.payments.providers.answers import outcome_unknown
from shop.payments.providers.paypal.client import PaypalError
from shop.payments.refunds.services import RefundPending, refund_order, refund_send
from tests.payments.test_lost_jobs import flagged_card_payment, refunds_at_stripe
from tests.payments.test_stripe_money import AMOUNT, FEE, balanced, paid, stripe_balance  # noqa: F401
from tests.payments.test_suspense import balances, finance  # noqa: F401

pytestmark = pytest.mark.django_db

# stripe-python asks twice more on a dropped connection (max_network_retries=2): three
# answers lost is an answer the caller never gets.
ALL_TRIES = 3


def test_a_card_refund_whose_answer_was_lost_stays_pending_and_ends_with_stripes_refund(
    paid, fake, jobs_lost, django_capture_on_commit_callbacks  # noqa: F811
):
    order = paid.checkout.orders.order_by("pk").first()
    with jobs_lost(), django_capture_on_commit_callbacks(execute=True):
        refund = refund_order(
            order=order, lines={item.pk: item.quantity for item in order.items.all()}, reason="Broken", key="lost-1"
        )

    fake.lose_answers(ALL_TRIES)
    with pytest.raises(RefundPending):
        refund_send(refund.pk)  # the job: Stripe made the refund, the answer never came
    refund.refresh_from_db()
    assert (refund.status, refund.reference) == (Refund.Status.PENDING, "")  # not read as refused
    made = refunds_at_stripe(paid)
    assert len(made) == 1 and stripe_balance() == AMOUNT - FEE  # made at Stripe, not yet in the ledger

    refund_send(refund.pk)  # the job's next try, under the same key: Stripe replays its refund
    refund.refresh_from_db()
    assert (refund.status, refund.reference) == (Refund.Status.SUCCEEDED, made[0].id)
    assert len(refunds_at_stripe(paid)) == 1
    assert stripe_balance() == AMOUNT - FEE - refund.amount_minor and balanced()
    assert LedgerTransaction.objects.filter(key__startswith=f"refund:{refund.pk}").count() == 1


def test_a_refund_from_suspense_whose_answer_was_lost_stays_pending_until_asked_again(
    fake, started, client, finance, jobs_lost, django_capture_on_commit_callbacks  # noqa: F811
):
    attempt = flagged_card_payment(fake, started, client)
    with jobs_lost(), django_capture_on_commit_callbacks(execute=True):
        given = suspense_refund(attempt=attempt, actor=finance)

    fake.lose_answers(ALL_TRIES)
    with pytest.raises(Exception) as raised:
        suspense_refund_send(given.pk)
    assert outcome_unknown(raised.value)
    given.refresh_from_db()
    assert (given.status, given.reference) == (SuspenseRefund.Status.PENDING, "")
    assert len(refunds_at_stripe(attempt)) == 1 and balances("stripe") == (100, -100)

    suspense_refund_send(given.pk)
    given.refresh_from_db()
    assert given.status == SuspenseRefund.Status.SUCCEEDED
    assert [made.id for made in refunds_at_stripe(attempt)] == [given.reference]
    assert balances("stripe") == (0, 0) and balanced()


@pytest.mark.parametrize(
    ("status", "unknown"), [(0, True), (429, True), (500, True), (503, True), (400, False), (404, False), (422, False)]
)
def test_only_paypals_silence_or_own_failure_leaves_a_request_open(status, unknown):
    assert outcome_unknown(PaypalError("PayPal said so", "ISSUE", status)) is unknown
