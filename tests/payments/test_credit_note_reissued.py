"""A credit note says what a refund gave back, and only while it did. When the refund fails
(the buyer's bank returns it, or the provider refuses it), its note is cancelled: kept as
issued, no longer offered on the order pages or in the API. A refund asked again gets a new
note (``CN-<order>-<n>-2``) for what it gives back then, emailed to the buyer with the
number of the one it replaces."""

import pytest
from django.core import mail
from django.utils import timezone
from pypdf import PdfReader

from shop.devgateway.services import dev_engine
from shop.payments.invoices.services import credit_note_issue, documents_unissued_resume
from shop.payments.models import CreditNote, Refund
from shop.payments.refunds.services import refund_failed_by_provider, refund_order, refund_send
from tests.html import dom
from tests.payments.test_refund_discount_revived import bank_returns, discounted_order, unit_refunder

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.SOKO_PRIVATE_MEDIA_ROOT = str(tmp_path / "private")


def pdf_text(note: CreditNote) -> str:
    return " ".join(page.extract_text() for page in PdfReader(note.pdf.open("rb")).pages)


def shown_notes(client, order) -> list[str]:
    client.force_login(order.buyer)
    page = dom(client.get(f"/orders/{order.number}/"))
    return [link.text for link in page.all("[data-testid=credit-note-link]")]


def test_a_refund_returned_by_the_bank_and_asked_again_gets_a_new_note_for_what_it_gives_back_then(
    client, django_capture_on_commit_callbacks
):
    order = discounted_order(discount_percent="3.3333")  # 1.00 of 30.00 off, paid by Soko
    refund = unit_refunder(order, django_capture_on_commit_callbacks)

    refund("first")
    second = refund("second")
    first_note = second.credit_note
    assert first_note.number == f"CN-{order.number}-2" and "9.66" in pdf_text(first_note)

    bank_returns(second)

    first_note.refresh_from_db()
    assert first_note.cancelled_at is not None and second.credit_note is None
    assert shown_notes(client, order) == [f"Credit note CN-{order.number}-1"]
    assert credit_note_issue(second.pk) is None

    refund("third")
    emails = len(mail.outbox)
    again = refund("second")  # asked again: now the last unit's part, 9.67

    assert again.pk == second.pk and again.status == Refund.Status.SUCCEEDED
    new_note = again.credit_note
    assert new_note.number == f"CN-{order.number}-2-2" and new_note.pdf and new_note.emailed_at
    assert "9.67" in pdf_text(new_note)
    [sent] = mail.outbox[emails:]
    assert f"{new_note.number} (it replaces {first_note.number}, cancelled)" in sent.body
    assert sent.attachments[0][0] == f"{new_note.number}.pdf"
    assert sorted(shown_notes(client, order)) == sorted(
        [f"Credit note CN-{order.number}-1", f"Credit note CN-{order.number}-3", f"Credit note {new_note.number}"]
    )
    assert CreditNote.objects.filter(refund=again).count() == 2  # the cancelled one is kept


def test_a_refund_refused_by_the_provider_cancels_the_note_it_had_while_pending(client):
    order = discounted_order()
    refund = refund_order(order=order, lines={order.items.get().pk: 1}, reason="Damaged", key="refused")
    note = credit_note_issue(refund.pk)  # the note's job ran before the refund's own
    assert note is not None and refund.status == Refund.Status.PENDING
    # Meanwhile the whole charge was refunded at Stripe (from its dashboard): it refuses this one.
    dev_engine().refund_create({"payment_intent": refund.attempt.payment_reference})

    refund_send(refund.pk)

    refund.refresh_from_db()
    note.refresh_from_db()
    assert refund.status == Refund.Status.FAILED and note.cancelled_at is not None
    assert shown_notes(client, order) == []


def test_the_lost_job_sweep_issues_the_note_of_a_refund_asked_again_not_of_a_failed_one(
    django_capture_on_commit_callbacks, time_machine
):
    order = discounted_order()
    refund = refund_order(order=order, lines={order.items.get().pk: 1}, reason="Damaged", key="swept")
    credit_note_issue(refund.pk)
    refund_failed_by_provider(Refund.objects.get(pk=refund.pk), "returned by the bank")

    time_machine.move_to(timezone.now() + timezone.timedelta(minutes=11))
    with django_capture_on_commit_callbacks(execute=True):
        documents_unissued_resume()
    assert refund.credit_note is None  # the failed refund's note stays cancelled, none new

    with django_capture_on_commit_callbacks(execute=False):  # asked again; its job is lost
        revived = refund_order(order=order, lines={order.items.get().pk: 1}, reason="Damaged", key="swept")
    assert revived.credit_note is None
    time_machine.move_to(timezone.now() + timezone.timedelta(minutes=11))
    with django_capture_on_commit_callbacks(execute=True):
        documents_unissued_resume()
    assert revived.credit_note.number == f"CN-{order.number}-1-2"
