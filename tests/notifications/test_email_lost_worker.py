"""An email kept in a row (a notification's copy, a review request, a chat digest, an
invoice, a credit note) is sent whatever worker dies. A worker killed while it sends leaves
its claim on the row; while the claim's lease runs no other run sends the email too, and
once it has passed, the next run of the row's sweep sends it, once. Every model with an
``email_claimed_at`` must have its story here, so a new kind of kept email is covered."""

from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMessage
from django.test import TestCase
from django.utils import timezone

from shop.chat.models import Digest
from shop.chat.services.conversations import digests_send, message_send
from shop.core.services.mail import EMAIL_CLAIM_LEASE
from shop.notifications.models import Notification
from shop.notifications.services.notifications import notification_email_send, notifications_sweep
from shop.payments.invoices.services import credit_note_issue, documents_unissued_resume, invoice_issue
from shop.payments.models import CreditNote, Invoice
from shop.payments.refunds.services import refund_order
from shop.reviews.models import ReviewRequest
from shop.reviews.services import review_requests_send
from tests.factories import UserFactory
from tests.factories.chat import chat_world
from tests.returns.conftest import delivered_order

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """What the worker's process meets in the middle of a send: nothing after it runs."""


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.SOKO_PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    settings.MEDIA_ROOT = tmp_path / "media"


def later(minutes: int = 0):
    return timezone.now() + timedelta(minutes=minutes)


# Each story makes the row's email fall due and runs its first send (which dies); its
# second part is the run that comes after: the sweep, the periodic job, the job again.


def a_notification():
    notification = Notification.objects.create(user=UserFactory(), kind="order", text="Your order left", email_wanted=True)
    notification_email_send(notification_id=notification.pk)


def review_requests_due():
    review_requests_send(now=later(settings.SOKO_REVIEW_EMAIL_HOURS * 60 + 1))


def a_review_request():
    delivered_order()
    review_requests_send()  # the notification, now; the email later
    review_requests_due()


def chat_digests_due():
    digests_send(now=later(settings.SOKO_CHAT_EMAIL_MINUTES + 1))


def a_chat_digest():
    world = chat_world()
    with TestCase.captureOnCommitCallbacks(execute=True):  # the digest is marked after the message's commit
        message_send(conversation=world.conversation, user=world.staff, text="It comes in blue")
    chat_digests_due()


def documents_resumed():
    with TestCase.captureOnCommitCallbacks(execute=True):  # the jobs it queues run (Huey is immediate in tests)
        documents_unissued_resume()


def an_invoice():
    order = delivered_order(method="card", units=(1,), prices=("6500.00",))
    invoice_issue(order.pk)


def a_credit_note():
    order = delivered_order(method="card", units=(1,), prices=("6500.00",))
    Invoice.objects.create(order=order, number=f"INV-{order.number}", emailed_at=timezone.now())  # sent before
    refund = refund_order(order=order, lines={order.items.get().pk: 1}, reason="Damaged", key=f"lost:{order.pk}")
    credit_note_issue(refund.pk)


STORIES = {
    Notification: (a_notification, notifications_sweep),
    ReviewRequest: (a_review_request, review_requests_due),
    Digest: (a_chat_digest, chat_digests_due),
    Invoice: (an_invoice, documents_resumed),
    CreditNote: (a_credit_note, documents_resumed),
}


def test_every_kept_email_has_its_story():
    kept = {model for model in apps.get_models() if any(f.name == "email_claimed_at" for f in model._meta.fields)}
    assert kept == set(STORIES)


@pytest.mark.parametrize("model", list(STORIES), ids=lambda model: model.__name__)
def test_an_email_whose_worker_died_while_sending_is_sent_once_after_the_lease(model, monkeypatch):
    first, after = STORIES[model]
    with monkeypatch.context() as dying:
        dying.setattr(EmailMessage, "send", killed)
        with pytest.raises(WorkerKilled):
            first()
    row = model.objects.get(email_claimed_at__isnull=False)
    assert row.emailed_at is None and not mail.outbox

    with time_machine.travel(later(int(EMAIL_CLAIM_LEASE.total_seconds() // 60) + 1)):
        after()
        after()

    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.emailed_at is not None and row.email_claimed_at is None


def killed(message, *args, **kwargs):
    raise WorkerKilled


def test_while_a_worker_holds_the_claim_no_other_run_sends_and_after_the_lease_one_does():
    notification = Notification.objects.create(user=UserFactory(), kind="order", text="Your order left", email_wanted=True)
    Notification.objects.filter(pk=notification.pk).update(email_claimed_at=timezone.now())  # a worker sending now

    with time_machine.travel(later(int(EMAIL_CLAIM_LEASE.total_seconds() // 60) - 1)):
        assert notification_email_send(notification_id=notification.pk) is False
        assert notifications_sweep()["emails_retried"] == 0
    assert not mail.outbox
    with time_machine.travel(later(int(EMAIL_CLAIM_LEASE.total_seconds() // 60) + 1)):
        assert notifications_sweep()["emails_retried"] == 1
    assert len(mail.outbox) == 1
