"""PayPal's wire (Orders v2, Payments v2, transaction search): a small client of our own
over httpx (``PAYPAL_API_BASE``: PayPal, or a local fake). Every POST carries a
``PayPal-Request-Id`` built from the attempt and the action, so a retried create, capture
or refund is the same one at PayPal.
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
from django.utils.translation import gettext as _

from shop.core.selectors.currencies import money_from_minor, money_to_minor

from ...models import PaymentAttempt

log = logging.getLogger(__name__)


class PaypalError(Exception):
    """PayPal refused or could not be reached; ``issue`` is PayPal's code when it gave one,
    ``status`` its HTTP status (0 when it could not be reached)."""

    def __init__(self, message: str, issue: str = "", status: int = 0):
        super().__init__(message)
        self.issue = issue
        self.status = status


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
                (body.get("message") if isinstance(body, dict) else "") or _("PayPal refused the request."),
                issue,
                response.status_code,
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

    def forget_token(self) -> None:
        with self._lock:
            self._tokens.pop((self.base, settings.PAYPAL_CLIENT_ID), None)

    def call(self, method: str, path: str, *, request_id: str = "", json=None) -> dict:
        """One API call. A kept access token PayPal no longer accepts (401: revoked, or
        issued before a restart) is dropped and the call made once more with a new one."""
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {self.token()}", "Content-Type": "application/json"}
            if request_id:
                headers["PayPal-Request-Id"] = request_id
            try:
                return self._send(method, path, json=json, headers=headers)
            except PaypalError as error:
                if error.status != 401 or attempt == 2:
                    raise
                self.forget_token()
        raise AssertionError("unreachable")


def paypal_value(minor: int, currency: str) -> str:
    """PayPal's amount string: "3451.00"; no decimals for zero-decimal currencies."""
    return str(money_from_minor(minor, currency))


def paypal_minor(amount: dict) -> tuple[int, str]:
    currency = str(amount.get("currency_code", "")).upper()
    try:
        return money_to_minor(Decimal(str(amount.get("value"))), currency), currency
    except (InvalidOperation, ValueError):
        return -1, currency


def paypal_refund(*, attempt: PaymentAttempt, amount_minor: int, idempotency_key: str, note: str = "") -> str:
    """Refund part of the attempt's capture; PayPal's refund id."""
    refund = PaypalClient().call(
        "POST",
        f"/v2/payments/captures/{attempt.payment_reference}/refund",
        request_id=f"refund-{idempotency_key}",
        json={
            "amount": {"currency_code": attempt.currency, "value": paypal_value(amount_minor, attempt.currency)},
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
    amount, currency = paypal_minor(info.get("transaction_amount") or {})
    fee, _ = paypal_minor(info.get("fee_amount") or {"currency_code": currency, "value": "0"})
    try:
        day = datetime.strptime(str(info.get("transaction_initiation_date")), "%Y-%m-%dT%H:%M:%S%z").astimezone(UTC)
    except ValueError:
        day = None
    if day is None or amount == -1 or fee == -1 or not currency:
        log.warning("PayPal transaction %s could not be read: %s", info.get("transaction_id"), info)
        return
    totals[(day.date(), currency)] += amount + fee
