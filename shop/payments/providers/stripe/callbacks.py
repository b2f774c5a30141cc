"""Stripe's webhooks: verified, stored once per event id, and never believed on their own.

An event only says *that* something happened. Its signature is checked (a timestamp more
than five minutes old **or ahead** is refused), its id is stored once (a redelivery is
answered 200 and changes nothing), and the object it names is fetched again from Stripe
before anything changes: the amount and currency Stripe reports are what
``attempt_succeeded`` checks against the checkout. Events arrive in any order and any
number of times; ``payment_intent.succeeded`` and ``checkout.session.completed`` lead to
the same state whichever comes first.

Money Stripe moves besides payments is booked from its balance transactions: its fee on
each charge (``charge.succeeded``) and dispute, once per balance transaction; a dispute's
funds withdrawn and reinstated (``charge.dispute.*``: the order is flagged and its store
told); a refund the buyer's bank returned (``charge.refund.updated`` / ``refund.failed``:
the refund's posting is voided, the refund failed and flagged, ready to be asked again).
``stripe_balance_sync`` catches up from Stripe's own lists what a lost webhook missed.

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
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.core.selectors.i18n import lazy_text
from shop.notifications.services.notifications import notify

from ...ledger import accounts
from ...ledger import services as ledger
from ...ledger.services import Line
from ...models import (
    ConnectedAccount,
    LedgerTransaction,
    PaymentAttempt,
    PaymentFlag,
    ProviderEvent,
    Refund,
    SuspenseRefund,
)
from ...refunds.services import refund_failed_by_provider
from ...services import attempt_failed, attempt_succeeded, event_record
from ...signals import refund_changed
from .client import metadata_value, stripe_client, stripe_provider

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
    return _event_process(event_id, kind, obj, event)


def _event_process(event_id: str, kind: str, obj: dict, event: dict) -> tuple[int, str]:
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
        attempt = _attempt(attempt_id=metadata_value(intent, "attempt_id"))
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
        attempt = _attempt(attempt_id=metadata_value(intent, "attempt_id"))
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
        confirmed = Refund.objects.filter(reference__in=ids, status=Refund.Status.PENDING)
        order_ids = set(confirmed.values_list("order_id", flat=True))
        count = confirmed.update(status=Refund.Status.SUCCEEDED)
        for order_id in order_ids:
            refund_changed.send(sender=Refund, order_id=order_id)
        return f"{count} refunds confirmed"


def _id(value) -> str:
    """An expandable field's id, expanded or not."""
    return value if isinstance(value, str) else getattr(value, "id", "") or ""


def _paid_attempt(payment_intent) -> PaymentAttempt | None:
    intent = _id(payment_intent)
    if not intent:
        return None
    return (
        PaymentAttempt.objects.filter(provider=stripe_provider(), payment_reference=intent)
        .select_related("checkout")
        .first()
    )


def balance_fee_post(txn, *, checkout=None) -> bool:
    """Stripe's fee on one balance transaction: provider debit to the platform's provider
    fees, posted once per balance transaction. ``False`` when there is none, or it was posted."""
    fee = int(txn.fee or 0)
    if not fee:
        return False
    provider = stripe_provider()
    currency = txn.currency.upper()
    posted = ledger.post(
        kind=LedgerTransaction.Kind.PROVIDER_FEE,
        key=f"provider-fee:{provider}:{txn.id}",
        lines=[Line(accounts.provider_account(provider), currency, -fee), Line(accounts.PROVIDER_FEES, currency, fee)],
        memo=f"Stripe fee on {txn.type} {_id(txn.source)}",
        checkout=checkout,
    )
    return posted is not None


class ChargeSucceeded:
    """``charge.succeeded``: Stripe's fee on the charge, from its balance transaction."""

    @staticmethod
    def fetch(obj):
        client = stripe_client()
        charge = client.v1.charges.retrieve(obj["id"])
        txn = _id(charge.balance_transaction)
        return (charge, client.v1.balance_transactions.retrieve(txn) if txn else None)

    @staticmethod
    def apply(truth) -> str:
        charge, txn = truth
        if txn is None:
            return "no balance transaction yet"
        attempt = _paid_attempt(charge.payment_intent)
        with transaction.atomic():
            posted = balance_fee_post(txn, checkout=attempt.checkout if attempt else None)
        return f"fee {txn.fee} {'posted' if posted else 'already posted'}"


DISPUTE_NEWS = {
    "charge.dispute.created": gettext_lazy(
        "The buyer's bank disputes the card payment of order %(number)s: the money is held back until the bank "
        "decides. Keep the order's delivery proof; %(site)s answers the bank."
    ),
    "charge.dispute.funds_reinstated": gettext_lazy(
        "The bank decided the dispute over order %(number)s in your favour: the money is back."
    ),
    "lost": gettext_lazy("The bank decided the dispute over order %(number)s for the buyer. %(site)s will contact you."),
}


class DisputeChanged:
    """``charge.dispute.created`` / ``funds_withdrawn`` / ``funds_reinstated`` / ``closed``:
    the dispute as Stripe has it now. Its balance transactions are posted once each (the
    amount between the provider and ``platform:disputes``, the fee to provider fees); the
    payment is flagged once and the stores of its orders hear of each step."""

    kind = ""

    @staticmethod
    def fetch(obj):
        return stripe_client().v1.disputes.retrieve(obj["id"])

    @classmethod
    def apply(cls, dispute) -> str:
        attempt = _paid_attempt(dispute.payment_intent)
        checkout = attempt.checkout if attempt else None
        provider = stripe_provider()
        with transaction.atomic():
            flag, opened = _flag_once(
                key=f"dispute:{dispute.id}",
                kind=PaymentFlag.Kind.DISPUTE,
                attempt=attempt,
                checkout=checkout,
                detail=f"Dispute {dispute.id} ({dispute.reason}) over {dispute.amount} {dispute.currency.upper()} (minor units) of payment {_id(dispute.payment_intent)}.",
            )
            moved = 0
            for txn in dispute.balance_transactions or []:
                currency = txn.currency.upper()
                posted = ledger.post(
                    kind=LedgerTransaction.Kind.DISPUTE,
                    key=f"dispute:{txn.id}",
                    lines=[
                        Line(accounts.provider_account(provider), currency, int(txn.amount)),
                        Line(accounts.DISPUTES, currency, -int(txn.amount)),
                    ],
                    memo=f"Dispute {dispute.id}: {txn.reporting_category}",
                    checkout=checkout,
                )
                moved += posted is not None
                balance_fee_post(txn, checkout=checkout)
            news = None
            if opened:
                news = DISPUTE_NEWS["charge.dispute.created"]
            elif cls.kind == "charge.dispute.funds_reinstated" and moved:
                news = DISPUTE_NEWS[cls.kind]
            elif cls.kind == "charge.dispute.closed" and dispute.status == "lost":
                news = DISPUTE_NEWS["lost"]
            if cls.kind == "charge.dispute.closed" and dispute.status == "won":
                PaymentFlag.objects.filter(pk=flag.pk, resolved_at__isnull=True).update(
                    resolved_at=timezone.now(), resolution=f"Dispute {dispute.id} won.", updated_at=timezone.now()
                )
            if news is not None and checkout is not None:
                _tell_stores(checkout, news)
        return f"dispute {dispute.id} {dispute.status}: {moved} movements posted"


def _flag_once(*, key: str, **fields) -> tuple[PaymentFlag, bool]:
    flag = PaymentFlag.objects.filter(key=key).first()
    if flag is not None:
        return flag, False
    return PaymentFlag.objects.create(key=key, **fields), True


def _tell_stores(checkout, news) -> None:
    for order in checkout.orders.select_related("store").prefetch_related("store__members"):
        text = lazy_text(news, number=order.number, site=settings.SOKO_SITE_NAME)
        url = reverse("sellers:order_detail", args=[order.number])
        for member in order.store.members.all():
            notify(user=member, kind="order", text=text, url=url)


def _dispute_handler(kind: str):
    return type("DisputeChanged", (DisputeChanged,), {"kind": kind})


class RefundChanged:
    """``charge.refund.updated`` / ``refund.failed`` / ``refund.updated``: a refund Soko
    counted that the buyer's bank returned is failed and voided in the ledger (an order's
    refund through ``refund_failed_by_provider``, a refund from suspense back in suspense)."""

    @staticmethod
    def fetch(obj):
        return stripe_client().v1.refunds.retrieve(obj["id"])

    @staticmethod
    def apply(refund) -> str:
        if refund.status != "failed":
            return f"refund {refund.status}"
        reason = refund.failure_reason or "failed"
        ours = Refund.objects.filter(reference=refund.id).first()
        if ours is not None:
            # A retry looks for a refund Stripe made after all by its metadata: this one no longer counts.
            stripe_client().v1.refunds.update(
                refund.id, params={"metadata": {"refund_id": "", "failed_refund_id": str(ours.pk)}}
            )
            failed = refund_failed_by_provider(ours, reason)
            return f"refund {ours.pk} {'failed' if failed else 'already failed'}"
        given_back = SuspenseRefund.objects.filter(reference=refund.id).first()
        if given_back is not None:
            return _suspense_refund_failed(given_back, reason)
        return "unknown refund"


def _suspense_refund_failed(given_back: SuspenseRefund, reason: str) -> str:
    with transaction.atomic():
        locked = SuspenseRefund.objects.select_for_update().get(pk=given_back.pk)
        if locked.status == SuspenseRefund.Status.FAILED:
            return f"refund from suspense {locked.pk} already failed"
        ledger.void(key=f"suspense-refund:{locked.pk}", memo=f"Refund {locked.reference} failed: {reason}")
        _flag_once(
            key=f"refund-failed:suspense:{locked.reference}"[:150],
            kind=PaymentFlag.Kind.REFUND_FAILED,
            attempt_id=locked.attempt_id,
            detail=f"Giving back payment {locked.attempt_id} ({locked.reference}) failed at the provider: {reason}. Give it back again from its flag.",
        )
        locked.status, locked.reference, locked.message = SuspenseRefund.Status.FAILED, "", reason[:300]
        locked.save(update_fields=["status", "reference", "message", "updated_at"])
    return f"refund from suspense {locked.pk} failed"


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
    "charge.succeeded": ChargeSucceeded,
    "charge.dispute.created": _dispute_handler("charge.dispute.created"),
    "charge.dispute.funds_withdrawn": _dispute_handler("charge.dispute.funds_withdrawn"),
    "charge.dispute.funds_reinstated": _dispute_handler("charge.dispute.funds_reinstated"),
    "charge.dispute.closed": _dispute_handler("charge.dispute.closed"),
    "charge.refund.updated": RefundChanged,
    "refund.updated": RefundChanged,
    "refund.failed": RefundChanged,
}


def stripe_balance_sync(*, days: int = 3) -> dict:
    """Catch up from Stripe's own lists what lost webhooks missed: the events of the last
    ``days`` Soko never stored are applied as if delivered, and the fee of every balance
    transaction is posted once. Safe to run any number of times."""
    since = int((timezone.now() - timedelta(days=days)).timestamp())
    applied = fees = 0
    try:
        client = stripe_client()
        events = client.v1.events.list(params={"created": {"gte": since}, "types": list(HANDLERS), "limit": 100})
        events = list(events.auto_paging_iter())
    except stripe.StripeError as error:  # not configured, or unreachable: the next run catches up
        log.warning("could not list Stripe's events: %s", error)
        return {"events": 0, "fees": 0}
    for event in reversed(events):
        if ProviderEvent.objects.filter(provider=stripe_provider(), event_id=event.id).exists():
            continue
        payload = event.to_dict()
        status, _outcome = _event_process(event.id, event.type, payload["data"]["object"], payload)
        applied += status == 200
    for txn in client.v1.balance_transactions.list(params={"created": {"gte": since}, "limit": 100}).auto_paging_iter():
        with transaction.atomic():
            fees += balance_fee_post(txn)
    return {"events": applied, "fees": fees}


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
