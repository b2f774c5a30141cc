"""A fake PayPal (Orders v2) for tests and demos: OAuth, create / get / capture orders,
refund captures, in PayPal's wire format (``PayPal-Request-Id`` idempotency, error bodies
with ``name`` and ``details[].issue``), and the buyer's approval page.

    with FakePaypal() as fake:                  # tests: fake.url, fake.approve(order_id)
    python -m tests.fakes.paypal --port 12113   # demos: PAYPAL_API_BASE=http://127.0.0.1:12113

Captures can be made PENDING (``pend_next_capture``) and settled later
(``capture_settle``), read with ``GET /v2/payments/captures/{id}``; transaction search
(``GET /v1/reporting/transactions``) lists the captures and refunds that moved money.
A POST's answer is replayed for the same ``PayPal-Request-Id``, refusals included.

Not covered: webhooks, vaulted payment methods, authorize-then-capture, disputes, fees.
"""

import argparse
import base64
import json
import secrets
import threading
import time
from datetime import datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.fakes.server import FakeServer


def _error(name: str, issue: str, message: str) -> dict:
    return {
        "name": name,
        "message": message,
        "debug_id": secrets.token_hex(6),
        "details": [{"issue": issue, "description": message}],
    }


class FakePaypal(FakeServer):
    def __init__(self, *, port: int = 0, client_id: str = "soko-client", secret: str = "soko-secret"):
        self.client_id, self.secret = client_id, secret
        self.tokens: set[str] = set()
        self.orders: dict[str, dict] = {}
        self.captures: dict[str, dict] = {}
        self.replies: dict[str, tuple[int, dict]] = {}
        self.decline: set[str] = set()
        self.tampered: dict[str, str] = {}
        self.pending: dict[str, str] = {}
        # The account's activity as transaction search reports it: one row per capture and refund.
        self.activity: list[dict] = []
        self.searches: list[dict] = []
        self.max_page_size = 500
        self.lock = threading.Lock()
        super().__init__(port, _handler(self))

    def settings(self) -> dict:
        return {"PAYPAL_API_BASE": self.url, "PAYPAL_CLIENT_ID": self.client_id, "PAYPAL_CLIENT_SECRET": self.secret}

    def approve(self, order_id: str) -> None:
        self.orders[order_id]["status"] = "APPROVED"

    def decline_next_capture(self, order_id: str) -> None:
        self.decline.add(order_id)

    def tamper_capture_amount(self, order_id: str, value: str) -> None:
        self.tampered[order_id] = value

    def pend_next_capture(self, order_id: str, reason: str = "PENDING_REVIEW") -> None:
        """The order's capture is made PENDING (PayPal reviews it) until ``capture_settle``."""
        self.pending[order_id] = reason

    def capture_settle(self, capture_id: str, status: str = "COMPLETED") -> None:
        """PayPal finished reviewing a pending capture: COMPLETED or DECLINED."""
        capture = self.captures[capture_id]
        capture["status"] = status
        capture.pop("status_details", None)
        for order in self.orders.values():
            for unit in order["purchase_units"]:
                for shown in (unit.get("payments") or {}).get("captures", []):
                    if shown["id"] == capture_id:
                        shown["status"] = status
                        shown.pop("status_details", None)
        if status == "COMPLETED":
            self._activity("T0006", capture_id, capture["amount"], "S")

    def _activity(self, event_code: str, transaction_id: str, amount: dict, status: str, fee: str = "0.00") -> None:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime())
        self.activity.append(
            {
                "transaction_info": {
                    "paypal_account_id": "SOKOMERCHANT1",
                    "transaction_id": transaction_id,
                    "transaction_event_code": event_code,
                    "transaction_initiation_date": stamp,
                    "transaction_updated_date": stamp,
                    "transaction_amount": dict(amount),
                    "fee_amount": {"currency_code": amount["currency_code"], "value": fee},
                    "transaction_status": status,
                }
            }
        )

    def _order_view(self, order: dict) -> dict:
        view = {key: value for key, value in order.items() if not key.startswith("_")}
        view["links"] = [
            {"href": f"{self.url}/v2/checkout/orders/{order['id']}", "rel": "self", "method": "GET"},
            {"href": f"{self.url}/checkoutnow?token={order['id']}", "rel": "payer-action", "method": "GET"},
        ]
        return view

    def handle(self, method: str, path: str, body: dict, headers, query: str = "") -> tuple[int, dict]:
        request_id = headers.get("PayPal-Request-Id", "")
        if method == "POST" and request_id:
            with self.lock:
                if request_id in self.replies:
                    return self.replies[request_id]
        reply = self._handle(method, path, body, query)
        if method == "POST" and request_id and reply[0] < 500:
            with self.lock:
                self.replies.setdefault(request_id, reply)
        return reply

    def _handle(self, method: str, path: str, body: dict, query: str = "") -> tuple[int, dict]:
        parts = path.strip("/").split("/")
        if method == "POST" and path == "/v2/checkout/orders":
            units = body.get("purchase_units") or []
            if body.get("intent") != "CAPTURE" or not units or "amount" not in units[0]:
                return 400, _error("INVALID_REQUEST", "MISSING_REQUIRED_PARAMETER", "Request is not well-formed.")
            context = ((body.get("payment_source") or {}).get("paypal") or {}).get("experience_context") or {}
            order = {
                "id": secrets.token_hex(8).upper(),
                "intent": "CAPTURE",
                "status": "PAYER_ACTION_REQUIRED",
                "purchase_units": units,
                "_context": context,
            }
            self.orders[order["id"]] = order
            return 200, self._order_view(order)
        if len(parts) >= 4 and parts[:3] == ["v2", "checkout", "orders"]:
            order = self.orders.get(parts[3])
            if order is None:
                return 404, _error("RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", "Specified resource ID does not exist.")
            if method == "GET" and len(parts) == 4:
                return 200, self._order_view(order)
            if method == "POST" and parts[4:] == ["capture"]:
                return self._capture(order)
        if method == "GET" and len(parts) == 4 and parts[:3] == ["v2", "payments", "captures"]:
            capture = self.captures.get(parts[3])
            if capture is None:
                return 404, _error("RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", "Specified resource ID does not exist.")
            return 200, {key: value for key, value in capture.items() if not key.startswith("_")}
        if method == "GET" and parts == ["v1", "reporting", "transactions"]:
            return self._search(query)
        if (
            method == "POST"
            and len(parts) == 5
            and parts[:3] == ["v2", "payments", "captures"]
            and parts[4] == "refund"
        ):
            capture = self.captures.get(parts[3])
            if capture is None:
                return 404, _error("RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", "Specified resource ID does not exist.")
            amount = Decimal((body.get("amount") or capture["amount"])["value"])
            if amount > Decimal(capture["amount"]["value"]) - capture["_refunded"]:
                return 422, _error(
                    "UNPROCESSABLE_ENTITY",
                    "REFUND_AMOUNT_EXCEEDED",
                    "The refund amount must be less than or equal to the capture amount.",
                )
            capture["_refunded"] += amount
            refund = {
                "id": secrets.token_hex(8).upper(),
                "status": "COMPLETED",
                "amount": {"currency_code": capture["amount"]["currency_code"], "value": str(amount)},
            }
            self._activity("T1107", refund["id"], {**refund["amount"], "value": str(-amount)}, "S")
            return 201, refund
        return 404, _error("NOT_FOUND", "NOT_FOUND", "The specified resource does not exist.")

    def _search(self, query: str) -> tuple[int, dict]:
        """Transaction search (``/v1/reporting/transactions``): the activity between
        start_date and end_date (at most 31 days), paged."""
        params = {key: values[0] for key, values in parse_qs(query).items()}
        try:
            start, end = (
                datetime.fromisoformat(params[name].replace("Z", "+00:00")) for name in ("start_date", "end_date")
            )
            page, size = int(params.get("page", "1")), min(int(params.get("page_size", "100")), self.max_page_size)
        except (KeyError, ValueError):
            return 400, _error("INVALID_REQUEST", "INVALID_PARAMETER_SYNTAX", "Request is not well-formed.")
        self.searches.append(params)
        if not start < end or end - start > timedelta(days=31):
            return 400, _error("INVALID_REQUEST", "INVALID_DATE_RANGE", "Date range is greater than 31 days.")
        rows = [
            row
            for row in self.activity
            if start <= _when(row["transaction_info"]["transaction_initiation_date"]) < end
            and params.get("transaction_status", row["transaction_info"]["transaction_status"])
            == row["transaction_info"]["transaction_status"]
        ]
        pages = max(1, -(-len(rows) // size))
        return 200, {
            "transaction_details": rows[(page - 1) * size : page * size],
            "account_number": "SOKOMERCHANT1",
            "start_date": params["start_date"],
            "end_date": params["end_date"],
            "last_refreshed_datetime": time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime()),
            "page": page,
            "total_items": len(rows),
            "total_pages": pages,
        }

    def _capture(self, order: dict) -> tuple[int, dict]:
        if order["status"] == "COMPLETED":
            return 422, _error("UNPROCESSABLE_ENTITY", "ORDER_ALREADY_CAPTURED", "Order already captured.")
        if order["status"] != "APPROVED":
            return 422, _error(
                "UNPROCESSABLE_ENTITY", "ORDER_NOT_APPROVED", "Payer has not yet approved the Order for payment."
            )
        if order["id"] in self.decline:
            self.decline.discard(order["id"])
            return 422, _error(
                "UNPROCESSABLE_ENTITY",
                "INSTRUMENT_DECLINED",
                "The instrument presented was either declined or expired.",
            )
        amount = dict(order["purchase_units"][0]["amount"])
        if order["id"] in self.tampered:
            amount["value"] = self.tampered[order["id"]]
        capture = {
            "id": secrets.token_hex(8).upper(),
            "status": "COMPLETED",
            "amount": amount,
            "final_capture": True,
            "_refunded": Decimal("0"),
        }
        if order["id"] in self.pending:
            capture["status"] = "PENDING"
            capture["status_details"] = {"reason": self.pending.pop(order["id"])}
        else:
            self._activity("T0006", capture["id"], amount, "S")
        self.captures[capture["id"]] = capture
        order["status"] = "COMPLETED"
        order["purchase_units"][0]["payments"] = {
            "captures": [{key: value for key, value in capture.items() if not key.startswith("_")}]
        }
        return 201, self._order_view(order)


def _when(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z")


def _handler(fake: FakePaypal):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            return None

        def _answer(self, status: int, body, content_type="application/json", location=""):
            data = (json.dumps(body) if not isinstance(body, str) else body).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            if location:
                self.send_header("Location", location)
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _authorised(self) -> bool:
            return (self.headers.get("Authorization") or "").removeprefix("Bearer ") in fake.tokens

        def do_GET(self):
            parts = urlsplit(self.path)
            if parts.path == "/checkoutnow":
                token = parse_qs(parts.query).get("token", [""])[0]
                page = f'<p>Fake PayPal: approve order {token}?</p><form method="post" action="/checkoutnow/approve?token={token}"><button>Approve</button></form><form method="post" action="/checkoutnow/cancel?token={token}"><button>Cancel</button></form>'
                return self._answer(200, page, "text/html")
            if not self._authorised():
                return self._answer(
                    401, {"error": "invalid_token", "error_description": "Token signature verification failed"}
                )
            return self._answer(*fake.handle("GET", parts.path, {}, self.headers, parts.query))

        def do_POST(self):
            parts = urlsplit(self.path)
            if parts.path == "/v1/oauth2/token":
                self._body()
                expected = "Basic " + base64.b64encode(f"{fake.client_id}:{fake.secret}".encode()).decode()
                if self.headers.get("Authorization") != expected:
                    return self._answer(
                        401, {"error": "invalid_client", "error_description": "Client Authentication failed"}
                    )
                token = secrets.token_urlsafe(24)
                fake.tokens.add(token)
                return self._answer(
                    200,
                    {
                        "scope": "https://uri.paypal.com/services/payments",
                        "access_token": token,
                        "token_type": "Bearer",
                        "expires_in": 32400,
                    },
                )
            if parts.path in ("/checkoutnow/approve", "/checkoutnow/cancel"):
                self._body()
                token = parse_qs(parts.query).get("token", [""])[0]
                order = fake.orders.get(token)
                if order is None:
                    return self._answer(404, "no such order", "text/plain")
                if parts.path.endswith("approve"):
                    fake.approve(token)
                    return self._answer(
                        303,
                        "",
                        location=f"{order['_context'].get('return_url')}?{urlencode({'token': token, 'PayerID': 'FAKEPAYER'})}",
                    )
                return self._answer(
                    303, "", location=f"{order['_context'].get('cancel_url')}?{urlencode({'token': token})}"
                )
            if not self._authorised():
                return self._answer(
                    401, {"error": "invalid_token", "error_description": "Token signature verification failed"}
                )
            try:
                body = json.loads(self._body() or b"{}")
            except ValueError:
                return self._answer(
                    400, _error("INVALID_REQUEST", "MALFORMED_REQUEST_JSON", "The request JSON is not well formed.")
                )
            answer = fake.handle("POST", parts.path, body, self.headers)
            if fake.answer_lost():
                self.close_connection = True  # carried out, never answered
                return None
            return self._answer(*answer)

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=12113)
    args = parser.parse_args()
    fake = FakePaypal(port=args.port)
    print(
        f"fake PayPal on {fake.url}: " + " ".join(f"{name}={value}" for name, value in fake.settings().items()),
        flush=True,
    )
    fake.server.serve_forever()


if __name__ == "__main__":
    main()
