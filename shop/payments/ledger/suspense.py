"""Money received but not owed: a payment that came late, twice, or for another amount is
held in the ledger's suspense account (``services._post_suspense``) and given back from
there, through the provider that took it.

Staff ask for it from the payment flag (``suspense_refund``): the request is recorded in
its own transaction, then a background job asks the provider after commit
(``suspense_refund_send``, a Stripe refund of the payment intent, a PayPal capture refund,
or the stablecoin deposit's tokens sent back out of the escrow to the wallet that paid,
under a key per try), and posts suspense debit / provider credit once the provider took
it. M-Pesa is given back by hand: recorded with a checklist and posted at once, as the
manual refunds of orders are.
"""

from __future__ import annotations

import logging

import stripe
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shop.chain.node import ChainNotConfigured, ChainUnavailable
from shop.chain.services.escrow import EscrowKeyReused, escrow_refund
from shop.chain.services.transactions import ContractRefused, TransactionPending
from shop.core.jobs import job_enqueue_on_commit
from shop.core.services.transactions import assert_outside_transactions

from ..models import CryptoDeposit, LedgerTransaction, PaymentAttempt, PaymentFlag, Provider, SuspenseRefund
from ..payouts.selectors import buyer_address_for, crypto_quote_for, token_minor_down
from ..payouts.services import CARD_PROVIDERS
from ..providers.answers import outcome_unknown
from ..providers.paypal.client import PaypalError, paypal_refund
from ..providers.stripe.client import stripe_client
from ..refunds.lost import lost_refunds_claim
from . import accounts
from . import services as ledger
from .services import Line

log = logging.getLogger(__name__)

SUSPENSE_FLAGS = (PaymentFlag.Kind.LATE, PaymentFlag.Kind.DOUBLE, PaymentFlag.Kind.MISMATCH)
MANUAL_PROVIDERS = (Provider.MPESA, Provider.CASH)


class SuspenseRefundError(Exception):
    """The money cannot be given back as asked; the message says why, for staff."""


def suspense_held_minor(attempt: PaymentAttempt) -> int:
    """What the attempt put in suspense (its ``suspense:attempt`` posting), in minor units."""
    posted = LedgerTransaction.objects.filter(key=f"suspense:attempt:{attempt.pk}").first()
    if posted is None:
        return 0
    return -sum(entry.amount_minor for entry in posted.entries.all() if entry.account.code == accounts.SUSPENSE)


def suspense_refund(*, attempt: PaymentAttempt, actor) -> SuspenseRefund:
    """Give back a payment held in suspense, in full, as ``actor`` (staff). Asking again
    returns the refund under way; after a failure it is tried again under a new key."""
    with transaction.atomic(durable=True):
        attempt = PaymentAttempt.objects.select_for_update().get(pk=attempt.pk)
        amount = suspense_held_minor(attempt)
        if attempt.status != PaymentAttempt.Status.FLAGGED or amount <= 0:
            raise SuspenseRefundError(_("This payment is not held in suspense, so there is nothing to give back here."))
        current = attempt.suspense_refunds.exclude(status=SuspenseRefund.Status.FAILED).first()
        if current is not None:
            return current
        manual = attempt.provider in MANUAL_PROVIDERS
        if not manual and not attempt.payment_reference:
            raise SuspenseRefundError(_("The provider's reference of this payment is unknown: give it back by hand."))
        failed = attempt.suspense_refunds.filter(status=SuspenseRefund.Status.FAILED).order_by("-pk").first()
        if failed is not None:
            refund = failed
            refund.status, refund.tries, refund.message = SuspenseRefund.Status.PENDING, refund.tries + 1, ""
            refund.requested_by = actor
            refund.save(update_fields=["status", "tries", "message", "requested_by", "updated_at"])
        else:
            refund = SuspenseRefund.objects.create(
                attempt=attempt,
                provider=attempt.provider,
                amount_minor=amount,
                currency=attempt.received_currency,
                status=SuspenseRefund.Status.MANUAL if manual else SuspenseRefund.Status.PENDING,
                requested_by=actor,
                checklist=_checklist(attempt) if manual else {},
            )
        if manual:
            _post(refund)
            PaymentFlag.objects.create(
                kind=PaymentFlag.Kind.MANUAL_REFUND,
                attempt=attempt,
                checkout=attempt.checkout,
                detail=f"Give back {amount} {refund.currency} (minor units) of {attempt.get_provider_display()} payment {attempt.payment_reference or attempt.reference} by hand.",
            )
        else:
            job_enqueue_on_commit("payments.suspense_refund_send", refund.pk)
    return refund


def _checklist(attempt: PaymentAttempt) -> dict:
    return {
        f"Reverse the {attempt.get_provider_display()} transaction {attempt.payment_reference}": False,
        "Payer confirmed the money arrived": False,
    }


def _post(refund: SuspenseRefund) -> None:
    ledger.post(
        kind=LedgerTransaction.Kind.SUSPENSE,
        key=f"suspense-refund:{refund.pk}",
        lines=[
            Line(accounts.SUSPENSE, refund.currency, refund.amount_minor),
            Line(accounts.provider_account(refund.provider), refund.currency, -refund.amount_minor),
        ],
        memo=f"Given back: payment {refund.attempt_id} ({refund.reference or refund.get_status_display()})",
        checkout=refund.attempt.checkout,
    )


def suspense_refund_send(refund_id: int) -> SuspenseRefund:
    """The provider's part (the ``payments.suspense_refund_send`` job), after commit: one
    provider call under this try's key, so a rerun refunds once; a refusal marks the
    refund failed (staff may ask again); no answer, or the provider's own failure
    (``outcome_unknown``: it may have refunded), is raised for the job to ask again."""
    assert_outside_transactions("a refund from suspense")
    refund = SuspenseRefund.objects.select_related("attempt__checkout").get(pk=refund_id)
    if refund.status != SuspenseRefund.Status.PENDING or refund.reference:
        return refund
    attempt, key = refund.attempt, f"suspense-refund-{refund.pk}-{refund.tries}"
    try:
        if refund.provider in CARD_PROVIDERS:
            made = stripe_client().v1.refunds.create(
                params={
                    "payment_intent": attempt.payment_reference,
                    "amount": refund.amount_minor,
                    "metadata": {"suspense_refund_id": str(refund.pk)},
                },
                options={"idempotency_key": key},
            )
            reference, succeeded = made.id, made.status == "succeeded"
        elif refund.provider == Provider.PAYPAL:
            reference, succeeded = (
                paypal_refund(attempt=attempt, amount_minor=refund.amount_minor, idempotency_key=key, note=""),
                True,
            )
        elif refund.provider == Provider.CRYPTO:
            reference, succeeded = _escrow_give_back(refund, key=key), True
        else:
            raise SuspenseRefundError(f"no automatic refund by {refund.provider}")
    except (TransactionPending, ChainUnavailable):
        raise  # the job tries again (``suspense_refunds_resend`` after it gave up), under the same key
    except (stripe.StripeError, PaypalError, SuspenseRefundError, ContractRefused, EscrowKeyReused, ChainNotConfigured) as error:
        if outcome_unknown(error):  # the provider may have made it: asked again under the same key
            raise
        log.warning("refund from suspense %s failed: %s", refund.pk, error)
        SuspenseRefund.objects.filter(pk=refund.pk, reference="").update(
            status=SuspenseRefund.Status.FAILED, message=str(error)[:300], updated_at=timezone.now()
        )
        refund.refresh_from_db()
        return refund
    with transaction.atomic():
        locked = SuspenseRefund.objects.select_for_update().select_related("attempt__checkout").get(pk=refund.pk)
        if locked.reference:
            return locked
        locked.reference = reference[:255]
        locked.status = SuspenseRefund.Status.SUCCEEDED if succeeded else SuspenseRefund.Status.PENDING
        locked.save(update_fields=["reference", "status", "updated_at"])
        _post(locked)
        note = f"Given back from suspense ({locked.reference})."
        PaymentFlag.objects.filter(attempt=attempt, kind__in=SUSPENSE_FLAGS, resolved_at__isnull=True).update(
            resolved_at=timezone.now(), resolved_by=locked.requested_by, resolution=note, updated_at=timezone.now()
        )
    return locked


def _escrow_give_back(refund: SuspenseRefund, *, key: str) -> str:
    """Send a held stablecoin payment back out of the escrow to the wallet that deposited
    it; the transaction's hash. A whole payment goes back as the very tokens deposited; a
    part of one at the quote's rate, rounded down (as refunds of orders are)."""
    attempt = refund.attempt
    quote, payer = crypto_quote_for(attempt), buyer_address_for(attempt)
    if quote is None or not payer:
        raise SuspenseRefundError("the deposit of this payment is not known: give it back by hand")
    if refund.amount_minor == attempt.received_minor:
        tokens = sum(int(deposit.amount_minor) for deposit in CryptoDeposit.objects.filter(attempt=attempt))
    else:
        tokens = token_minor_down(refund.amount_minor, refund.currency, quote)
    if tokens <= 0:
        raise SuspenseRefundError("no tokens of this payment are known to be in the escrow: give it back by hand")
    return escrow_refund(quote.checkout_ref, payer, tokens, key=key).tx_hash


def suspense_refunds_resend(*, older_than_seconds: int = 600) -> int:
    """Refunds from suspense whose provider was never asked (the job was lost, or gave up
    while the provider or the chain's node was out of reach) are asked again under the
    same key, so a retry never pays twice: card and PayPal only while the provider keeps
    that key (``PROVIDER_KEYS_KEPT``)."""
    sent = 0
    keyed = (*CARD_PROVIDERS, Provider.PAYPAL)
    for refund_id in lost_refunds_claim(SuspenseRefund, older_than_seconds=older_than_seconds, keyed_providers=keyed):
        try:
            suspense_refund_send(refund_id)
        except (TransactionPending, ChainUnavailable, stripe.StripeError, PaypalError) as error:
            log.warning("refund from suspense %s still pending: %s", refund_id, error)
            break
        sent += 1
    return sent
