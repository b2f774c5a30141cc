"""M-Pesa's wire (Safaricom Daraja): OAuth token, STK push, STK query and Transaction
Status, Kenya, whole shillings.

A small client of our own over httpx: the maintained Daraja clients hard-code Safaricom's
hosts, and ours must talk to a local fake in tests and demos (``MPESA_API_BASE``).
"""

from __future__ import annotations

import base64
import logging
import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

NAIROBI = ZoneInfo("Africa/Nairobi")
TIMEOUT = httpx.Timeout(20.0, connect=5.0)
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

    def _post(self, path: str, body: dict, *, signed: bool = True) -> dict:
        for fresh in (False, True):
            try:
                return self._send(
                    "POST",
                    path,
                    json={**(self._signed() if signed else {}), **body},
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

    def transaction_status(self, *, receipt: str, result_url: str) -> dict:
        """Ask Daraja about an M-Pesa receipt; the answer is posted to ``result_url`` later.
        Daraja's acknowledgement, with the OriginatorConversationID the result will carry."""
        body = self._post(
            "/mpesa/transactionstatus/v1/query",
            {
                "Initiator": settings.MPESA_INITIATOR,
                "SecurityCredential": settings.MPESA_SECURITY_CREDENTIAL,
                "CommandID": "TransactionStatusQuery",
                "TransactionID": receipt,
                "PartyA": settings.MPESA_SHORTCODE,
                "IdentifierType": "4",
                "ResultURL": result_url,
                "QueueTimeOutURL": result_url,
                "Remarks": "Soko receipt check",
                "Occasion": "",
            },
            signed=False,
        )
        if str(body.get("ResponseCode")) != "0":
            raise MpesaError(_("M-Pesa refused the request."), detail=str(body.get("ResponseDescription", "")))
        return body


def _refusal_message(detail: str) -> str:
    if PHONE_REFUSED in detail:
        return _("Enter a Kenyan mobile number, e.g. 0712 345 678.")
    if SUBSCRIBER_BUSY in detail:
        return _("An M-Pesa request is already open on this phone. Finish or cancel it, then try again.")
    return _("M-Pesa refused the request.")


