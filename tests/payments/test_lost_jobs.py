"""Payments' jobs lost on the way (a queue that restarted empty, a worker killed while it
held the job): a recorded refund is still asked of its provider once, money held in
suspense is still given back, and every paid order still gets its invoice and every refund
its credit note. The periodic sweeps find that work undone and ask for it again."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from shop.orders.models import Checkout
from shop.payments.invoices.services import DOCUMENT_LOST_AFTER, documents_unissued_resume
from shop.payments.ledger.suspense import suspense_refund, suspense_refunds_resend
from shop.payments.models import CreditNote, Invoice, PaymentAttempt, Refund, SuspenseRefund
from shop.payments.providers.stripe.client import stripe_client
from shop.payments.refunds.lost import PROVIDER_KEYS_KEPT
from shop.payments.refunds.services import refund_order, refunds_resend
from tests.payments.test_invoices import pay
from tests.payments.test_stripe_money import AMOUNT, FEE, balanced, paid, stripe_balance  # noqa: F401
from tests.payments.test_stripe_webhook import deliver, event_of
from tests.payments.test_suspense import balances, finance  # noqa: F401

pytestmark = pytest.mark.django_db

LOST = timedelta(minutes=11)


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.SOKO_PRIVATE_MEDIA_ROOT = str(tmp_path / "private")


def untouched_for(model, age: timedelta, **field) -> None:
    model.objects.update(**{next(iter(field), "updated_at"): timezone.now() - age})


def refunds_at_stripe(attempt) -> list:
    return stripe_client().v1.refunds.list(params={"payment_intent": attempt.payment_reference, "limit": 100}).data


def refunded_and_lost(paid, jobs_lost, capture):  # noqa: F811
    order = paid.checkout.orders.order_by("pk").first()
    with jobs_lost() as lost, capture(execute=True):
        refund = refund_order(
            order=order, lines={item.pk: item.quantity for item in order.items.all()}, reason="Out of stock", key="r-1"
        )
    refund.refresh_from_db()
    return refund, lost


def test_a_card_refund_whose_job_was_lost_is_asked_once(paid, jobs_lost, django_capture_on_commit_callbacks):  # noqa: F811
    refund, lost = refunded_and_lost(paid, jobs_lost, django_capture_on_commit_callbacks)
    assert "payments.refund_send" in lost
    assert (refund.status, refund.reference) == (Refund.Status.PENDING, "")
    assert refunds_at_stripe(paid) == [] and stripe_balance() == AMOUNT - FEE
    assert refunds_resend() == 0  # too soon to call the job lost

    untouched_for(Refund, LOST)
    assert refunds_resend() == 1

    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED and refund.reference.startswith("re_")
    assert [made.id for made in refunds_at_stripe(paid)] == [refund.reference]
    assert stripe_balance() == AMOUNT - FEE - refund.amount_minor and balanced()
    untouched_for(Refund, LOST)
    assert refunds_resend() == 0


def test_a_card_refund_stripe_made_before_its_worker_died_is_not_made_again(
    paid, jobs_lost, django_capture_on_commit_callbacks  # noqa: F811
):
    refund, _lost = refunded_and_lost(paid, jobs_lost, django_capture_on_commit_callbacks)
    made = stripe_client().v1.refunds.create(
        params={"payment_intent": paid.payment_reference, "amount": refund.amount_minor, "metadata": {"refund_id": str(refund.pk)}},
        options={"idempotency_key": f"refund-{refund.idempotency_key}"},
    )  # what the job asked just before its worker was killed

    untouched_for(Refund, LOST)
    assert refunds_resend() == 1

    refund.refresh_from_db()
    assert (refund.status, refund.reference) == (Refund.Status.SUCCEEDED, made.id)
    assert len(refunds_at_stripe(paid)) == 1 and balanced()


def test_two_sweeps_at_once_ask_for_a_lost_refund_once(paid, jobs_lost, django_capture_on_commit_callbacks):  # noqa: F811
    refund, _lost = refunded_and_lost(paid, jobs_lost, django_capture_on_commit_callbacks)
    untouched_for(Refund, LOST)
    from shop.payments.refunds.lost import lost_refunds_claim

    first = lost_refunds_claim(Refund, older_than_seconds=600)
    assert next(first) == refund.pk  # one sweep claimed it
    assert list(lost_refunds_claim(Refund, older_than_seconds=600)) == []  # the other finds nothing to claim


def flagged_card_payment(fake, started, client):
    fake.engine.tamper(started.reference, amount_total=100)  # paid the wrong amount: held in suspense
    assert deliver(client, event_of(fake.engine.session_pay(started.reference), "checkout.session.completed")).status_code == 200
    attempt = PaymentAttempt.objects.get(pk=started.pk)
    assert attempt.status == PaymentAttempt.Status.FLAGGED and balances("stripe") == (100, -100)
    return attempt


def test_a_refund_from_suspense_whose_job_was_lost_is_sent(
    fake, started, client, finance, jobs_lost, django_capture_on_commit_callbacks  # noqa: F811
):
    attempt = flagged_card_payment(fake, started, client)
    with jobs_lost() as lost, django_capture_on_commit_callbacks(execute=True):
        given = suspense_refund(attempt=attempt, actor=finance)
    assert lost == ["payments.suspense_refund_send"]
    given.refresh_from_db()
    assert (given.status, given.reference) == (SuspenseRefund.Status.PENDING, "")
    assert suspense_refunds_resend() == 0  # too soon to call the job lost

    untouched_for(SuspenseRefund, LOST)
    assert suspense_refunds_resend() == 1

    given.refresh_from_db()
    assert given.status == SuspenseRefund.Status.SUCCEEDED and given.reference.startswith("re_")
    assert len(refunds_at_stripe(attempt)) == 1 and balances("stripe") == (0, 0) and balanced()
    untouched_for(SuspenseRefund, LOST)
    assert suspense_refunds_resend() == 0


def test_a_refund_from_suspense_older_than_the_providers_key_is_left_to_staff(
    fake, started, client, finance, jobs_lost, django_capture_on_commit_callbacks  # noqa: F811
):
    attempt = flagged_card_payment(fake, started, client)
    with jobs_lost(), django_capture_on_commit_callbacks(execute=True):
        suspense_refund(attempt=attempt, actor=finance)
    SuspenseRefund.objects.update(
        created_at=timezone.now() - PROVIDER_KEYS_KEPT - LOST, updated_at=timezone.now() - PROVIDER_KEYS_KEPT - LOST
    )

    assert suspense_refunds_resend() == 0  # asked again under a key Stripe forgot, it could be paid twice
    assert refunds_at_stripe(attempt) == [] and SuspenseRefund.objects.get().status == SuspenseRefund.Status.PENDING


def test_an_invoice_whose_job_was_lost_is_issued(placed, jobs_lost, django_capture_on_commit_callbacks):
    with jobs_lost() as lost, django_capture_on_commit_callbacks(execute=True):
        pay(placed)
    assert lost.count("payments.invoice_issue") == 2  # one per store's order
    assert not Invoice.objects.exists()
    assert documents_unissued_resume() == 0  # too soon to call the jobs lost

    Checkout.objects.filter(pk=placed.pk).update(paid_at=timezone.now() - DOCUMENT_LOST_AFTER - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert documents_unissued_resume() == 2

    invoices = Invoice.objects.all()
    assert len(invoices) == 2 and all(invoice.pdf and invoice.emailed_at for invoice in invoices)
    assert sorted(message.subject for message in mail.outbox if "invoice" in message.subject) == sorted(
        f"Your invoice for order {invoice.order.number}" for invoice in invoices
    )
    assert documents_unissued_resume() == 0


def test_a_credit_note_whose_job_was_lost_is_issued(paid, jobs_lost, django_capture_on_commit_callbacks):  # noqa: F811
    refund, lost = refunded_and_lost(paid, jobs_lost, django_capture_on_commit_callbacks)
    assert "payments.credit_note_issue" in lost
    assert not CreditNote.objects.exists()
    Invoice.objects.all().delete()  # only the credit note is looked at here
    Checkout.objects.update(paid_at=timezone.now() - timedelta(days=3))

    untouched_for(Refund, DOCUMENT_LOST_AFTER + timedelta(seconds=1), created_at=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert documents_unissued_resume() == 1

    note = CreditNote.objects.get()
    assert note.refund_id == refund.pk and note.pdf and note.emailed_at
    assert documents_unissued_resume() == 0
