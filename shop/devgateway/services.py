"""An offline Stripe: the part of Stripe's API that Soko uses, for the development gateway
and for the fake Stripe server the tests and demos run (``tests/fakes/stripe_server.py``).
Development only: this app is installed when ``DEBUG=1``, never in production.

The real ``stripe`` library talks to it unchanged: requests are Stripe's form-encoded
parameters, answers are Stripe's JSON objects (``checkout.session``, ``payment_intent``,
``charge``, ``event``, ``account``, ``transfer``, ``refund``…) and errors Stripe's error
bodies, so the library raises its own exceptions. Every POST honours ``Idempotency-Key``
(the same key with other parameters is refused, as Stripe does). What a buyer does on
Stripe's hosted page is simulated by ``session_pay`` / ``session_decline`` /
``session_cancel``, which create the events Stripe would send; ``sign`` signs them with
Stripe's scheme so they go through the real webhook code.

Covered: Checkout Sessions (create, retrieve, list by payment intent, expire), Payment
Intents and Charges (retrieve), Events (retrieve, list by type and time), Express
accounts and onboarding links, transfers and their reversals, refunds (partial, never
more than was paid; a bank may fail one later: ``refund_fail``), disputes (``dispute_open``
/ ``dispute_close``: funds withdrawn with a dispute fee, reinstated when won) and the
balance transactions every money movement makes (``/v1/balance_transactions``, Stripe's
fee on each charge: ``FEE_PER_MILLE``). Not covered: customers, saved cards, 3-D Secure,
payouts to banks.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from functools import partial
from urllib.parse import parse_qsl, urlsplit

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction

from .models import DevProviderObject

API_VERSION = "2025-09-30.clover"


def decode_params(pairs) -> dict:
    """Stripe's form encoding (``a[b][0][c]=v``) to nested dicts and lists."""
    root: dict = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+|\[\]", key)
        node = root
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            if part == "[]":
                part = str(len(node))
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return _listify(root)


def _listify(node):
    if not isinstance(node, dict):
        return node
    node = {key: _listify(value) for key, value in node.items()}
    if node and all(key.isdigit() for key in node):
        return [node[key] for key in sorted(node, key=int)]
    return node


def _int(value, default=0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header Stripe would send with ``payload``."""
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def event_payload(event: dict) -> bytes:
    return json.dumps(event).encode()


class ApiError(Exception):
    def __init__(
        self, status: int, message: str, *, code: str = "", param: str = "", kind: str = "invalid_request_error"
    ):
        super().__init__(message)
        self.status, self.body = (
            status,
            {"error": {"type": kind, "message": message, "code": code or None, "param": param or None}},
        )


def _missing(kind: str, object_id: str) -> ApiError:
    return ApiError(404, f"No such {kind}: '{object_id}'", code="resource_missing", param="id")


class MemoryStore:
    """Objects in a dict (one fake server's lifetime)."""

    def __init__(self):
        self._objects: dict[str, tuple[str, dict]] = {}
        self._lock = threading.RLock()

    def get(self, object_id: str) -> dict | None:
        with self._lock:
            found = self._objects.get(object_id)
            return json.loads(json.dumps(found[1])) if found else None

    def put(self, kind: str, obj: dict) -> None:
        with self._lock:
            self._objects[obj["id"]] = (kind, json.loads(json.dumps(obj)))

    def add(self, kind: str, obj: dict) -> bool:
        """Insert unless the id exists; ``False`` when it did."""
        with self._lock:
            if obj["id"] in self._objects:
                return False
            self.put(kind, obj)
            return True

    def all(self, kind: str) -> list[dict]:
        with self._lock:
            return [json.loads(json.dumps(obj)) for k, obj in self._objects.values() if k == kind]


class DbStore:
    """Objects in ``DevProviderObject`` rows: the web process and the workers share them."""

    def get(self, object_id: str) -> dict | None:
        row = DevProviderObject.objects.filter(pk=object_id).first()
        return row.data if row else None

    def put(self, kind: str, obj: dict) -> None:
        DevProviderObject.objects.update_or_create(pk=obj["id"], defaults={"kind": kind, "data": obj})

    def add(self, kind: str, obj: dict) -> bool:
        try:
            with transaction.atomic():
                DevProviderObject.objects.create(pk=obj["id"], kind=kind, data=obj)
        except IntegrityError:
            return False
        return True

    def all(self, kind: str) -> list[dict]:
        return [row.data for row in DevProviderObject.objects.filter(kind=kind).order_by("created_at", "id")]


class StripeEngine:
    """Stripe's API over a store. ``handle`` answers one request: (status, body, headers)."""

    def __init__(self, store, *, hosted_base: str, webhook_secret: str = ""):
        self.store, self.hosted_base, self.webhook_secret = store, hosted_base.rstrip("/"), webhook_secret

    # The API --------------------------------------------------------------------------

    ROUTES = [
        ("POST", r"/v1/checkout/sessions", "session_create"),
        ("GET", r"/v1/checkout/sessions", "session_list"),
        ("GET", r"/v1/checkout/sessions/(?P<id>[^/]+)", "session_retrieve"),
        ("POST", r"/v1/checkout/sessions/(?P<id>[^/]+)/expire", "session_expire"),
        ("GET", r"/v1/payment_intents/(?P<id>[^/]+)", "intent_retrieve"),
        ("GET", r"/v1/events", "event_list"),
        ("GET", r"/v1/events/(?P<id>[^/]+)", "event_retrieve"),
        ("POST", r"/v1/accounts", "account_create"),
        ("GET", r"/v1/accounts/(?P<id>[^/]+)", "account_retrieve"),
        ("POST", r"/v1/account_links", "account_link_create"),
        ("POST", r"/v1/transfers", "transfer_create"),
        ("GET", r"/v1/transfers/(?P<id>[^/]+)", "transfer_retrieve"),
        ("POST", r"/v1/transfers/(?P<id>[^/]+)/reversals", "reversal_create"),
        ("GET", r"/v1/transfers/(?P<id>[^/]+)/reversals", "reversal_list"),
        ("POST", r"/v1/refunds", "refund_create"),
        ("GET", r"/v1/refunds", "refund_list"),
        ("GET", r"/v1/refunds/(?P<id>[^/]+)", "refund_retrieve"),
        ("POST", r"/v1/refunds/(?P<id>[^/]+)", "refund_update"),
        ("GET", r"/v1/charges/(?P<id>[^/]+)", "charge_retrieve"),
        ("GET", r"/v1/disputes", "dispute_list"),
        ("GET", r"/v1/disputes/(?P<id>[^/]+)", "dispute_retrieve"),
        ("GET", r"/v1/balance_transactions", "balance_transaction_list"),
        ("GET", r"/v1/balance_transactions/(?P<id>[^/]+)", "balance_transaction_retrieve"),
    ]

    # Stripe's fee on a charge (per mille of the amount, rounded up) and on a dispute.
    FEE_PER_MILLE = 29
    DISPUTE_FEE = 1500

    def handle(self, method: str, path: str, params: dict, headers: dict) -> tuple[int, dict, dict]:
        answer_headers = {"Request-Id": "req_" + secrets.token_hex(7), "Stripe-Version": API_VERSION}
        key = next((value for name, value in headers.items() if name.lower() == "idempotency-key"), "")
        try:
            for verb, pattern, name in self.ROUTES:
                match = re.fullmatch(pattern, path)
                if verb == method.upper() and match:
                    work = partial(getattr(self, name), params, **match.groupdict())
                    if method.upper() == "POST" and key:
                        return self._idempotent(key, path, params, work, answer_headers)
                    return 200, work(), answer_headers
            raise ApiError(404, f"Unrecognized request URL ({method} {path}).")
        except ApiError as error:
            return error.status, error.body, answer_headers

    def _idempotent(self, key: str, path: str, params: dict, work, headers: dict):
        fingerprint = hashlib.sha256(json.dumps([path, params], sort_keys=True).encode()).hexdigest()
        record_id = "idem_" + hashlib.sha256(key.encode()).hexdigest()[:40]
        stored = self.store.get(record_id)
        if stored is not None:
            if stored["fingerprint"] != fingerprint:
                raise ApiError(
                    400,
                    f"Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request.",
                    kind="idempotency_error",
                )
            return stored["status"], stored["body"], {**headers, "Idempotent-Replayed": "true"}
        try:
            status, body = 200, work()
        except ApiError as error:
            status, body = error.status, error.body
        if self.store.add("idempotency", {"id": record_id, "fingerprint": fingerprint, "status": status, "body": body}):
            return status, body, headers
        stored = self.store.get(record_id)  # a concurrent request with the same key won
        return stored["status"], stored["body"], {**headers, "Idempotent-Replayed": "true"}

    def _new(self, prefix: str, kind: str, fields: dict) -> dict:
        obj = {
            "id": f"{prefix}_{secrets.token_hex(12)}",
            "object": kind,
            "created": int(time.time()),
            "livemode": False,
            **fields,
        }
        self.store.put(kind, obj)
        return obj

    def _get(self, kind: str, object_id: str) -> dict:
        obj = self.store.get(object_id)
        if obj is None or obj.get("object") != kind:
            raise _missing(kind, object_id)
        return obj

    def _event(self, kind: str, obj: dict) -> dict:
        return self._new(
            "evt",
            "event",
            {
                "api_version": API_VERSION,
                "type": kind,
                "data": {"object": obj},
                "pending_webhooks": 1,
                "request": {"id": None, "idempotency_key": None},
            },
        )

    def _list(self, items: list[dict], params: dict, url: str) -> dict:
        items = sorted(items, key=lambda obj: (obj["created"], obj["id"]), reverse=True)
        after = params.get("starting_after")
        if after:
            ids = [obj["id"] for obj in items]
            items = items[ids.index(after) + 1 :] if after in ids else []
        limit = max(1, min(_int(params.get("limit"), 10), 100))
        return {"object": "list", "url": url, "has_more": len(items) > limit, "data": items[:limit]}

    def _balance(self, kind: str, amount: int, currency: str, source: str, *, fee: int = 0, category: str = "") -> dict:
        """The balance transaction of one money movement (Stripe's ``type``, gross
        ``amount``, ``fee`` and ``net`` in minor units)."""
        now = int(time.time())
        return self._new(
            "txn",
            "balance_transaction",
            {
                "amount": amount,
                "available_on": now,
                "currency": currency,
                "description": None,
                "exchange_rate": None,
                "fee": fee,
                "fee_details": [
                    {
                        "amount": fee,
                        "application": None,
                        "currency": currency,
                        "description": "Stripe processing fees",
                        "type": "stripe_fee",
                    }
                ]
                if fee
                else [],
                "net": amount - fee,
                "reporting_category": category or kind,
                "source": source,
                "status": "available",
                "type": kind,
            },
        )

    def balance_transaction_retrieve(self, params: dict, id: str) -> dict:
        return self._get("balance_transaction", id)

    def balance_transaction_list(self, params: dict) -> dict:
        items = self.store.all("balance_transaction")
        for field in ("type", "source", "currency"):
            if params.get(field):
                items = [item for item in items if item[field] == params[field]]
        created = params.get("created") if isinstance(params.get("created"), dict) else {}
        bounds = {"gte": lambda a, b: a >= b, "gt": lambda a, b: a > b, "lte": lambda a, b: a <= b, "lt": lambda a, b: a < b}
        for name, test in bounds.items():
            if name in created:
                items = [item for item in items if test(item["created"], _int(created[name]))]
        return self._list(items, params, "/v1/balance_transactions")

    def charge_retrieve(self, params: dict, id: str) -> dict:
        return self._get("charge", id)

    def dispute_retrieve(self, params: dict, id: str) -> dict:
        return self._get("dispute", id)

    def dispute_list(self, params: dict) -> dict:
        disputes = self.store.all("dispute")
        for field in ("charge", "payment_intent"):
            if params.get(field):
                disputes = [dispute for dispute in disputes if dispute[field] == params[field]]
        return self._list(disputes, params, "/v1/disputes")

    def session_create(self, params: dict) -> dict:
        lines = params.get("line_items") or []
        if params.get("mode") != "payment" or not lines:
            raise ApiError(400, "Checkout needs mode=payment and at least one line item.", param="line_items")
        amount, currency = 0, None
        for line in lines:
            price = line.get("price_data") or {}
            amount += _int(price.get("unit_amount"), -1) * _int(line.get("quantity"), 1)
            currency = currency or (price.get("currency") or "").lower()
            if _int(price.get("unit_amount"), -1) < 0 or (price.get("currency") or "").lower() != currency:
                raise ApiError(400, "Each line needs a unit_amount in the session's one currency.", param="line_items")
        session = self._new(
            "cs_test",
            "checkout.session",
            {
                "mode": "payment",
                "amount_subtotal": amount,
                "amount_total": amount,
                "currency": currency,
                "status": "open",
                "payment_status": "unpaid",
                "payment_intent": None,
                "success_url": params.get("success_url"),
                "cancel_url": params.get("cancel_url"),
                "client_reference_id": params.get("client_reference_id"),
                "customer_email": params.get("customer_email"),
                "metadata": params.get("metadata") or {},
                "expires_at": _int(params.get("expires_at"), int(time.time()) + 24 * 3600),
                "payment_intent_data": params.get("payment_intent_data") or {},
                "line_item_names": [
                    (line.get("price_data") or {}).get("product_data", {}).get("name", "") for line in lines
                ],
            },
        )
        session["url"] = f"{self.hosted_base}/checkout/{session['id']}/"
        self.store.put("checkout.session", session)
        return session

    def session_retrieve(self, params: dict, id: str) -> dict:
        return self._get("checkout.session", id)

    def session_list(self, params: dict) -> dict:
        sessions = self.store.all("checkout.session")
        if params.get("payment_intent"):
            sessions = [session for session in sessions if session.get("payment_intent") == params["payment_intent"]]
        return self._list(sessions, params, "/v1/checkout/sessions")

    def session_expire(self, params: dict, id: str) -> dict:
        session = self._get("checkout.session", id)
        if session["status"] != "open":
            raise ApiError(
                400,
                f"Only Checkout Sessions with a status of open can be expired. This session has a status of {session['status']}.",
            )
        session["status"] = "expired"
        self.store.put("checkout.session", session)
        self._event("checkout.session.expired", session)
        return session

    def intent_retrieve(self, params: dict, id: str) -> dict:
        return self._get("payment_intent", id)

    def event_retrieve(self, params: dict, id: str) -> dict:
        return self._get("event", id)

    def event_list(self, params: dict) -> dict:
        events = self.store.all("event")
        types = params.get("types") or ([params["type"]] if params.get("type") else [])
        if types:
            events = [event for event in events if event["type"] in types]
        created = params.get("created") if isinstance(params.get("created"), dict) else {}
        if "gte" in created:
            events = [event for event in events if event["created"] >= _int(created["gte"])]
        if "lte" in created:
            events = [event for event in events if event["created"] <= _int(created["lte"])]
        return self._list(events, params, "/v1/events")

    def account_create(self, params: dict) -> dict:
        return self._new(
            "acct",
            "account",
            {
                "type": params.get("type", "express"),
                "country": params.get("country", "US"),
                "email": params.get("email"),
                "details_submitted": False,
                "charges_enabled": False,
                "payouts_enabled": False,
                "capabilities": dict.fromkeys(params.get("capabilities") or {}, "inactive"),
            },
        )

    def account_retrieve(self, params: dict, id: str) -> dict:
        return self._get("account", id)

    def account_link_create(self, params: dict) -> dict:
        account = self._get("account", params.get("account", ""))
        account["onboarding"] = {"return_url": params.get("return_url"), "refresh_url": params.get("refresh_url")}
        self.store.put("account", account)
        now = int(time.time())
        return {
            "object": "account_link",
            "created": now,
            "expires_at": now + 300,
            "url": f"{self.hosted_base}/connect/{account['id']}/",
        }

    def transfer_create(self, params: dict) -> dict:
        destination = self.store.get(params.get("destination", "")) or {}
        if destination.get("object") != "account":
            raise ApiError(
                400, f"No such destination: '{params.get('destination')}'", code="resource_missing", param="destination"
            )
        if not destination.get("payouts_enabled"):
            raise ApiError(
                400,
                "The destination account needs to have at least one of the following capabilities enabled: transfers.",
                param="destination",
            )
        amount = _int(params.get("amount"), -1)
        if amount <= 0:
            raise ApiError(400, "Invalid positive integer", param="amount")
        transfer = self._new(
            "tr",
            "transfer",
            {
                "amount": amount,
                "amount_reversed": 0,
                "currency": (params.get("currency") or "").lower(),
                "destination": destination["id"],
                "transfer_group": params.get("transfer_group"),
                "metadata": params.get("metadata") or {},
                "reversed": False,
            },
        )
        transfer["reversals"] = {
            "object": "list",
            "data": [],
            "has_more": False,
            "url": f"/v1/transfers/{transfer['id']}/reversals",
        }
        transfer["balance_transaction"] = self._balance("transfer", -amount, transfer["currency"], transfer["id"])["id"]
        self.store.put("transfer", transfer)
        self._event("transfer.created", transfer)
        return transfer

    def transfer_retrieve(self, params: dict, id: str) -> dict:
        return self._get("transfer", id)

    def reversal_create(self, params: dict, id: str) -> dict:
        transfer = self._get("transfer", id)
        left = transfer["amount"] - transfer["amount_reversed"]
        amount = _int(params.get("amount"), left)
        if amount <= 0 or amount > left:
            raise ApiError(
                400, f"You cannot reverse {amount} of a transfer with {left} left to reverse.", param="amount"
            )
        reversal = self._new(
            "trr",
            "transfer_reversal",
            {
                "amount": amount,
                "currency": transfer["currency"],
                "transfer": id,
                "metadata": params.get("metadata") or {},
            },
        )
        reversal["balance_transaction"] = self._balance("transfer_refund", amount, transfer["currency"], reversal["id"])["id"]
        self.store.put("transfer_reversal", reversal)
        transfer["amount_reversed"] += amount
        transfer["reversed"] = transfer["amount_reversed"] == transfer["amount"]
        transfer["reversals"]["data"].insert(0, reversal)
        self.store.put("transfer", transfer)
        self._event("transfer.reversed", transfer)
        return reversal

    def reversal_list(self, params: dict, id: str) -> dict:
        self._get("transfer", id)  # 404 for a transfer Stripe does not know
        reversals = [reversal for reversal in self.store.all("transfer_reversal") if reversal["transfer"] == id]
        return self._list(reversals, params, f"/v1/transfers/{id}/reversals")

    def refund_create(self, params: dict) -> dict:
        charge = None
        if params.get("charge"):
            charge = self._get("charge", params["charge"])
        elif params.get("payment_intent"):
            intent = self._get("payment_intent", params["payment_intent"])
            charge = self.store.get(intent.get("latest_charge") or "")
        if charge is None:
            raise ApiError(
                400, "This PaymentIntent does not have a successful charge to refund.", code="charge_not_refundable"
            )
        left = charge["amount"] - charge["amount_refunded"]
        amount = _int(params.get("amount"), left)
        if amount <= 0 or amount > left:
            raise ApiError(
                400, f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})", param="amount"
            )
        refund = self._new(
            "re",
            "refund",
            {
                "amount": amount,
                "charge": charge["id"],
                "payment_intent": charge["payment_intent"],
                "currency": charge["currency"],
                "status": "succeeded",
                "metadata": params.get("metadata") or {},
            },
        )
        refund["balance_transaction"] = self._balance("refund", -amount, charge["currency"], refund["id"])["id"]
        refund.update(failure_balance_transaction=None, failure_reason=None)
        self.store.put("refund", refund)
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        self.store.put("charge", charge)
        self._event("refund.created", refund)
        self._event("charge.refunded", charge)
        return refund

    def refund_update(self, params: dict, id: str) -> dict:
        """Only ``metadata`` may change; an empty value unsets a key, as on Stripe."""
        refund = self._get("refund", id)
        metadata = {**(refund.get("metadata") or {}), **(params.get("metadata") or {})}
        refund["metadata"] = {key: value for key, value in metadata.items() if value != ""}
        self.store.put("refund", refund)
        return refund

    def refund_retrieve(self, params: dict, id: str) -> dict:
        return self._get("refund", id)

    def refund_list(self, params: dict) -> dict:
        refunds = self.store.all("refund")
        for field in ("charge", "payment_intent"):
            if params.get(field):
                refunds = [refund for refund in refunds if refund[field] == params[field]]
        return self._list(refunds, params, "/v1/refunds")

    # What buyers and sellers do on Stripe's pages ----------------------------------------

    def _intent(self, session: dict, status: str) -> dict:
        data = session.get("payment_intent_data") or {}
        if session.get("payment_intent"):
            intent = self._get("payment_intent", session["payment_intent"])
            intent["status"] = status
        else:
            intent = self._new(
                "pi",
                "payment_intent",
                {
                    "amount": session["amount_total"],
                    "amount_received": 0,
                    "currency": session["currency"],
                    "status": status,
                    "metadata": data.get("metadata") or {},
                    "transfer_group": data.get("transfer_group"),
                    "latest_charge": None,
                    "last_payment_error": None,
                },
            )
            session["payment_intent"] = intent["id"]
        return intent

    def _open(self, session_id: str) -> dict:
        session = self._get("checkout.session", session_id)
        if session["status"] != "open":
            raise ApiError(400, f"This Checkout Session is {session['status']}.")
        return session

    def _succeed(self, session: dict, intent: dict) -> list[dict]:
        charge = self._new(
            "ch",
            "charge",
            {
                "amount": intent["amount"],
                "amount_captured": intent["amount"],
                "amount_refunded": 0,
                "currency": intent["currency"],
                "payment_intent": intent["id"],
                "paid": True,
                "refunded": False,
                "status": "succeeded",
                "transfer_group": intent.get("transfer_group"),
            },
        )
        fee = -(-charge["amount"] * self.FEE_PER_MILLE // 1000)
        charge["balance_transaction"] = self._balance(
            "charge", charge["amount"], charge["currency"], charge["id"], fee=fee
        )["id"]
        charge["disputed"] = False
        self.store.put("charge", charge)
        intent.update(
            status="succeeded", amount_received=intent["amount"], latest_charge=charge["id"], last_payment_error=None
        )
        session["payment_status"] = "paid"
        self.store.put("payment_intent", intent)
        self.store.put("checkout.session", session)
        return [self._event("payment_intent.succeeded", intent), self._event("charge.succeeded", charge)]

    def session_pay(self, session_id: str, *, asynchronous: bool = False) -> list[dict]:
        """The buyer pays; with ``asynchronous`` the money is confirmed later (a bank debit)."""
        session = self._open(session_id)
        session["status"] = "complete"
        intent = self._intent(session, "processing" if asynchronous else "succeeded")
        events = [] if asynchronous else self._succeed(session, intent)
        self.store.put("payment_intent", intent)
        self.store.put("checkout.session", session)
        return [*events, self._event("checkout.session.completed", session)]

    def session_async_result(self, session_id: str, succeeded: bool) -> list[dict]:
        session = self._get("checkout.session", session_id)
        intent = self._get("payment_intent", session["payment_intent"])
        if succeeded:
            events = self._succeed(session, intent)
            return [*events, self._event("checkout.session.async_payment_succeeded", session)]
        intent["status"] = "requires_payment_method"
        self.store.put("payment_intent", intent)
        return [self._event("checkout.session.async_payment_failed", session)]

    def session_decline(self, session_id: str, code: str = "card_declined") -> list[dict]:
        """The card is declined; the session stays open, as on Stripe's page."""
        session = self._open(session_id)
        intent = self._intent(session, "requires_payment_method")
        intent["last_payment_error"] = {
            "type": "card_error",
            "code": code,
            "decline_code": "generic_decline",
            "message": "Your card was declined.",
        }
        self.store.put("payment_intent", intent)
        self.store.put("checkout.session", session)
        return [self._event("payment_intent.payment_failed", intent)]

    def session_cancel(self, session_id: str) -> list[dict]:
        """The buyer leaves: the session expires."""
        self.session_expire({}, session_id)
        events = [event for event in self.store.all("event") if event["type"] == "checkout.session.expired"]
        return [event for event in events if event["data"]["object"]["id"] == session_id][-1:]

    def account_onboard(self, account_id: str) -> list[dict]:
        account = self._get("account", account_id)
        account.update(details_submitted=True, charges_enabled=True, payouts_enabled=True)
        account["capabilities"] = dict.fromkeys(account.get("capabilities") or {"transfers": "active"}, "active")
        self.store.put("account", account)
        return [self._event("account.updated", account)]

    def dispute_open(self, intent_id: str, reason: str = "fraudulent") -> list[dict]:
        """The buyer's bank disputes the payment: the charge's amount and a dispute fee
        leave the balance at once (``charge.dispute.created``, ``…funds_withdrawn``)."""
        intent = self._get("payment_intent", intent_id)
        charge = self._get("charge", intent.get("latest_charge") or "")
        if charge.get("disputed"):
            raise ApiError(400, f"Charge {charge['id']} is already disputed.")
        amount = charge["amount"] - charge["amount_refunded"]
        dispute = self._new(
            "dp",
            "dispute",
            {
                "amount": amount,
                "charge": charge["id"],
                "currency": charge["currency"],
                "payment_intent": intent_id,
                "reason": reason,
                "status": "needs_response",
                "is_charge_refundable": False,
                "metadata": {},
                "evidence_details": {"due_by": int(time.time()) + 7 * 24 * 3600, "has_evidence": False},
            },
        )
        withdrawn = self._balance(
            "adjustment", -amount, charge["currency"], dispute["id"], fee=self.DISPUTE_FEE, category="dispute"
        )
        dispute["balance_transactions"] = [withdrawn]
        self.store.put("dispute", dispute)
        charge["disputed"] = True
        self.store.put("charge", charge)
        return [self._event("charge.dispute.created", dispute), self._event("charge.dispute.funds_withdrawn", dispute)]

    def dispute_close(self, dispute_id: str, won: bool) -> list[dict]:
        """The bank decides: won, the amount comes back (``…funds_reinstated``); either way
        ``charge.dispute.closed``."""
        dispute = self._get("dispute", dispute_id)
        if dispute["status"] in ("won", "lost"):
            raise ApiError(400, f"Dispute {dispute_id} is already closed.")
        events = []
        dispute["status"] = "won" if won else "lost"
        if won:
            reinstated = self._balance(
                "adjustment", dispute["amount"], dispute["currency"], dispute_id, category="dispute_reversal"
            )
            dispute["balance_transactions"].append(reinstated)
            self.store.put("dispute", dispute)
            events.append(self._event("charge.dispute.funds_reinstated", dispute))
        self.store.put("dispute", dispute)
        return [*events, self._event("charge.dispute.closed", dispute)]

    def refund_fail(self, refund_id: str, reason: str = "expired_or_canceled_card") -> list[dict]:
        """The buyer's bank returns a refund Stripe had sent: it is failed and its amount
        back in the balance (``charge.refund.updated``, ``refund.failed``)."""
        refund = self._get("refund", refund_id)
        if refund["status"] == "failed":
            raise ApiError(400, f"Refund {refund_id} has already failed.")
        failure = self._balance("refund_failure", refund["amount"], refund["currency"], refund_id)
        refund.update(status="failed", failure_reason=reason, failure_balance_transaction=failure["id"])
        self.store.put("refund", refund)
        charge = self._get("charge", refund["charge"])
        charge["amount_refunded"] -= refund["amount"]
        charge["refunded"] = False
        self.store.put("charge", charge)
        return [self._event("charge.refund.updated", refund), self._event("refund.failed", refund)]

    def tamper(self, object_id: str, **fields) -> None:
        """Tests: make Stripe's record say something else (another amount, say)."""
        obj = self.store.get(object_id)
        obj.update(fields)
        self.store.put(obj["object"], obj)


def dev_engine() -> StripeEngine:
    """The development gateway's engine: objects in the database, pages under /payments/dev/."""
    return StripeEngine(DbStore(), hosted_base="/payments/dev", webhook_secret=settings.STRIPE_WEBHOOK_SECRET)


class InProcessHTTPClient(stripe.HTTPClient):
    """Hands the stripe library's requests to ``dev_engine()`` instead of the network."""

    name = "soko-devgateway"

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        parts = urlsplit(url)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        if post_data:
            pairs += parse_qsl(post_data if isinstance(post_data, str) else post_data.decode(), keep_blank_values=True)
        status, body, answer_headers = dev_engine().handle(
            method, parts.path, decode_params(pairs), dict(headers or {})
        )
        return json.dumps(body), status, answer_headers

    def request_stream(self, method, url, headers, post_data=None, *, _usage=None):
        raise NotImplementedError("the development gateway does not stream")

    def close(self):
        return None
