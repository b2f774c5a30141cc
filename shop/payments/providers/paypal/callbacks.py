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
import threading
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

import httpx
from django.conf import settings
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.core.currencies import money_from_minor, money_to_minor

from .gateways import Gateway, hosted_page_redirect, register
from .models import PaymentAttempt, PaymentStatus, Provider, ProviderEvent
from .services import attempt_create, attempt_failed, attempt_reference_set, attempt_succeeded, checkout_awaits_payment

log = logging.getLogger(__name__)

Status = PaymentAttempt.Status


class PaypalError(Exception):
    """PayPal refused or could not be reached; ``issue`` is PayPal's code when it gave one."""

    def __init__(self, message: str, issue: str = ""):
        super().__init__(message)
        self.issue = issue


def paypal_configured() -> bool:
    return bool(settings.PAYPAL_CLIENT_ID and settings.PAYPAL_CLIENT_SECRET)


class PaypalClient:
    _tokens: dict[tuple[str, str], tuple[str, float]] = {}
    _lock = threading.Lock()

    def __init__(self):
        self.base = settings.PAYPAL_API_BASE.rstrip("/")

    def _send(self, method: str, path: str, **kwargs) -> dict:
        try:
            response = httpx.request(method, self.base + path, timeout=20, **kwargs)
            body = response.json() if response.content else {}
        except (httpx.HTTPError, ValueError) as error:
            raise PaypalError(_("PayPal could not be reached. Try again in a moment.")) from error
        if response.status_code >= 400:
            details = body.get("details") or [{}] if isinstance(body, dict) else [{}]
            issue = (details[0] or {}).get("issue", "") or (body.get("name", "") if isinstance(body, dict) else "")
            raise PaypalError(
                (body.get("message") if isinstance(body, dict) else "") or _("PayPal refused the request."), issue
            )
        return body

    def token(self) -> str:
        key = (self.base, settings.PAYPAL_CLIENT_ID)
        with self._lock:
            cached = self._tokens.get(key)
            if cached and cached[1] > time.monotonic():
                return cached[0]
            body = self._send(
                "POST",
                "/v1/oauth2/token",
                data={"grant_type": "client_credentials"},
                auth=(settings.PAYPAL_CLIENT_ID, settings.PAYPAL_CLIENT_SECRET),
            )
            self._tokens[key] = (body["access_token"], time.monotonic() + max(int(body.get("expires_in", 0)) - 60, 0))
            return body["access_token"]

    def call(self, method: str, path: str, *, request_id: str = "", json=None) -> dict:
        headers = {"Authorization": f"Bearer {self.token()}", "Content-Type": "application/json"}
        if request_id:
            headers["PayPal-Request-Id"] = request_id
        return self._send(method, path, json=json, headers=headers)


def _value(minor: int, currency: str) -> str:
    """PayPal's amount string: "3451.00"; no decimals for zero-decimal currencies."""
    return str(money_from_minor(minor, currency))


def _minor(amount: dict) -> tuple[int, str]:
    currency = str(amount.get("currency_code", "")).upper()
    try:
        return money_to_minor(Decimal(str(amount.get("value"))), currency), currency
    except (InvalidOperation, ValueError):
        return -1, currency


@register
class PaypalGateway(Gateway):
    code = "paypal"
    label = gettext_lazy("PayPal")
    description = gettext_lazy("Pay with your PayPal account, on PayPal's page.")
    icon = "bi-paypal"
    online = True
    required_settings = ("PAYPAL_CLIENT_ID", "PAYPAL_CLIENT_SECRET")

    def available_for(self, checkout) -> bool:
        return paypal_configured() and checkout.currency in settings.PAYPAL_CURRENCIES

    def start(self, request, checkout):
        status = reverse("payments:status", args=[checkout.idempotency_key])
        if not checkout_awaits_payment(checkout):
            return redirect(status)
        attempt = attempt_create(checkout=checkout, gateway=self.code, provider=Provider.PAYPAL)
        try:
            order = PaypalClient().call(
                "POST",
                "/v2/checkout/orders",
                request_id=f"{checkout.idempotency_key}-{attempt.pk}-create",
                json={
                    "intent": "CAPTURE",
                    "purchase_units": [
                        {
                            "reference_id": f"checkout-{checkout.pk}",
                            "custom_id": str(attempt.pk),
                            "amount": {
                                "currency_code": attempt.currency,
                                "value": _value(attempt.amount_minor, attempt.currency),
                            },
                        }
                    ],
                    "payment_source": {
                        "paypal": {
                            "experience_context": {
                                "brand_name": settings.SOKO_SITE_NAME,
                                "user_action": "PAY_NOW",
                                "return_url": request.build_absolute_uri(reverse("payments:paypal_return")),
                                "cancel_url": request.build_absolute_uri(reverse("payments:paypal_cancel")),
                            }
                        }
                    },
                },
            )
            approve = next(
                link["href"] for link in order.get("links", []) if link.get("rel") in ("payer-action", "approve")
            )
        except (PaypalError, StopIteration, KeyError, TypeError) as error:
            log.warning("PayPal refused an order for checkout %s: %s", checkout.pk, error)
            attempt_failed(
                attempt_id=attempt.pk,
                message=_("The PayPal payment could not be started. Try again or choose another way to pay."),
            )
            return redirect(status)
        attempt_reference_set(attempt=attempt, reference=order["id"], redirect_url=approve)
        return hosted_page_redirect(checkout=checkout, attempt=attempt)


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
        received, currency = _minor(capture.get("amount") or {})
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


def paypal_refund(*, attempt: PaymentAttempt, amount_minor: int, idempotency_key: str, note: str = "") -> str:
    """Refund part of the attempt's capture; PayPal's refund id."""
    refund = PaypalClient().call(
        "POST",
        f"/v2/payments/captures/{attempt.payment_reference}/refund",
        request_id=f"refund-{idempotency_key}",
        json={
            "amount": {"currency_code": attempt.currency, "value": _value(amount_minor, attempt.currency)},
            "note_to_payer": note[:255],
        },
    )
    return str(refund["id"])


# Transaction search's event codes for money in and back out of a payment: T00xx
# payments (a checkout capture is T0006), T11xx reversals and refunds (T1107).
REPORTED_EVENTS = ("T00", "T11")


def paypal_report(*, since: datetime, until: datetime) -> dict[tuple[date, str], int]:
    """PayPal's own record of the platform's PayPal money: per UTC day of the transaction
    and currency, the net (amount less PayPal's fee) of the successful payments and
    refunds that transaction search (``GET /v1/reporting/transactions``) lists between
    ``since`` and ``until``, in minor units. Only reads; raises ``PaypalError`` when
    PayPal is not configured or does not answer."""
    if not paypal_configured():
        raise PaypalError("PayPal is not configured.")
    client, totals = PaypalClient(), defaultdict(int)
    start = since
    while start < until:
        end = min(start + timedelta(days=31), until)  # PayPal searches at most 31 days at a time
        page, pages = 1, 1
        while page <= pages:
            query = {
                "start_date": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "end_date": end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "fields": "transaction_info",
                "page_size": "500",
                "page": str(page),
            }
            body = client.call("GET", f"/v1/reporting/transactions?{urlencode(query)}")
            for row in body.get("transaction_details") or []:
                _report_add(totals, row.get("transaction_info") or {})
            pages, page = int(body.get("total_pages") or 1), page + 1
        start = end
    return dict(totals)


def _report_add(totals: dict, info: dict) -> None:
    code = str(info.get("transaction_event_code", ""))
    if info.get("transaction_status") != "S" or not code.startswith(REPORTED_EVENTS):
        return
    amount, currency = _minor(info.get("transaction_amount") or {})
    fee, _ = _minor(info.get("fee_amount") or {"currency_code": currency, "value": "0"})
    try:
        day = datetime.strptime(str(info.get("transaction_initiation_date")), "%Y-%m-%dT%H:%M:%S%z").astimezone(UTC)
    except ValueError:
        day = None
    if day is None or amount == -1 or fee == -1 or not currency:
        log.warning("PayPal transaction %s could not be read: %s", info.get("transaction_id"), info)
        return
    totals[(day.date(), currency)] += amount + fee
