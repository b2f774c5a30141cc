"""Every refund gets its credit note: when a refund is recorded, a background job renders,
keeps and emails it once the refund's transaction commits."""

from django.dispatch import receiver
from huey.contrib.djhuey import db_task

from shop.core.jobs import job

from .invoices.services import credit_note_issue, credit_note_issue_later
from .models import Refund
from .signals import refund_recorded


@job("payments.credit_note_issue")
@db_task(retries=3, retry_delay=60)
def credit_note_issue_task(refund_id: int) -> str:
    """The refund's credit note: rendered, kept and emailed once (a retry finishes what is left)."""
    note = credit_note_issue(refund_id)
    return note.number if note else ""


@receiver(refund_recorded, sender=Refund, dispatch_uid="payments.credit_note_on_refund")
def _credit_note_on_refund(sender, order, refund, **kwargs) -> None:
    credit_note_issue_later(refund.pk)
