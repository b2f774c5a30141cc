"""Stripe's webhooks: verified, stored once per event id, and never believed on their own.

An event only says *that* something happened. Its signature is checked (a timestamp more
than five minutes old **or ahead** is refused), its id is stored once (a redelivery is
answered 200 and changes nothing), and the object it names is fetched again from Stripe
before anything changes: the amount and currency Stripe reports are what
``attempt_succeeded`` checks against the checkout. Events arrive in any order and any
number of times; ``payment_intent.succeeded`` and ``checkout.session.completed`` lead to
the same state whichever comes first.

The development gateway delivers its events through ``webhook_process`` too.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta

import stripe
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ConnectedAccount, PaymentAttempt, ProviderEvent, Refund
from .services import attempt_failed, attempt_succeeded, event_record
from .stripe_gateway import stripe_client, stripe_provider

log = logging.getLogger(__name__)

TOLERANCE_SECONDS = 300

Status = PaymentAttempt.Status


def webhook_process(payload: bytes, signature_header: str | None) -> tuple[int, str]:
    """Verify and apply one delivery; returns the HTTP status to answer and why."""
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        return 400, "webhooks are not configured"
    if not signature_header:
        return 400, "missing Stripe-Signature header"
    try:
        text = payload.decode("utf-8")
        stripe.WebhookSignature.verify_header(text, signature_header, secret, TOLERANCE_SECONDS)
    except (UnicodeDecodeError, stripe.SignatureVerificationError) as error:
        return 400, f"signature refused: {error}"
    if _timestamp(signature_header) > time.time() + TOLERANCE_SECONDS:
        return 400, "signature refused: timestamp in the future"
    try:
        event = json.loads(text)
        event_id, kind, obj = event["id"], event["type"], event["data"]["object"]
        if not isinstance(event_id, str) or not isinstance(kind, str) or not isinstance(obj, dict):
            raise TypeError
    except (ValueError, KeyError, TypeError, RecursionError):  # RecursionError: JSON nested too deep
        return 400, "malformed event"
    if ProviderEvent.objects.filter(provider=stripe_provider(), event_id=event_id).exists():
        return 200, "already processed"
    handler = HANDLERS.get(kind)
    try:
        truth = handler.fetch(obj) if handler else None
    except stripe.StripeError as error:
        # Not stored: Stripe delivers the event again later.
        log.warning("could not re-fetch %s for event %s: %s", kind, event_id, error)
        return 503, "could not confirm with Stripe; try again"
    # Each handler runs its own transactions and changes nothing the second time, so the
    # event is stored once it is applied: a crash in between is a redelivery, applied again.
    outcome = handler.apply(truth) if handler and truth is not None else "ignored"
    with transaction.atomic():
        record = event_record(provider=stripe_provider(), event_id=event_id, kind=kind, payload=event)
        if record is None:
            return 200, "already processed"
        record.processed_at = timezone.now()
        record.outcome = outcome[:300]
        record.save(update_fields=["processed_at", "outcome"])
    return 200, outcome


def _timestamp(header: str) -> int:
    for item in header.split(","):
        key, _sep, value = item.strip().partition("=")
        if key == "t" and value.isdigit():
            return int(value)
    return 0


def _attempt(*, reference: str = "", attempt_id: str = "") -> PaymentAttempt | None:
    attempts = PaymentAttempt.objects.filter(provider=stripe_provider())
    if reference:
        return attempts.filter(reference=reference).first()
    if attempt_id.isdigit():
        return attempts.filter(pk=int(attempt_id)).first()
    return None


def _metadata(obj, key: str) -> str:
    metadata = obj.metadata
    return str(metadata[key]) if metadata and key in metadata else ""


class SessionEvent:
    """An event about a Checkout Session: the session, as Stripe has it now."""

    @staticmethod
    def fetch(obj):
        return stripe_client().v1.checkout.sessions.retrieve(obj["id"])


class IntentEvent:
    """An event about a PaymentIntent: the intent, as Stripe has it now."""

    @staticmethod
    def fetch(obj):
        return stripe_client().v1.payment_intents.retrieve(obj["id"])


class SessionPaid(SessionEvent):
    """``checkout.session.completed`` / ``async_payment_succeeded``: paid once the session says so."""

    @staticmethod
    def apply(session) -> str:
        attempt = _attempt(reference=session.id)
        if attempt is None:
            return "unknown session"
        if session.payment_status != "paid":
            return f"session {session.payment_status}"
        payment_intent = (
            session.payment_intent
            if isinstance(session.payment_intent, str)
            else getattr(session.payment_intent, "id", "")
        )
        attempt = attempt_succeeded(
            attempt_id=attempt.pk,
            received_minor=session.amount_total,
            currency=session.currency,
            payment_reference=payment_intent or "",
        )
        return f"attempt {attempt.pk} {attempt.status}"


class SessionFailed(SessionEvent):
    """``checkout.session.async_payment_failed`` and ``checkout.session.expired``."""

    @staticmethod
    def apply(session) -> str:
        attempt = _attempt(reference=session.id)
        if attempt is None:
            return "unknown session"
        if session.payment_status == "paid":
            return SessionPaid.apply(session)
        if session.status == "expired":
            attempt = attempt_failed(
                attempt_id=attempt.pk, status=Status.CANCELLED, message=_("The card payment was cancelled.")
            )
        else:
            attempt = attempt_failed(attempt_id=attempt.pk, message=_("Your bank did not accept the payment."))
        return f"attempt {attempt.pk} {attempt.status}"


class IntentSucceeded(IntentEvent):
    """``payment_intent.succeeded``: may come before the session's own event."""

    @staticmethod
    def apply(intent) -> str:
        attempt = _attempt(attempt_id=_metadata(intent, "attempt_id"))
        if attempt is None:
            return "unknown payment intent"
        if intent.status != "succeeded":
            return f"payment intent {intent.status}"
        attempt = attempt_succeeded(
            attempt_id=attempt.pk,
            received_minor=intent.amount_received,
            currency=intent.currency,
            payment_reference=intent.id,
        )
        return f"attempt {attempt.pk} {attempt.status}"


class IntentFailed(IntentEvent):
    """``payment_intent.payment_failed``: a declined card. The buyer may still pay on the
    same page with another card (then the attempt succeeds after all)."""

    @staticmethod
    def apply(intent) -> str:
        attempt = _attempt(attempt_id=_metadata(intent, "attempt_id"))
        if attempt is None:
            return "unknown payment intent"
        if intent.status == "succeeded":
            return IntentSucceeded.apply(intent)
        error = intent.last_payment_error
        message = (getattr(error, "message", "") or "") if error else ""
        attempt = attempt_failed(attempt_id=attempt.pk, message=message or _("Your card was declined."))
        return f"attempt {attempt.pk} {attempt.status}"


class ChargeRefunded:
    """``charge.refunded``: the refunds Stripe made are confirmed."""

    @staticmethod
    def fetch(obj):
        return stripe_client().v1.refunds.list(params={"charge": obj["id"], "limit": 100})

    @staticmethod
    def apply(refunds) -> str:
        ids = [refund.id for refund in refunds.data if refund.status == "succeeded"]
        count = Refund.objects.filter(reference__in=ids, status=Refund.Status.PENDING).update(
            status=Refund.Status.SUCCEEDED
        )
        return f"{count} refunds confirmed"


class AccountUpdated:
    """``account.updated``: a store's Express onboarding moved on."""

    @staticmethod
    def fetch(obj):
        return stripe_client().v1.accounts.retrieve(obj["id"])

    @staticmethod
    def apply(account) -> str:
        updated = ConnectedAccount.objects.filter(account_id=account.id).update(
            details_submitted=bool(account.details_submitted), payouts_enabled=bool(account.payouts_enabled)
        )
        return f"{updated} accounts updated"


HANDLERS = {
    "checkout.session.completed": SessionPaid,
    "checkout.session.async_payment_succeeded": SessionPaid,
    "checkout.session.async_payment_failed": SessionFailed,
    "checkout.session.expired": SessionFailed,
    "payment_intent.succeeded": IntentSucceeded,
    "payment_intent.payment_failed": IntentFailed,
    "charge.refunded": ChargeRefunded,
    "account.updated": AccountUpdated,
}


def stripe_pending_settle(*, older_than_minutes: int | None = None) -> int:
    """Ask Stripe about card attempts still pending after a while (a webhook lost, an
    endpoint down): a paid session settles, an expired one fails. Returns how many
    changed. Safe to run any number of times."""
    minutes = settings.STRIPE_SETTLE_AFTER_MINUTES if older_than_minutes is None else older_than_minutes
    cutoff = timezone.now() - timedelta(minutes=minutes)
    pending = PaymentAttempt.objects.filter(
        provider=stripe_provider(), status=Status.PENDING, created_at__lte=cutoff
    ).exclude(reference="")
    changed = 0
    for attempt in pending[:200]:
        try:
            session = SessionPaid.fetch({"id": attempt.reference})
        except stripe.StripeError as error:
            log.warning("could not settle attempt %s: %s", attempt.pk, error)
            continue
        if session.payment_status == "paid":
            SessionPaid.apply(session)
        elif session.status == "expired":
            SessionFailed.apply(session)
        else:
            continue
        changed += 1
    return changed
