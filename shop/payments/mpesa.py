"""M-Pesa (Safaricom Daraja): STK push to the buyer's phone, Kenya, whole shillings.

A small client of our own over httpx: the maintained Daraja clients hard-code Safaricom's
hosts, and ours must talk to a local fake in tests and demos (``MPESA_API_BASE``).

The callback trusts nothing it is told. It must name a push we sent (CheckoutRequestID),
for the amount and to the phone we asked, and Daraja's STK query must then give the same
outcome; only then does the attempt end, once per callback (``ProviderEvent``). A paid
push is paid once whatever arrives, and a receipt number belongs to one attempt.

A push with no callback after ``MPESA_QUERY_AFTER_SECONDS`` is asked about by
``mpesa_pending_settle``. The STK query carries no receipt number: a push it settles
takes the receipt of a matching callback that came while the query still said
"processing", or none; a genuine callback that arrives later fills it in. The attempt's
``reference`` (the CheckoutRequestID) always names the push.

Result codes: 0 paid, 1032 cancelled by the buyer, 1037 and 1019 no answer in time,
anything else failed with Daraja's own words.
"""

from __future__ import annotations

import base64
import logging
import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.core.currencies import money_to_minor
from shop.core.transactions import atomic_retrying

from .gateways import Gateway, gateway_get, register
from .models import PaymentAttempt, Provider, ProviderEvent
from .services import (
    attempt_create,
    attempt_failed,
    attempt_reference_set,
    attempt_succeeded,
    checkout_awaits_payment,
    event_record,
)

log = logging.getLogger(__name__)

Status = PaymentAttempt.Status
NAIROBI = ZoneInfo("Africa/Nairobi")
TIMEOUT = httpx.Timeout(20.0, connect=5.0)
# Safaricom's limits for one STK push, in shillings.
AMOUNT_MIN, AMOUNT_MAX = Decimal(1), Decimal(250_000)
# A push to the same phone this recent is still on its way: a second submit does not push again.
RESUBMIT_WINDOW = timedelta(seconds=60)
# Daraja's answer while the buyer has not answered: an error with this code, or this ResultCode.
PROCESSING_ERROR, PROCESSING_RESULT = "500.001.1001", 4999
TOKEN_REFUSED = "404.001.03"
PHONE_REFUSED = "Invalid PhoneNumber"
SUBSCRIBER_BUSY = "Unable to lock subscriber"


class MpesaError(Exception):
    """Daraja refused or could not be reached. ``str()`` is safe to show the buyer; ``code``
    and ``detail`` are Daraja's errorCode and errorMessage, for the log."""

    def __init__(self, message: str, *, code: str = "", detail: str = "", status: int = 0):
        super().__init__(message)
        self.code, self.detail, self.status = code, detail, status

    @property
    def about_phone(self) -> bool:
        return PHONE_REFUSED in self.detail


class CheckoutClosed(Exception):
    """The checkout no longer takes a payment: paid, expired, or switched to cash."""


class MalformedCallback(ValueError):
    """A body that is not Daraja's ``stkCallback``."""


@dataclass(frozen=True)
class StkResult:
    """What the STK query says of a push: ``code`` is Daraja's ResultCode, ``None`` while
    the buyer has not answered."""

    code: int | None
    description: str = ""

    @property
    def pending(self) -> bool:
        return self.code is None

    @property
    def paid(self) -> bool:
        return self.code == 0


def normalise_phone(text: str) -> str:
    """A Kenyan mobile number as Daraja wants it, ``2547XXXXXXXX`` or ``2541XXXXXXXX``."""
    digits = re.sub(r"[\s\-().]", "", text or "").removeprefix("+")
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
    """OAuth token, STK push and STK query against ``MPESA_API_BASE``."""

    # Tokens by (base URL, consumer key), shared by the process's threads until shortly before they expire.
    _tokens: dict[tuple[str, str], tuple[str, float]] = {}
    _lock = threading.Lock()

    def __init__(self, base: str | None = None):
        self.base = (base or settings.MPESA_API_BASE).rstrip("/")

    def _send(self, method: str, path: str, **kwargs) -> dict:
        try:
            response = httpx.request(method, self.base + path, timeout=TIMEOUT, **kwargs)
        except httpx.HTTPError as error:
            log.warning("Daraja %s %s: %r", method, path, error)
            raise MpesaError(_("M-Pesa could not be reached. Try again in a moment.")) from error
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            log.warning("Daraja %s %s answered %s without JSON", method, path, response.status_code)
            raise MpesaError(_("M-Pesa could not be reached. Try again in a moment."), status=response.status_code)
        if response.status_code >= 400:
            code, detail = str(body.get("errorCode", "")), str(body.get("errorMessage", ""))
            if not (code == PROCESSING_ERROR and "being processed" in detail):
                log.warning("Daraja %s %s refused (%s): %s %s", method, path, response.status_code, code, detail)
            raise MpesaError(_refusal_message(detail), code=code, detail=detail, status=response.status_code)
        return body

    def token(self, *, fresh: bool = False) -> str:
        key = (self.base, settings.MPESA_CONSUMER_KEY)
        with self._lock:
            cached = self._tokens.get(key)
            if cached and cached[1] > time.monotonic() and not fresh:
                return cached[0]
            body = self._send(
                "GET",
                "/oauth/v1/generate",
                params={"grant_type": "client_credentials"},
                auth=(settings.MPESA_CONSUMER_KEY, settings.MPESA_CONSUMER_SECRET),
            )
            token = str(body.get("access_token") or "")
            if not token:
                raise MpesaError(_("M-Pesa refused the request."), detail="no access_token")
            try:
                lifetime = int(body.get("expires_in") or 0)
            except ValueError:
                lifetime = 0
            self._tokens[key] = (token, time.monotonic() + max(lifetime - 60, 0))
            return token

    def _signed(self) -> dict:
        stamp = datetime.now(NAIROBI).strftime("%Y%m%d%H%M%S")
        password = base64.b64encode(f"{settings.MPESA_SHORTCODE}{settings.MPESA_PASSKEY}{stamp}".encode()).decode()
        return {"BusinessShortCode": settings.MPESA_SHORTCODE, "Password": password, "Timestamp": stamp}

    def _post(self, path: str, body: dict) -> dict:
        for fresh in (False, True):
            try:
                return self._send(
                    "POST",
                    path,
                    json={**self._signed(), **body},
                    headers={"Authorization": f"Bearer {self.token(fresh=fresh)}"},
                )
            except MpesaError as error:
                # A token Daraja forgot before its time: fetch a new one and ask once more.
                if fresh or not (error.code == TOKEN_REFUSED or error.status == 401):
                    raise
        raise AssertionError("not reached")

    def stk_push(self, *, phone: str, amount: int, callback_url: str, reference: str, description: str) -> dict:
        """Ask Daraja to prompt ``phone`` for ``amount`` shillings; its answer, with the CheckoutRequestID."""
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
            log.warning("Daraja did not accept a push: %s", body)
            raise MpesaError(_("M-Pesa refused the request."), detail=str(body.get("ResponseDescription", "")))
        return body

    def stk_query(self, checkout_request_id: str) -> StkResult:
        try:
            body = self._post("/mpesa/stkpushquery/v1/query", {"CheckoutRequestID": checkout_request_id})
        except MpesaError as error:
            if error.code == PROCESSING_ERROR and "being processed" in error.detail:
                return StkResult(None, error.detail)
            raise
        try:
            code = int(body["ResultCode"])
        except (KeyError, TypeError, ValueError) as error:
            raise MpesaError(_("M-Pesa refused the request."), detail=f"no ResultCode in {body}") from error
        description = str(body.get("ResultDesc", ""))
        return StkResult(None if code == PROCESSING_RESULT else code, description)


def _refusal_message(detail: str) -> str:
    if PHONE_REFUSED in detail:
        return _("Enter a Kenyan mobile number, e.g. 0712 345 678.")
    if SUBSCRIBER_BUSY in detail:
        return _("An M-Pesa request is already open on this phone. Finish or cancel it, then try again.")
    return _("M-Pesa refused the request.")


@register
class MpesaGateway(Gateway):
    code = "mpesa"
    provider = Provider.MPESA
    label = gettext_lazy("M-Pesa")
    description = gettext_lazy("Pay from your phone: we send a request, you enter your M-Pesa PIN.")
    icon = "bi-phone"
    online = True
    required_settings = (
        "MPESA_CONSUMER_KEY",
        "MPESA_CONSUMER_SECRET",
        "MPESA_SHORTCODE",
        "MPESA_PASSKEY",
        "MPESA_CALLBACK_URL",
    )

    def available_for(self, checkout) -> bool:
        total = checkout.total
        # M-Pesa takes whole shillings, within Safaricom's limits for one payment.
        return (
            mpesa_configured()
            and checkout.currency == "KES"
            and total == total.to_integral_value()
            and AMOUNT_MIN <= total <= AMOUNT_MAX
        )

    def start(self, request, checkout):
        return redirect("payments:mpesa_phone", checkout.idempotency_key)


def mpesa_takes(checkout) -> bool:
    """The checkout can be paid by M-Pesa now: it awaits a payment, and M-Pesa is on and can take it."""
    gateway = gateway_get(MpesaGateway.code)
    return gateway is not None and gateway.available_for(checkout) and checkout_awaits_payment(checkout)


def _attempt_begin(*, checkout, phone: str) -> tuple[PaymentAttempt, bool]:
    """A new attempt for the push, or the one already on its way to this phone (``False``)."""

    def work():
        locked = type(checkout).objects.select_for_update().get(pk=checkout.pk)
        if not checkout_awaits_payment(locked):
            raise CheckoutClosed(_("This checkout no longer waits for a payment."))
        recent = PaymentAttempt.objects.filter(
            checkout=locked,
            provider=Provider.MPESA,
            status=Status.PENDING,
            phone=phone,
            created_at__gte=timezone.now() - RESUBMIT_WINDOW,
        ).first()
        if recent is not None:
            return recent, False
        if locked.payment_method != MpesaGateway.code:
            locked.payment_method = MpesaGateway.code
            locked.save(update_fields=["payment_method", "updated_at"])
        return attempt_create(checkout=locked, gateway=MpesaGateway.code, provider=Provider.MPESA, phone=phone), True

    return atomic_retrying(work, what="M-Pesa push")


def mpesa_pay(*, request, checkout, phone: str) -> PaymentAttempt:
    """Prompt ``phone`` (normalised) to pay the checkout's total: the pending attempt, with
    its CheckoutRequestID. A second call while that push is on its way sends nothing.
    Raises ``CheckoutClosed``, or ``MpesaError`` after failing the attempt."""
    attempt, created = _attempt_begin(checkout=checkout, phone=phone)
    if not created:
        return attempt
    callback_url = settings.MPESA_CALLBACK_URL or request.build_absolute_uri(reverse("payments:mpesa_callback"))
    try:
        answer = DarajaClient().stk_push(
            phone=phone,
            amount=int(attempt.amount),
            callback_url=callback_url,
            reference=f"SOKO{checkout.pk}",
            description="Soko order",
        )
    except MpesaError as error:
        attempt_failed(attempt_id=attempt.pk, message=str(error))
        raise
    return attempt_reference_set(attempt=attempt, reference=str(answer["CheckoutRequestID"]))


def _query(request_id: str) -> StkResult | None:
    """The STK query's answer, or ``None`` when Daraja could not give one (logged)."""
    try:
        return DarajaClient().stk_query(request_id)
    except MpesaError as error:
        log.warning("STK query for %s failed: %s %s", request_id, error.code, error.detail or error)
        return None


def _attempt_end(attempt: PaymentAttempt, result: StkResult) -> PaymentAttempt:
    """The push ended without money, as the STK query said."""
    if result.code == 1032:
        return attempt_failed(
            attempt_id=attempt.pk, status=Status.CANCELLED, message=_("You cancelled the M-Pesa request.")
        )
    if result.code in (1037, 1019):
        return attempt_failed(
            attempt_id=attempt.pk, status=Status.EXPIRED, message=_("M-Pesa could not reach your phone in time.")
        )
    return attempt_failed(attempt_id=attempt.pk, message=result.description or _("M-Pesa did not take the payment."))


def _phone_agrees(reported, expected: str) -> bool:
    """The callback's PhoneNumber is the one we pushed to. Safaricom may mask it
    (``2547XXXXX678``, ``0712***678``) or hash it: then the digits it shows must agree,
    and the STK query alone proves the payment."""
    text = re.sub(r"[\s\-+]", "", str(reported if reported is not None else ""))
    if not text or re.fullmatch(r"[0-9a-fA-F]{64}", text):
        return True
    if text.startswith("0"):
        text = "254" + text[1:]
    if re.fullmatch(r"\d{12}", text):
        return text == expected
    if re.fullmatch(r"254[\dxX*]{9}", text):
        return all(shown == digit for shown, digit in zip(text, expected, strict=True) if shown.isdigit())
    return False


def _callback_parse(payload) -> tuple[str, int, str, dict]:
    try:
        callback = payload["Body"]["stkCallback"]
        request_id = str(callback["CheckoutRequestID"])
        code = int(callback["ResultCode"])
        items = (callback.get("CallbackMetadata") or {}).get("Item") or []
        metadata = {str(item["Name"]): item.get("Value") for item in items}
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise MalformedCallback(str(error)) from error
    if not request_id:
        raise MalformedCallback("no CheckoutRequestID")
    return request_id, code, str(callback.get("ResultDesc", "")), metadata


def _event_claim(*, event_id: str, payload) -> ProviderEvent | None:
    """The callback's event, stored once and locked; ``None`` when it was processed before."""
    event_record(provider=Provider.MPESA, event_id=event_id, kind="stkCallback", payload=payload)
    event = ProviderEvent.objects.select_for_update().get(provider=Provider.MPESA, event_id=event_id[:255])
    return None if event.processed_at else event


def _event_done(event: ProviderEvent, outcome: str) -> None:
    event.processed_at = timezone.now()
    event.outcome = outcome[:300]
    event.save(update_fields=["processed_at", "outcome"])


def _receipt_keep(attempt: PaymentAttempt, receipt: str) -> None:
    """A push the query settled without a receipt learns it from the genuine callback."""
    if attempt.status not in (Status.SUCCEEDED, Status.FLAGGED) or attempt.payment_reference:
        return
    if PaymentAttempt.objects.filter(provider=Provider.MPESA, payment_reference=receipt).exists():
        return
    try:
        with transaction.atomic():
            PaymentAttempt.objects.filter(pk=attempt.pk, payment_reference="").update(
                payment_reference=receipt[:255], updated_at=timezone.now()
            )
    except IntegrityError:
        log.warning("M-Pesa receipt %s is already another attempt's", receipt)


def callback_process(payload) -> str:
    """One result Safaricom posted; what became of it. Changes nothing unless every check
    holds; the same callback any number of times counts once. Raises ``MalformedCallback``."""
    request_id, code, description, metadata = _callback_parse(payload)
    attempt = PaymentAttempt.objects.filter(provider=Provider.MPESA, reference=request_id).first()
    if attempt is None:
        log.warning("M-Pesa callback for unknown CheckoutRequestID %s", request_id)
        return "unknown request"
    if code == 0:
        return _callback_paid(attempt, request_id, metadata, payload)
    if attempt.is_final:
        return "already ended"
    event_id = f"{request_id}:{code}:"
    if ProviderEvent.objects.filter(provider=Provider.MPESA, event_id=event_id, processed_at__isnull=False).exists():
        return "already processed"
    result = _query(request_id)
    if result is None or result.pending or result.paid:
        log.warning("M-Pesa callback says %s for %s, the STK query says %s", code, request_id, result)
        return "not confirmed"
    with transaction.atomic():
        event = _event_claim(event_id=event_id, payload=payload)
        if event is None:
            return "already processed"
        attempt = _attempt_end(attempt, result)
        outcome = f"attempt {attempt.pk} {attempt.status} ({description or result.code})"
        _event_done(event, outcome)
    return outcome


def _callback_paid(attempt: PaymentAttempt, request_id: str, metadata: dict, payload) -> str:
    receipt = str(metadata.get("MpesaReceiptNumber") or "").strip()
    try:
        amount = money_to_minor(Decimal(str(metadata.get("Amount"))), "KES")
    except (ArithmeticError, ValueError):
        amount = None
    if amount != attempt.amount_minor or not receipt or not _phone_agrees(metadata.get("PhoneNumber"), attempt.phone):
        log.warning(
            "M-Pesa callback for attempt %s does not match it (amount %s, phone %s, receipt %r)",
            attempt.pk,
            metadata.get("Amount"),
            metadata.get("PhoneNumber"),
            receipt,
        )
        return "does not match"
    event_id = f"{request_id}:0:{receipt}"
    if ProviderEvent.objects.filter(provider=Provider.MPESA, event_id=event_id, processed_at__isnull=False).exists():
        return "already processed"
    result = _query(request_id)
    if result is None or result.pending:
        # The job asks again later and then takes this receipt.
        event_record(provider=Provider.MPESA, event_id=event_id, kind="stkCallback", payload=payload)
        return "waiting for the STK query"
    if not result.paid:
        log.warning("M-Pesa callback says %s was paid, the STK query says %s", request_id, result)
        return "not confirmed"
    with transaction.atomic():
        event = _event_claim(event_id=event_id, payload=payload)
        if event is None:
            return "already processed"
        attempt = attempt_succeeded(
            attempt_id=attempt.pk, received_minor=amount, currency="KES", payment_reference=receipt
        )
        _receipt_keep(attempt, receipt)
        outcome = f"attempt {attempt.pk} {attempt.status}"
        _event_done(event, outcome)
    return outcome


def _settle(attempt: PaymentAttempt, result: StkResult) -> None:
    """End a push as the STK query says, with the receipt of a callback that waited for it."""
    with transaction.atomic():
        waiting = list(
            ProviderEvent.objects.select_for_update().filter(
                provider=Provider.MPESA, event_id__startswith=f"{attempt.reference}:0:", processed_at__isnull=True
            )
        )
        if result.paid:
            receipt = waiting[0].event_id.rsplit(":", 1)[1] if waiting else ""
            attempt = attempt_succeeded(
                attempt_id=attempt.pk, received_minor=attempt.amount_minor, currency="KES", payment_reference=receipt
            )
            outcome = f"attempt {attempt.pk} {attempt.status} (STK query)"
        else:
            attempt = _attempt_end(attempt, result)
            outcome = f"not confirmed: the STK query says {result.code}"
        for event in waiting:
            _event_done(event, outcome)


def mpesa_pending_settle(*, older_than_seconds: int | None = None) -> int:
    """Ask Daraja about pushes with no outcome after a while (``MPESA_QUERY_AFTER_SECONDS``):
    paid ones are paid, refused ones end, unanswered ones wait. Returns how many ended."""
    seconds = settings.MPESA_QUERY_AFTER_SECONDS if older_than_seconds is None else older_than_seconds
    pending = (
        PaymentAttempt.objects.filter(
            provider=Provider.MPESA, status=Status.PENDING, created_at__lte=timezone.now() - timedelta(seconds=seconds)
        )
        .exclude(reference="")
        .order_by("created_at", "id")
    )
    ended = 0
    for attempt in pending[:200]:
        result = _query(attempt.reference)
        if result is None or result.pending:
            continue
        _settle(attempt, result)
        ended += 1
    return ended
