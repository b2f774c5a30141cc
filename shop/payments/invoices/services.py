"""PDF invoices: one per paid order (or cash order once delivered), rendered once, kept in
private storage, emailed to the buyer once, downloadable by the buyer, the store and staff.
Credit notes the same way: one per refund (``CreditNote``), saying what was given back,
in which state, and what the order cost after every refund so far (the PDFs: ``documents``).

``invoice_issue`` is safe to run twice or concurrently: the row, the file and the email
each happen once, and a run after a crash finishes what the first left undone.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from shop.core.jobs import job_enqueue_on_commit
from shop.core.selectors.i18n import speaking_to
from shop.core.selectors.money import money_format
from shop.core.services.mail import email_once, mail_send

from ..models import CreditNote, Invoice, PaymentStatus, Refund
from .documents import credit_note_render, invoice_due, invoice_number, invoice_render, refunded_total


def invoice_issue(order_id: int) -> Invoice | None:
    """Issue the order's invoice once: the row, its PDF, the email to the buyer. ``None``
    when the order is not paid (yet)."""
    order_model = Invoice._meta.get_field("order").related_model
    order = order_model.objects.select_related("checkout", "store", "buyer").filter(pk=order_id).first()
    if order is None or not invoice_due(order):
        return None
    try:
        with transaction.atomic():
            invoice, _created = Invoice.objects.get_or_create(order=order, defaults={"number": invoice_number(order)})
    except IntegrityError:
        invoice = Invoice.objects.get(order=order)
    _pdf_store_once(invoice, lambda: invoice_render(order))
    _email_once(invoice, to=order.buyer.email, send=lambda: _email(order, invoice))
    return invoice


def _pdf_store_once(document, render) -> None:
    """Render ``document``'s PDF (an invoice or a credit note) and keep it, once."""
    if document.pdf:
        return
    document.pdf.save(f"{document.number}.pdf", ContentFile(render()), save=False)
    if not type(document).objects.filter(pk=document.pk, pdf="").update(pdf=document.pdf.name):
        # A concurrent run stored its copy first: keep that one, drop ours.
        document.pdf.storage.delete(document.pdf.name)
    document.refresh_from_db()


def _email_once(document, *, to: str, send) -> None:
    """Send ``document`` by email (an invoice or a credit note) once: at least once whatever
    worker dies (``email_once``); a refused address is not tried again."""
    if document.emailed_at is None and to:
        now = timezone.now()
        email_once(
            type(document),
            document.pk,
            unsent=Q(emailed_at__isnull=True),
            send=send,
            sent={"emailed_at": now},
        )
    document.refresh_from_db()


def _email(order, invoice: Invoice) -> None:
    with speaking_to(order.buyer):
        subject = _("Your invoice for order %(number)s") % {"number": order.number}
        body = _(
            "Hello %(name)s,\n\nYour invoice %(invoice)s for order %(number)s from %(store)s is attached.\n\n%(site)s"
        ) % {
            "name": order.checkout.recipient,
            "invoice": invoice.number,
            "number": order.number,
            "store": order.store.name,
            "site": settings.SOKO_SITE_NAME,
        }
    with invoice.pdf.open("rb") as file:
        content = file.read()
    mail_send(
        subject=subject,
        body=body,
        to=[order.buyer.email],
        attachments=[(f"{invoice.number}.pdf", content, "application/pdf")],
    )


def invoice_issue_later(order_id: int) -> None:
    """Issue the invoice in the background once the current transaction commits."""
    job_enqueue_on_commit("payments.invoice_issue", order_id)


# An invoice or credit note not yet kept and emailed this long after it fell due lost its job
# (a queue that restarted empty, a worker killed while it held the job, a job that gave up):
# ``documents_unissued_resume`` queues it again. Past two days it is left to staff.
DOCUMENT_LOST_AFTER = timedelta(minutes=10)
DOCUMENT_GIVEN_UP_AFTER = timedelta(days=2)


def _unfinished(document: str, email: str) -> Q:
    """``document`` (the relation's name) missing, without its PDF, or not emailed to an
    address the buyer has."""
    return (
        Q(**{f"{document}__isnull": True})
        | Q(**{f"{document}__pdf": ""})
        | (Q(**{f"{document}__emailed_at__isnull": True}) & ~Q(**{email: ""}))
    )


def documents_unissued_resume(*, limit: int = 200) -> int:
    """Queue again the invoices and credit notes whose job was lost; how many were queued.
    Issuing is idempotent, so a job that was only slow does no harm when it runs too."""
    now = timezone.now()
    window = (now - DOCUMENT_GIVEN_UP_AFTER, now - DOCUMENT_LOST_AFTER)
    order_model = Invoice._meta.get_field("order").related_model
    due = Q(checkout__payment_status=PaymentStatus.PAID, checkout__paid_at__range=window) | Q(
        checkout__payment_status=PaymentStatus.ON_DELIVERY, delivered_at__range=window
    )
    orders = order_model.objects.filter(due).filter(_unfinished("invoice", "buyer__email"))
    in_force = CreditNote.objects.filter(refund=OuterRef("pk"), cancelled_at__isnull=True)
    refunds = (
        Refund.objects.exclude(status=Refund.Status.FAILED)
        .filter(Q(created_at__range=window) | Q(updated_at__range=window))  # asked again: due again from then
        .filter(
            ~Exists(in_force)
            | Exists(in_force.filter(pdf=""))
            | (Exists(in_force.filter(emailed_at__isnull=True)) & ~Q(order__buyer__email=""))
        )
    )
    queued = 0
    for order_id in orders.order_by("pk").values_list("pk", flat=True)[:limit]:
        job_enqueue_on_commit("payments.invoice_issue", order_id)
        queued += 1
    for refund_id in refunds.order_by("pk").values_list("pk", flat=True)[:limit]:
        job_enqueue_on_commit("payments.credit_note_issue", refund_id)
        queued += 1
    return queued


# Credit notes ----------------------------------------------------------------------------


def credit_note_number(refund: Refund) -> str:
    """``CN-<order>-<n>``: the n-th refund of the order (failed ones count too, so a number
    never changes once given); ``CN-<order>-<n>-<k>`` for the k-th note of a refund asked
    again after it failed."""
    position = Refund.objects.filter(order_id=refund.order_id, pk__lte=refund.pk).count()
    issued = CreditNote.objects.filter(refund=refund).count()
    return f"CN-{refund.order.number}-{position}" + (f"-{issued + 1}" if issued else "")


def credit_note_issue(refund_id: int) -> CreditNote | None:
    """Issue the refund's credit note once: the row, its PDF, the email to the buyer.
    ``None`` for a refund that failed (nothing was given back) or does not exist."""
    refund = (
        Refund.objects.select_related("order__checkout", "order__store", "order__buyer").filter(pk=refund_id).first()
    )
    if refund is None or refund.status == Refund.Status.FAILED:
        return None
    try:
        with transaction.atomic():
            note, _created = CreditNote.objects.get_or_create(
                refund=refund, cancelled_at=None, defaults={"number": credit_note_number(refund)}
            )
    except IntegrityError:
        note = CreditNote.objects.get(refund=refund, cancelled_at=None)
    _pdf_store_once(note, lambda: credit_note_render(refund, note.number))
    _email_once(note, to=refund.order.buyer.email, send=lambda: _email_credit_note(refund, note))
    return note


def credit_note_cancel(refund: Refund) -> None:
    """The refund failed, or is asked again for what it gives back now: its credit note in
    force is cancelled (kept as issued, no longer shown); a refund asked again gets a new one."""
    CreditNote.objects.filter(refund=refund, cancelled_at__isnull=True).update(cancelled_at=timezone.now())


def _email_credit_note(refund: Refund, note: CreditNote) -> None:
    order = refund.order
    replaced = CreditNote.objects.filter(refund=refund, cancelled_at__isnull=False).order_by("-pk").first()
    with speaking_to(order.buyer):
        named = note.number
        if replaced is not None:
            named = _("%(note)s (it replaces %(cancelled)s, cancelled)") % {
                "note": note.number,
                "cancelled": replaced.number,
            }
        subject = _("Your credit note for order %(number)s") % {"number": order.number}
        body = _(
            "Hello %(name)s,\n\n%(store)s refunded %(amount)s on order %(number)s (%(state)s, %(date)s). "
            "Paid for the order after refunds: %(net)s.\nYour credit note %(note)s is attached.\n\n%(site)s"
        ) % {
            "name": order.checkout.recipient,
            "store": order.store.name,
            "amount": money_format(refund.amount, refund.currency),
            "number": order.number,
            "state": refund.get_status_display(),
            "date": date_format(timezone.localtime(refund.created_at), "j F Y"),
            "net": money_format(order.total - refunded_total(order), order.currency),
            "note": named,
            "site": settings.SOKO_SITE_NAME,
        }
    with note.pdf.open("rb") as file:
        content = file.read()
    mail_send(
        subject=subject,
        body=body,
        to=[order.buyer.email],
        attachments=[(f"{note.number}.pdf", content, "application/pdf")],
    )


def credit_note_issue_later(refund_id: int) -> None:
    """Issue the refund's credit note in the background once the current transaction commits."""
    job_enqueue_on_commit("payments.credit_note_issue", refund_id)
