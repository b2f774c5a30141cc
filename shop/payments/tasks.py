"""The payments app's background jobs: each is idempotent, so a second run (or a run after
a crash) changes nothing more."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from shop.core.jobs import job

from .invoices.services import documents_unissued_resume, invoice_issue
from .ledger.reconciliation import escrow_reconciliation_flag, reconciliation, reconciliation_flag
from .ledger.suspense import suspense_refund_send, suspense_refunds_resend
from .providers.mpesa.callbacks import mpesa_pending_settle
from .providers.paypal.callbacks import paypal_pending_settle
from .providers.stripe.callbacks import stripe_balance_sync, stripe_pending_settle
from .refunds.lost import overdue_refunds_flag
from .refunds.services import refund_send, refunds_resend

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/5"))
def stripe_pending_settle_task() -> int:
    """Every five minutes: card payments still pending are settled from Stripe's side."""
    return stripe_pending_settle()


@db_periodic_task(crontab(minute="*"))
def mpesa_pending_settle_task() -> int:
    """Every minute: M-Pesa pushes Daraja has not answered after a while are asked about,
    the pending ones and those ended here that the buyer's phone could still pay."""
    return mpesa_pending_settle()


@db_periodic_task(crontab(minute="*/5"))
def paypal_pending_settle_task() -> int:
    """Every five minutes: PayPal orders approved by buyers who never came back are captured."""
    return paypal_pending_settle()


@job("payments.invoice_issue")
@db_task(retries=3, retry_delay=60)
def invoice_issue_task(order_id: int) -> str:
    """The order's invoice: rendered, kept and emailed once (a retry finishes what is left)."""
    invoice = invoice_issue(order_id)
    return invoice.number if invoice else ""


@db_periodic_task(crontab(minute="*/10"))
def documents_unissued_resume_task() -> int:
    """Every ten minutes: invoices and credit notes whose jobs were lost are queued again."""
    return documents_unissued_resume()


@job("payments.refund_send")
@db_task(retries=3, retry_delay=60)
def refund_send_task(refund_id: int, retry: bool = False) -> str:
    """A recorded card, PayPal or stablecoin refund asked of its provider, after the commit
    that recorded it, under its idempotency key (a second run refunds nothing more)."""
    return refund_send(refund_id, retry=retry).status


@job("payments.suspense_refund_send")
@db_task(retries=3, retry_delay=60)
def suspense_refund_send_task(refund_id: int) -> str:
    """Money held in suspense given back through its provider, after the commit that
    recorded the request, under the try's key (a second run refunds nothing more)."""
    return suspense_refund_send(refund_id).status


@db_periodic_task(crontab(minute="17"))
def stripe_balance_sync_task() -> dict:
    """Hourly: what lost Stripe webhooks missed (disputes, returned refunds, fees) is
    caught up from Stripe's events and balance transactions."""
    return stripe_balance_sync()


@db_periodic_task(crontab(hour="3", minute="40"))
def reconciliation_flag_task() -> int:
    """Daily: the ledger against each provider's own report for the last week; each
    difference flagged once for staff."""
    return reconciliation_flag(reconciliation(days=7))


@db_periodic_task(crontab(minute="*/10"))
def refunds_resend_task() -> int:
    """Every ten minutes: refunds (of orders, and of payments held in suspense) whose
    provider was never asked, because the job was lost or gave up while the provider or
    the chain's node was out of reach, are asked again (once each, under their keys).
    Those a day old that no provider took are flagged for staff first (a sweep's try
    touches a refund, so the flag looks before the tries)."""
    flagged = overdue_refunds_flag()
    if flagged:
        log.warning("%s refunds a day old not taken by their provider: flagged for staff", flagged)
    return refunds_resend() + suspense_refunds_resend()


@db_periodic_task(crontab(minute="25"))
def escrow_reconciliation_flag_task() -> int:
    """Hourly: the ledger's stablecoin moves against the escrow contract's events; each
    difference flagged once for staff."""
    return escrow_reconciliation_flag()
