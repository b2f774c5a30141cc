"""A fake Safaricom Daraja for tests and demos: OAuth, STK push and STK query in Daraja's
wire format, and the buyer's phone simulated by ``complete()``, which builds (and, with
``deliver=True``, posts) the real ``stkCallback`` body to the push's CallBackURL.

    with FakeDaraja() as fake:                     # tests: fake.url, fake.pushes
        body = fake.complete(request_id, 0)        # the callback JSON; post it yourself
    python -m tests.fakes.daraja --port 12112 --auto-pay 5   # demos: pays every push after 5 s

It checks Basic auth on the token, the Bearer token on the rest, and the Password
(base64 of shortcode + passkey + timestamp). Not covered: C2B, B2C, reversals, balances.
"""

import argparse
import base64
import json
import secrets
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from tests.fakes.server import FakeServer

PROCESSING = {"requestId": "", "errorCode": "500.001.1001", "errorMessage": "The transaction is being processed"}
RESULTS = {
    0: "The service request is processed successfully.",
    1032: "Request cancelled by user",
    1037: "DS timeout user cannot be reached",
    1: "The balance is insufficient for the transaction",
}


class FakeDaraja(FakeServer):
    def __init__(
        self,
        *,
        port: int = 0,
        key: str = "soko-key",
        secret: str = "soko-secret",
        passkey: str = "soko-passkey",
        shortcode: str = "174379",
        auto_pay: float = 0,
    ):
        self.key, self.secret, self.passkey, self.shortcode, self.auto_pay = key, secret, passkey, shortcode, auto_pay
        self.tokens: set[str] = set()
        self.pushes: dict[str, dict] = {}
        super().__init__(port, _handler(self))

    def settings(self) -> dict:
        return {
            "MPESA_API_BASE": self.url,
            "MPESA_CONSUMER_KEY": self.key,
            "MPESA_CONSUMER_SECRET": self.secret,
            "MPESA_PASSKEY": self.passkey,
            "MPESA_SHORTCODE": self.shortcode,
        }

    def complete(
        self, request_id: str, result_code: int = 0, *, amount=None, phone=None, receipt=None, deliver: bool = False
    ) -> dict:
        """The buyer answers on the phone: the STK query says ``result_code`` from now on,
        and the callback body (amount and phone may be made to lie) is returned."""
        push = self.pushes[request_id]
        push["result"] = result_code
        callback = {
            "MerchantRequestID": push["merchant"],
            "CheckoutRequestID": request_id,
            "ResultCode": result_code,
            "ResultDesc": RESULTS.get(result_code, "Failed"),
        }
        if result_code == 0:
            callback["CallbackMetadata"] = {
                "Item": [
                    {"Name": "Amount", "Value": float(push["amount"] if amount is None else amount)},
                    {"Name": "MpesaReceiptNumber", "Value": receipt or "S" + secrets.token_hex(5).upper()[:9]},
                    {"Name": "TransactionDate", "Value": int(time.strftime("%Y%m%d%H%M%S"))},
                    {"Name": "PhoneNumber", "Value": int(push["phone"] if phone is None else phone)},
                ]
            }
        body = {"Body": {"stkCallback": callback}}
        if deliver:
            request = urllib.request.Request(
                push["callback"],
                data=json.dumps(body).encode(),
                method="POST",
                headers={"Content-Type": "application/json"},
            )
            urllib.request.urlopen(request, timeout=10).close()
        return body


def _handler(fake: FakeDaraja):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            return None

        def _answer(self, status: int, body: dict):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _error(self, status: int, code: str, message: str):
            return self._answer(status, {"requestId": secrets.token_hex(8), "errorCode": code, "errorMessage": message})

        def do_GET(self):
            parts = urlsplit(self.path)
            if parts.path != "/oauth/v1/generate" or "grant_type=client_credentials" not in parts.query:
                return self._error(404, "404.001.01", "Resource not found")
            expected = "Basic " + base64.b64encode(f"{fake.key}:{fake.secret}".encode()).decode()
            if self.headers.get("Authorization") != expected:
                return self._error(400, "400.008.01", "Invalid Authentication passed")
            token = secrets.token_urlsafe(20)
            fake.tokens.add(token)
            return self._answer(200, {"access_token": token, "expires_in": "3599"})

        def do_POST(self):
            if (self.headers.get("Authorization") or "").removeprefix("Bearer ") not in fake.tokens:
                return self._error(401, "404.001.03", "Invalid Access Token")
            try:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                stamp = body["Timestamp"]
                password_ok = (
                    body["Password"] == base64.b64encode(f"{fake.shortcode}{fake.passkey}{stamp}".encode()).decode()
                )
            except (ValueError, KeyError, TypeError):
                return self._error(400, "400.002.02", "Bad Request - Invalid body")
            if not password_ok or str(body.get("BusinessShortCode")) != fake.shortcode:
                return self._error(400, "400.002.02", "Bad Request - Invalid Password")
            if self.path == "/mpesa/stkpush/v1/processrequest":
                return self._push(body)
            if self.path == "/mpesa/stkpushquery/v1/query":
                return self._query(body)
            return self._error(404, "404.001.01", "Resource not found")

        def _push(self, body):
            phone = str(body.get("PhoneNumber", ""))
            if not (phone.isdigit() and phone.startswith("254") and len(phone) == 12):
                return self._error(400, "400.002.02", "Bad Request - Invalid PhoneNumber")
            if not isinstance(body.get("Amount"), int) or body["Amount"] < 1:
                return self._error(400, "400.002.02", "Bad Request - Invalid Amount")
            request_id = f"ws_CO_{time.strftime('%d%m%Y%H%M%S')}{secrets.randbelow(10**9):09d}"
            merchant = f"{secrets.randbelow(99999)}-{secrets.randbelow(99999999)}-1"
            fake.pushes[request_id] = {
                "phone": phone,
                "amount": body["Amount"],
                "callback": body.get("CallBackURL", ""),
                "merchant": merchant,
                "result": None,
                "body": body,
            }
            if fake.auto_pay:
                threading.Timer(fake.auto_pay, fake.complete, args=(request_id, 0), kwargs={"deliver": True}).start()
            return self._answer(
                200,
                {
                    "MerchantRequestID": merchant,
                    "CheckoutRequestID": request_id,
                    "ResponseCode": "0",
                    "ResponseDescription": "Success. Request accepted for processing",
                    "CustomerMessage": "Success. Request accepted for processing",
                },
            )

        def _query(self, body):
            push = fake.pushes.get(str(body.get("CheckoutRequestID")))
            if push is None:
                return self._error(500, "500.001.1001", "The transaction is being processed")
            if push["result"] is None:
                return self._answer(500, {**PROCESSING, "requestId": secrets.token_hex(8)})
            return self._answer(
                200,
                {
                    "ResponseCode": "0",
                    "ResponseDescription": "The service request has been accepted successsfully",
                    "MerchantRequestID": push["merchant"],
                    "CheckoutRequestID": body["CheckoutRequestID"],
                    "ResultCode": str(push["result"]),
                    "ResultDesc": RESULTS.get(push["result"], "Failed"),
                },
            )

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=12112)
    parser.add_argument("--auto-pay", type=float, default=0, help="pay every push after this many seconds (0: never)")
    args = parser.parse_args()
    fake = FakeDaraja(port=args.port, auto_pay=args.auto_pay)
    print(
        f"fake Daraja on {fake.url}: " + " ".join(f"{name}={value}" for name, value in fake.settings().items()),
        flush=True,
    )
    fake.server.serve_forever()


if __name__ == "__main__":
    main()
