"""A fake Safaricom Daraja for tests and demos: OAuth, STK push and STK query in Daraja's
wire format, and the buyer's phone simulated by ``complete()``, which posts the real
``stkCallback`` body to the push's CallBackURL.

    with FakeDaraja() as fake:                              # tests: fake.url, fake.pushes
        body = fake.callback_body(request_id, 0)            # the buyer paid; post it yourself
        fake.answer(request_id, None)                       # the query says "being processed"
        fake.refuse_next("500.001.1001", "Unable to lock subscriber, ...")
    python -m tests.fakes.daraja --port 12112 --auto-pay 5  # demos: pays every push after 5 s

It checks Basic auth on the token, the Bearer token on the rest (tokens expire after
``token_lifetime`` seconds), the shortcode and the Password (base64 of shortcode + passkey
+ timestamp), the phone and the amount.

The Transaction Status API (``/mpesa/transactionstatus/v1/query``) answers about the
receipts of pushes it saw paid (``callback_body(..., 0)``): its acknowledgement at once,
and the ``Result`` body later, kept in ``fake.results`` as (ResultURL, body) for a test to
post, or posted by the fake itself when ``deliver_results`` is true. A receipt it never
issued is "not found". Not covered: C2B, B2C, reversals, account balance, Safaricom's rate
limits and callback retries.
"""

import argparse
import base64
import json
import secrets
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from tests.fakes.server import serve_in_background

PROCESSING = ("500.001.1001", "The transaction is being processed")
RESULTS = {
    0: "The service request is processed successfully.",
    1: "The balance is insufficient for the transaction.",
    1019: "Transaction has expired.",
    1032: "Request cancelled by user",
    1037: "DS timeout user cannot be reached",
    2001: "The initiator information is invalid.",
}


class FakeDaraja:
    def __init__(
        self,
        *,
        port: int = 0,
        key: str = "soko-key",
        secret: str = "soko-secret",
        passkey: str = "soko-passkey",
        shortcode: str = "174379",
        initiator: str = "soko-initiator",
        credential: str = "soko-credential",
        token_lifetime: int = 3599,
        auto_pay: float = 0,
    ):
        self.key, self.secret, self.passkey, self.shortcode = key, secret, passkey, shortcode
        self.initiator, self.credential = initiator, credential
        # Receipts of paid pushes: receipt -> the push's request id, amount, phone, time.
        self.transactions: dict[str, dict] = {}
        self.status_queries: list[dict] = []
        self.status_refusals: list[tuple[int, str, str]] = []
        self.results: list[tuple[str, dict]] = []
        self.deliver_results = auto_pay > 0
        self.token_lifetime, self.auto_pay = token_lifetime, auto_pay
        self.tokens: dict[str, float] = {}
        self.token_requests = 0
        self.pushes: dict[str, dict] = {}
        self.queries: list[str] = []
        self.refusals: list[tuple[int, str, str]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self):
        serve_in_background(self.server)
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def settings(self) -> dict:
        """The Django settings that point Soko at this fake."""
        return {
            "MPESA_API_BASE": self.url,
            "MPESA_CONSUMER_KEY": self.key,
            "MPESA_CONSUMER_SECRET": self.secret,
            "MPESA_PASSKEY": self.passkey,
            "MPESA_SHORTCODE": self.shortcode,
            "MPESA_INITIATOR": self.initiator,
            "MPESA_SECURITY_CREDENTIAL": self.credential,
        }

    def refuse_next(self, code: str, message: str, status: int = 0) -> None:
        """The next push is refused with Daraja's error body (HTTP 400, or 500 for 500.* codes)."""
        self.refusals.append((status or int(code[:3]), code, message))

    def refuse_next_status(self, code: str, message: str, status: int = 0) -> None:
        """The next Transaction Status query is refused with Daraja's error body."""
        self.status_refusals.append((status or int(code[:3]), code, message))

    def answer(self, request_id: str, result_code: int | None) -> None:
        """What the STK query says of the push from now on; ``None``: still being processed."""
        self.pushes[request_id]["result"] = result_code

    def callback_body(
        self, request_id: str, result_code: int = 0, *, amount=None, phone=None, receipt: str | None = None
    ) -> dict:
        """The buyer answered the prompt: the STK query says ``result_code`` from now on,
        and this is the callback Safaricom posts. ``amount`` and ``phone`` may be made to lie."""
        push = self.pushes[request_id]
        self.answer(request_id, result_code)
        callback = {
            "MerchantRequestID": push["merchant"],
            "CheckoutRequestID": request_id,
            "ResultCode": result_code,
            "ResultDesc": RESULTS.get(result_code, "The transaction failed."),
        }
        if result_code == 0:
            receipt = receipt or _receipt()
            stamp = _nairobi_now()
            self.transactions[receipt] = {
                "request_id": request_id,
                "amount": push["amount"],
                "phone": push["phone"],
                "at": stamp,
            }
            callback["CallbackMetadata"] = {
                "Item": [
                    {"Name": "Amount", "Value": float(push["amount"] if amount is None else amount)},
                    {"Name": "MpesaReceiptNumber", "Value": receipt},
                    {"Name": "Balance"},
                    {"Name": "TransactionDate", "Value": int(stamp)},
                    {"Name": "PhoneNumber", "Value": int(push["phone"] if phone is None else phone)},
                ]
            }
        return {"Body": {"stkCallback": callback}}

    def complete(
        self,
        request_id: str,
        result_code: int = 0,
        *,
        amount=None,
        phone=None,
        receipt: str | None = None,
        deliver: bool = True,
    ) -> dict:
        """``callback_body``, posted to the push's CallBackURL unless ``deliver`` is false."""
        body = self.callback_body(request_id, result_code, amount=amount, phone=phone, receipt=receipt)
        if deliver:
            request = urllib.request.Request(
                self.pushes[request_id]["callback"],
                data=json.dumps(body).encode(),
                method="POST",
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()
        return body

    def take_results(self) -> list[tuple[str, dict]]:
        """The Transaction Status results not posted yet, as (ResultURL, body); now taken."""
        with self.lock:
            results, self.results = self.results, []
        return results

    def status_result_body(self, query: dict) -> dict:
        """The ``Result`` Daraja posts for a Transaction Status query: the receipt's
        payment as M-Pesa recorded it, or "not found"."""
        receipt = str(query.get("TransactionID", ""))
        found = self.transactions.get(receipt)
        result = {
            "ResultType": 0,
            "OriginatorConversationID": query["_originator"],
            "ConversationID": query["_conversation"],
            "TransactionID": receipt,
            "ReferenceData": {"ReferenceItem": {"Key": "Occasion", "Value": str(query.get("Occasion", ""))}},
        }
        if found is None:
            return {"Result": {**result, "ResultCode": 1, "ResultDesc": "The transaction could not be found."}}
        parameters = {
            "DebitPartyName": f"{found['phone']} - Jane Buyer",
            "CreditPartyName": f"{self.shortcode} - Soko",
            "OriginatorConversationID": query["_originator"],
            "InitiatedTime": int(found["at"]),
            "DebitAccountType": "MMF Account For Customer",
            "ReasonType": "Pay Bill Online",
            "TransactionStatus": "Completed",
            "FinalisedTime": int(found["at"]),
            "Amount": float(found["amount"]),
            "ConversationID": query["_conversation"],
            "ReceiptNo": receipt,
        }
        return {
            "Result": {
                **result,
                "ResultCode": 0,
                "ResultDesc": "The service request is processed successfully.",
                "ResultParameters": {"ResultParameter": [{"Key": k, "Value": v} for k, v in parameters.items()]},
            }
        }


def _nairobi_now() -> str:
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(time.time() + 3 * 3600))


def _post_json(url: str, body: dict) -> None:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def _receipt() -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "T" + "".join(secrets.choice(alphabet) for _ in range(9))


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
            request_id = f"{secrets.token_hex(2)}-{secrets.token_hex(2)}-{secrets.token_hex(6)}"
            return self._answer(status, {"requestId": request_id, "errorCode": code, "errorMessage": message})

        def do_GET(self):
            parts = urlsplit(self.path)
            if parts.path != "/oauth/v1/generate":
                return self._error(404, "404.001.01", "Resource not found")
            if parse_qs(parts.query).get("grant_type") != ["client_credentials"]:
                return self._error(400, "400.008.02", "Invalid grant type passed")
            expected = "Basic " + base64.b64encode(f"{fake.key}:{fake.secret}".encode()).decode()
            if self.headers.get("Authorization") != expected:
                return self._error(400, "400.008.01", "Invalid Authentication passed")
            token = secrets.token_urlsafe(20)
            with fake.lock:
                fake.token_requests += 1
                fake.tokens[token] = time.monotonic() + fake.token_lifetime
            return self._answer(200, {"access_token": token, "expires_in": str(fake.token_lifetime)})

        def do_POST(self):
            token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
            if fake.tokens.get(token, 0) < time.monotonic():
                return self._error(404, "404.001.03", "Invalid Access Token")
            try:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                if self.path == "/mpesa/transactionstatus/v1/query" and isinstance(body, dict):
                    return self._status(body)
                stamp = str(body["Timestamp"])
                password = base64.b64encode(f"{fake.shortcode}{fake.passkey}{stamp}".encode()).decode()
                password_ok = body["Password"] == password and len(stamp) == 14 and stamp.isdigit()
            except (ValueError, KeyError, TypeError):
                return self._error(400, "400.002.02", "Bad Request - Invalid Request Payload")
            if str(body.get("BusinessShortCode")) != fake.shortcode:
                return self._error(400, "400.002.02", "Bad Request - Invalid BusinessShortCode")
            if not password_ok:
                return self._error(500, "500.001.1001", "Wrong credentials")
            if self.path == "/mpesa/stkpush/v1/processrequest":
                return self._push(body)
            if self.path == "/mpesa/stkpushquery/v1/query":
                return self._query(body)
            return self._error(404, "404.001.01", "Resource not found")

        def _push(self, body):
            if fake.refusals:
                return self._error(*fake.refusals.pop(0))
            phone = str(body.get("PhoneNumber", ""))
            if not (phone.isdigit() and phone.startswith("254") and len(phone) == 12):
                return self._error(400, "400.002.02", "Bad Request - Invalid PhoneNumber")
            if str(body.get("PartyA")) != phone or str(body.get("PartyB")) != fake.shortcode:
                return self._error(400, "400.002.02", "Bad Request - Invalid PartyA")
            if not isinstance(body.get("Amount"), int) or body["Amount"] < 1:
                return self._error(400, "400.002.02", "Bad Request - Invalid Amount")
            if body.get("TransactionType") != "CustomerPayBillOnline":
                return self._error(400, "400.002.02", "Bad Request - Invalid TransactionType")
            if not str(body.get("CallBackURL", "")).startswith(("http://", "https://")):
                return self._error(400, "400.002.02", "Bad Request - Invalid CallBackURL")
            if not 1 <= len(str(body.get("AccountReference", ""))) <= 12:
                return self._error(400, "400.002.02", "Bad Request - Invalid AccountReference")
            request_id = f"ws_CO_{time.strftime('%d%m%Y%H%M%S')}{secrets.randbelow(10**9):09d}"
            merchant = f"{secrets.randbelow(99999)}-{secrets.randbelow(99999999)}-1"
            fake.pushes[request_id] = {
                "phone": phone,
                "amount": body["Amount"],
                "callback": body["CallBackURL"],
                "merchant": merchant,
                "result": None,
                "body": body,
            }
            if fake.auto_pay:
                threading.Timer(fake.auto_pay, _deliver, args=(fake, request_id)).start()
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

        def _status(self, body):
            if fake.status_refusals:
                return self._error(*fake.status_refusals.pop(0))
            if body.get("Initiator") != fake.initiator or body.get("SecurityCredential") != fake.credential:
                return self._error(400, "400.002.02", "Bad Request - Invalid Initiator")
            if body.get("CommandID") != "TransactionStatusQuery" or str(body.get("PartyA")) != fake.shortcode:
                return self._error(400, "400.002.02", "Bad Request - Invalid CommandID or PartyA")
            for field in ("ResultURL", "QueueTimeOutURL"):
                if not str(body.get(field, "")).startswith(("http://", "https://")):
                    return self._error(400, "400.002.02", f"Bad Request - Invalid {field}")
            if not body.get("TransactionID") and not body.get("OriginalConversationID"):
                return self._error(400, "400.002.02", "Bad Request - Invalid TransactionID")
            originator = f"{secrets.token_hex(2)}-{secrets.token_hex(2)}-{secrets.token_hex(6)}"
            conversation = f"AG_{time.strftime('%Y%m%d')}_{secrets.token_hex(10)}"
            query = {**body, "_originator": originator, "_conversation": conversation}
            fake.status_queries.append(query)
            result = (str(body["ResultURL"]), fake.status_result_body(query))
            fake.results.append(result)
            if fake.deliver_results:
                threading.Timer(0.2, _deliver_result, args=(result,)).start()
            return self._answer(
                200,
                {
                    "OriginatorConversationID": originator,
                    "ConversationID": conversation,
                    "ResponseCode": "0",
                    "ResponseDescription": "Accept the service request successfully.",
                },
            )

        def _query(self, body):
            request_id = str(body.get("CheckoutRequestID", ""))
            fake.queries.append(request_id)
            push = fake.pushes.get(request_id)
            if push is None:
                return self._error(400, "400.002.02", "Bad Request - Invalid CheckoutRequestID")
            if push["result"] is None:
                return self._error(500, *PROCESSING)
            return self._answer(
                200,
                {
                    "ResponseCode": "0",
                    "ResponseDescription": "The service request has been accepted successsfully",
                    "MerchantRequestID": push["merchant"],
                    "CheckoutRequestID": request_id,
                    "ResultCode": str(push["result"]),
                    "ResultDesc": RESULTS.get(push["result"], "The transaction failed."),
                },
            )

    return Handler


def _deliver(fake: FakeDaraja, request_id: str) -> None:
    try:
        fake.complete(request_id, 0)
    except OSError as error:
        print(f"fake Daraja: the callback for {request_id} failed: {error}", flush=True)


def _deliver_result(result: tuple[str, dict]) -> None:
    try:
        _post_json(*result)
    except OSError as error:
        print(f"fake Daraja: the result for {result[0]} failed: {error}", flush=True)


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
