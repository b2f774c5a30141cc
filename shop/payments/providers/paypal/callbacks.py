"""PayPal Checkout (Orders v2): the buyer approves on PayPal's page, we capture on return.

A small client of our own over httpx (``PAYPAL_API_BASE``: PayPal, or a local fake). Every
POST carries a ``PayPal-Request-Id`` built from the attempt and the action, so a retried
create, capture or refund is the same one at PayPal. PayPal replays its first answer to a
request id, so a capture it refused ("not approved yet") is retried under a new one.

The capture PayPal returns (its amount and currency) is what ``attempt_succeeded``
checks, once its status is COMPLETED: a PENDING capture keeps its id on the attempt and
is paid only when ``GET /v2/payments/captures/{id}`` says COMPLETED. An order the buyer
approved but never came back from is captured by ``paypal_pending_settle``, and by
``paypal_settle_due`` before its checkout's deadline expires it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ...models import PaymentAttempt, PaymentStatus, Provider, ProviderEvent
from ...services import attempt_failed, attempt_succeeded
from .client import PaypalClient, PaypalError, paypal_minor

log = logging.getLogger(__name__)

Status = PaymentAttempt.Status


# A capture PayPal refused (the buyer had not approved yet) is kept as a provider event:
# PayPal replays its answer to a PayPal-Request-Id, so the next capture needs a new one.
CAPTURE_REFUSED = "capture refused"
DECLINED = gettext_lazy("PayPal declined the payment. Choose another way to pay.")


def _capture_request_id(attempt: PaymentAttempt) -> str:
    """The same id for every retry of one capture (a lost answer is not captured twice),
    a new one after each refusal PayPal gave."""
    refused = ProviderEvent.objects.filter(
        provider=Provider.PAYPAL, kind=CAPTURE_REFUSED, event_id__startswith=f"{attempt.pk}:"
    ).count()
    base = f"{attempt.checkout.idempotency_key}-{attempt.pk}-capture"
    return f"{base}-{refused}" if refused else base


def _capture_refused(attempt: PaymentAttempt, request_id: str, issue: str) -> None:
    ProviderEvent.objects.get_or_create(
        provider=Provider.PAYPAL,
        event_id=f"{attempt.pk}:{request_id}"[:255],
        defaults={
            "kind": CAPTURE_REFUSED,
            "payload": {"issue": issue},
            "processed_at": timezone.now(),
            "outcome": issue,
        },
    )


def _capture_record(attempt: PaymentAttempt, capture: dict) -> PaymentAttempt:
    """What PayPal says of the capture: paid when COMPLETED, still pending (its id kept,
    the job asks again) when PENDING, failed otherwise."""
    status = capture.get("status")
    if status == "COMPLETED":
        received, currency = paypal_minor(capture.get("amount") or {})
        return attempt_succeeded(
            attempt_id=attempt.pk,
            received_minor=received,
            currency=currency,
            payment_reference=str(capture.get("id", "")),
        )
    if status == "PENDING" and capture.get("id"):
        reason = str((capture.get("status_details") or {}).get("reason", ""))
        updated = PaymentAttempt.objects.filter(pk=attempt.pk, status=Status.PENDING, payment_reference="").update(
            payment_reference=str(capture["id"])[:255],
            message=_("PayPal is still confirming the payment."),
            updated_at=timezone.now(),
        )
        if updated:
            log.info("PayPal capture %s for attempt %s is pending (%s)", capture["id"], attempt.pk, reason)
        attempt.refresh_from_db()
        return attempt
    return attempt_failed(attempt_id=attempt.pk, message=str(DECLINED))


def paypal_capture(attempt: PaymentAttempt) -> PaymentAttempt:
    """Capture the attempt's approved order (or read the capture already made) and record
    the outcome: paid, pending at PayPal, declined, or still waiting for the buyer."""
    client = PaypalClient()
    request_id = _capture_request_id(attempt)
    try:
        order = client.call("POST", f"/v2/checkout/orders/{attempt.reference}/capture", request_id=request_id)
    except PaypalError as error:
        if error.issue == "ORDER_ALREADY_CAPTURED":
            order = client.call("GET", f"/v2/checkout/orders/{attempt.reference}")
        elif error.issue == "ORDER_NOT_APPROVED":
            _capture_refused(attempt, request_id, error.issue)
            return attempt
        elif error.issue in ("INSTRUMENT_DECLINED", "PAYER_ACTION_REQUIRED"):
            return attempt_failed(attempt_id=attempt.pk, message=str(DECLINED))
        else:
            raise
    captures = [
        capture
        for unit in order.get("purchase_units", [])
        for capture in (unit.get("payments") or {}).get("captures", [])
    ]
    if order.get("status") != "COMPLETED" or not captures:
        return attempt_failed(attempt_id=attempt.pk, message=str(DECLINED))
    return _capture_record(attempt, captures[0])


def _settle(attempt: PaymentAttempt) -> bool:
    """Settle one PayPal attempt from PayPal's side; ``True`` when it ended. A capture
    already made (pending) is asked about; an order the buyer approved is captured."""
    client, before = PaypalClient(), attempt.status
    try:
        if attempt.payment_reference:
            capture = client.call("GET", f"/v2/payments/captures/{attempt.payment_reference}")
            if capture.get("status") == "PENDING":
                return False
            attempt = _capture_record(attempt, capture)
        else:
            order = client.call("GET", f"/v2/checkout/orders/{attempt.reference}")
            if order.get("status") in ("APPROVED", "COMPLETED"):
                attempt = paypal_capture(attempt)
            elif order.get("status") == "VOIDED":
                attempt = attempt_failed(attempt_id=attempt.pk, message=_("The PayPal payment was not completed."))
            else:
                return False
    except PaypalError as error:
        log.warning("could not settle PayPal attempt %s: %s", attempt.pk, error)
        return False
    return attempt.status != before


def paypal_pending_settle(*, older_than_minutes: int = 5) -> int:
    """PayPal attempts still pending after a while: capture what the buyer approved, fail
    what PayPal voided, and ask about pending captures (paid only once PayPal says
    COMPLETED, also when the checkout expired meanwhile: that money is then flagged to
    refund). Returns how many ended."""
    now = timezone.now()
    attempts = (
        PaymentAttempt.objects.filter(
            provider=Provider.PAYPAL, created_at__lte=now - timedelta(minutes=older_than_minutes)
        )
        .filter(
            Q(status=Status.PENDING)
            | Q(status=Status.EXPIRED, created_at__gte=now - timedelta(days=30)) & ~Q(payment_reference="")
        )
        .exclude(reference="")
        .select_related("checkout")
        .order_by("created_at", "id")
    )
    return sum(1 for attempt in attempts[:200] if _settle(attempt))


def paypal_settle_due(*, now=None) -> int:
    """Before checkouts past their deadline expire: their pending PayPal attempts are
    settled now, so an order the buyer approved is captured rather than cancelled.
    Returns how many ended."""
    now = now or timezone.now()
    attempts = (
        PaymentAttempt.objects.filter(
            provider=Provider.PAYPAL,
            status=Status.PENDING,
            checkout__payment_status=PaymentStatus.AWAITING,
            checkout__payment_due_by__lte=now,
        )
        .exclude(reference="")
        .select_related("checkout")
        .order_by("created_at", "id")
    )
    return sum(1 for attempt in attempts[:200] if _settle(attempt))
