"""M-Pesa (Safaricom Daraja): STK push to the buyer's phone, Kenya, whole shillings.

A small client of our own over httpx: the maintained Daraja clients hard-code Safaricom's
hosts, and ours must talk to a local fake in tests and demos (``MPESA_API_BASE``).

The callback trusts nothing it is told. It must name a push we sent (CheckoutRequestID),
for the amount and from the phone we asked, and Daraja's STK query must then say the
push was paid; only then is the attempt paid, once (the receipt number is unique). A
push that never calls back is asked about by ``mpesa_pending_settle`` after
``MPESA_QUERY_AFTER_SECONDS``. Result codes: 0 paid, 1032 cancelled by the buyer, 1037
the phone could not be reached, anything else failed.
"""

from __future__ import annotations

import base64
import logging
import re
import threading
import time
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.core.currencies import money_to_minor

from .gateways import Gateway, register
from .models import PaymentAttempt, Provider
from .services import attempt_failed, attempt_succeeded, event_record

log = logging.getLogger(__name__)

NAIROBI = ZoneInfo("Africa/Nairobi")
Status = PaymentAttempt.Status
STILL_PROCESSING = "500.001.1001"


class MpesaError(Exception):
    """Daraja refused or could not be reached; the message can be shown to the buyer."""


def normalise_phone(text: str) -> str:
    """A Kenyan mobile number as Daraja wants it, ``2547XXXXXXXX`` or ``2541XXXXXXXX``."""
    digits = re.sub(r"[\s\-().]", "", text or "")
    digits = digits.removeprefix("+")
    if re.fullmatch(r"0[71]\d{8}", digits):
        digits = "254" + digits[1:]
    elif re.fullmatch(r"[71]\d{8}", digits):
        digits = "254" + digits
    if not re.fullmatch(r"254[71]\d{8}", digits):
        raise ValidationError(_("Enter a Kenyan mobile number, e.g. 0712 345 678."), code="phone")
    return digits


def mpesa_configured() -> bool:
    return bool(settings.MPESA_CONSUMER_KEY and settings.MPESA_CONSUMER_SECRET and settings.MPESA_PASSKEY)


class DarajaClient:
    """OAuth token, STK push and STK query."""

    # Tokens by (base URL, consumer key), shared by the process's threads until they expire.
    _tokens: dict[tuple[str, str], tuple[str, float]] = {}
    _lock = threading.Lock()

    def __init__(self, base: str | None = None):
        self.base = (base or settings.MPESA_API_BASE).rstrip("/")

    def _call(self, method: str, path: str, **kwargs) -> dict:
        try:
            response = httpx.request(method, self.base + path, timeout=15, **kwargs)
            body = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise MpesaError(_("M-Pesa could not be reached. Try again in a moment.")) from error
        if response.status_code >= 400 or not isinstance(body, dict):
            message = body.get("errorMessage") if isinstance(body, dict) else ""
            raise MpesaError(message or _("M-Pesa refused the request."))
        return body

    def token(self) -> str:
        key = (self.base, settings.MPESA_CONSUMER_KEY)
        with self._lock:
            cached = self._tokens.get(key)
            if cached and cached[1] > time.monotonic():
                return cached[0]
            body = self._call(
                "GET",
                "/oauth/v1/generate",
                params={"grant_type": "client_credentials"},
                auth=(settings.MPESA_CONSUMER_KEY, settings.MPESA_CONSUMER_SECRET),
            )
            token = body.get("access_token", "")
            self._tokens[key] = (token, time.monotonic() + max(int(body.get("expires_in", 0) or 0) - 60, 0))
            return token

    def _signed(self) -> dict:
        stamp = datetime.now(NAIROBI).strftime("%Y%m%d%H%M%S")
        password = base64.b64encode(f"{settings.MPESA_SHORTCODE}{settings.MPESA_PASSKEY}{stamp}".encode()).decode()
        return {"BusinessShortCode": settings.MPESA_SHORTCODE, "Password": password, "Timestamp": stamp}

    def _post(self, path: str, body: dict) -> dict:
        return self._call(
            "POST", path, json={**self._signed(), **body}, headers={"Authorization": f"Bearer {self.token()}"}
        )

    def stk_push(self, *, phone: str, amount: int, callback_url: str, reference: str, description: str) -> dict:
        body = self._post(
            "/mpesa/stkpush/v1/processrequest",
            {
                "TransactionType": "CustomerPayBillOnline",
                "Amount": amount,
                "PartyA": phone,
                "PartyB": settings.MPESA_SHORTCODE,
                "PhoneNumber": phone,
                "CallBackURL": callback_url,
                "AccountReference": reference[:12],
                "TransactionDesc": description[:13],
            },
        )
        if str(body.get("ResponseCode")) != "0" or not body.get("CheckoutRequestID"):
            raise MpesaError(body.get("CustomerMessage") or _("M-Pesa refused the request."))
        return body

    def stk_query(self, checkout_request_id: str) -> dict:
        """Daraja's answer; ``{"errorCode": "500.001.1001"}`` while the buyer has not answered."""
        try:
            return self._post("/mpesa/stkpushquery/v1/query", {"CheckoutRequestID": checkout_request_id})
        except MpesaError as error:
            if "being processed" in str(error):
                return {"errorCode": STILL_PROCESSING}
            raise


@register
class MpesaGateway(Gateway):
    code = "mpesa"
    label = gettext_lazy("M-Pesa")
    description = gettext_lazy("Pay from your phone: we send a request, you enter your M-Pesa PIN.")
    icon = "bi-phone"
    online = True

    def available_for(self, checkout) -> bool:
        # M-Pesa takes whole shillings only.
        return (
            mpesa_configured() and checkout.currency == "KES" and checkout.total == checkout.total.to_integral_value()
        )

    def start(self, request, checkout):
        return redirect("payments:mpesa_phone", checkout.idempotency_key)


def push_send(*, request, attempt: PaymentAttempt) -> PaymentAttempt:
    """Send the STK push for ``attempt`` and record its CheckoutRequestID."""
    callback = settings.MPESA_CALLBACK_URL or request.build_absolute_uri(reverse("payments:mpesa_callback"))
    answer = DarajaClient().stk_push(
        phone=attempt.phone,
        amount=attempt.amount_minor // 100,
        callback_url=callback,
        reference=f"SOKO{attempt.checkout_id}",
        description="Soko order",
    )
    attempt.reference = str(answer["CheckoutRequestID"])[:255]
    attempt.save(update_fields=["reference", "updated_at"])
    return attempt


def _fail_for(attempt: PaymentAttempt, code: int, description: str) -> PaymentAttempt:
    if code == 1032:
        return attempt_failed(
            attempt_id=attempt.pk, status=Status.CANCELLED, message=_("You cancelled the M-Pesa request.")
        )
    if code == 1037:
        return attempt_failed(
            attempt_id=attempt.pk, status=Status.EXPIRED, message=_("M-Pesa could not reach your phone in time.")
        )
    return attempt_failed(attempt_id=attempt.pk, message=description[:300] or _("M-Pesa did not take the payment."))


def callback_process(payload) -> tuple[int, str]:
    """One result Safaricom posted; (HTTP status, why). Changes nothing unless every check
    holds; the same good callback any number of times pays once."""
    try:
        callback = payload["Body"]["stkCallback"]
        request_id = str(callback["CheckoutRequestID"])
        code = int(callback["ResultCode"])
        items = {item["Name"]: item.get("Value") for item in (callback.get("CallbackMetadata") or {}).get("Item", [])}
    except (KeyError, TypeError, ValueError):
        return 400, "malformed callback"
    attempt = PaymentAttempt.objects.filter(provider=Provider.MPESA, reference=request_id).first()
    if attempt is None:
        log.warning("M-Pesa callback for unknown CheckoutRequestID %s", request_id)
        return 200, "unknown request"
    if code != 0:
        with transaction.atomic():
            if (
                event_record(
                    provider=Provider.MPESA, event_id=f"{request_id}:{code}", kind="stkCallback", payload=payload
                )
                is None
            ):
                return 200, "already processed"
            _fail_for(attempt, code, str(callback.get("ResultDesc", "")))
        return 200, f"result {code}"
    try:
        amount = money_to_minor(Decimal(str(items.get("Amount"))), "KES")
    except (InvalidOperation, ValueError):
        return 200, "amount missing"
    receipt = str(items.get("MpesaReceiptNumber") or "")
    if amount != attempt.amount_minor or str(items.get("PhoneNumber")) != attempt.phone or not receipt:
        log.warning(
            "M-Pesa callback for attempt %s does not match (amount %s, phone %s)",
            attempt.pk,
            amount,
            items.get("PhoneNumber"),
        )
        return 200, "does not match"
    try:
        confirmed = str(DarajaClient().stk_query(request_id).get("ResultCode")) == "0"
    except MpesaError as error:
        log.warning("STK query for %s failed: %s", request_id, error)
        return 503, "could not confirm"
    if not confirmed:
        log.warning("M-Pesa callback for %s says paid, the STK query does not", request_id)
        return 200, "not confirmed"
    with transaction.atomic():
        if (
            event_record(
                provider=Provider.MPESA, event_id=f"{request_id}:0:{receipt}", kind="stkCallback", payload=payload
            )
            is None
        ):
            return 200, "already processed"
        attempt = attempt_succeeded(
            attempt_id=attempt.pk, received_minor=amount, currency="KES", payment_reference=receipt
        )
    return 200, f"attempt {attempt.pk} {attempt.status}"


def mpesa_pending_settle(*, older_than_seconds: int | None = None) -> int:
    """Ask Daraja about pushes with no callback after a while; returns how many ended."""
    seconds = settings.MPESA_QUERY_AFTER_SECONDS if older_than_seconds is None else older_than_seconds
    cutoff = timezone.now() - timedelta(seconds=seconds)
    pending = PaymentAttempt.objects.filter(
        provider=Provider.MPESA, status=Status.PENDING, created_at__lte=cutoff
    ).exclude(reference="")
    ended = 0
    for attempt in pending[:200]:
        try:
            answer = DarajaClient().stk_query(attempt.reference)
        except MpesaError as error:
            log.warning("STK query for attempt %s failed: %s", attempt.pk, error)
            continue
        if answer.get("errorCode") == STILL_PROCESSING or "ResultCode" not in answer:
            continue
        code = int(answer["ResultCode"])
        if code == 0:
            # The query carries no receipt; the amount is the push's own.
            attempt_succeeded(
                attempt_id=attempt.pk, received_minor=attempt.amount_minor, currency="KES", payment_reference=""
            )
        else:
            _fail_for(attempt, code, str(answer.get("ResultDesc", "")))
        ended += 1
    return ended
