"""A fake Stripe over HTTP for tests and demos: ``shop.devgateway.services``'s engine with
objects in memory, reached by the real ``stripe`` library through ``STRIPE_API_BASE``.

    with FakeStripe(webhook_secret="whsec_…") as fake:   # tests: fake.url, fake.engine
        ...
    python -m tests.fakes.stripe_server --port 12111 \\
        --webhook-url http://127.0.0.1:8000/payments/stripe/webhook/ --webhook-secret whsec_demo

Besides Stripe's API (``/v1/…``, with a Bearer ``sk_…`` key) it serves the hosted pages a
browser is sent to (``/checkout/<session>/`` with Pay / Decline / Cancel, and
``/connect/<account>/``), and control endpoints for scripts: ``POST
/_fake/sessions/<id>/pay|decline|cancel|async_succeeded|async_failed`` and
``POST /_fake/accounts/<id>/onboard``, ``POST /_fake/payment_intents/<id>/dispute``,
``POST /_fake/disputes/<id>/won|lost`` and ``POST /_fake/refunds/<id>/fail``, each
answering ``{"events": [...]}``. With a
webhook URL every event they create is delivered there, signed, as Stripe does.
"""

import argparse
import html
import json
import os
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlsplit

if __name__ == "__main__":  # run on its own: the engine's module needs Django's settings
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_config.settings")
    django.setup()

from shop.devgateway.services import ApiError, MemoryStore, StripeEngine, decode_params, event_payload, sign
from tests.fakes.server import FakeServer

__all__ = ["FakeStripe", "sign"]

ACTIONS = {
    "pay": lambda engine, id: engine.session_pay(id),
    "decline": lambda engine, id: engine.session_decline(id),
    "cancel": lambda engine, id: engine.session_cancel(id),
    "async": lambda engine, id: engine.session_pay(id, asynchronous=True),
    "async_succeeded": lambda engine, id: engine.session_async_result(id, True),
    "async_failed": lambda engine, id: engine.session_async_result(id, False),
}

# What banks do later: a dispute opened on a payment and decided, a refund returned.
MONEY = {
    ("payment_intents", "dispute"): lambda engine, id: engine.dispute_open(id),
    ("disputes", "won"): lambda engine, id: engine.dispute_close(id, True),
    ("disputes", "lost"): lambda engine, id: engine.dispute_close(id, False),
    ("refunds", "fail"): lambda engine, id: engine.refund_fail(id),
}

PAGE = """<!doctype html><meta charset="utf-8"><title>Fake Stripe checkout</title>
<body style="font-family:sans-serif;max-width:28rem;margin:3rem auto">
<p><b>Fake Stripe</b> (test mode)</p><h1>{amount} {currency}</h1><ul>{lines}</ul><p>{state}</p>
<form method="post" action="pay"><button>Pay</button></form>
<form method="post" action="decline"><button>Decline</button></form>
<form method="post" action="cancel"><button>Cancel</button></form></body>"""


class FakeStripe(FakeServer):
    """``retry_webhooks``: for how many seconds an event whose delivery failed (no answer,
    or not 2xx) is sent again in the background, waiting 1, 2, 4… s between tries, as
    Stripe retries (for up to three days); 0 sends each event once."""

    def __init__(
        self, *, port: int = 0, webhook_url: str = "", webhook_secret: str = "whsec_fake", retry_webhooks: float = 0
    ):
        self.webhook_url, self.webhook_secret = webhook_url, webhook_secret
        self.retry_webhooks = retry_webhooks
        super().__init__(port, _handler(self))
        self.engine = StripeEngine(MemoryStore(), hosted_base=self.url, webhook_secret=webhook_secret)
        self.requests: list[tuple[str, str, dict]] = []

    def deliver(self, events: list[dict]) -> list[int]:
        """POST each event, signed, to the webhook URL; the answers' status codes (0: no
        answer). Failed ones are retried in the background when ``retry_webhooks`` is set."""
        codes = []
        for event in events:
            payload = event_payload(event)
            code = self._post(payload)
            codes.append(code)
            if not 200 <= code < 300 and self.retry_webhooks:
                threading.Thread(target=self._retry, args=(payload,), daemon=True).start()
        return codes

    def _post(self, payload: bytes) -> int:
        request = urllib.request.Request(
            self.webhook_url,
            data=payload,
            method="POST",
            headers={"Content-Type": "application/json", "Stripe-Signature": sign(payload, self.webhook_secret)},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            if not self.retry_webhooks:
                raise
            return 0

    def _retry(self, payload: bytes) -> None:
        deadline, pause = time.monotonic() + self.retry_webhooks, 1.0
        while time.monotonic() + pause < deadline:
            time.sleep(pause)
            if 200 <= self._post(payload) < 300:
                return
            pause *= 2


def _handler(fake: FakeStripe):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            return None

        def _answer(self, status: int, body: dict | str, headers: dict | None = None, content_type="application/json"):
            data = (json.dumps(body) if isinstance(body, dict) else body).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _params(self):
            parts = urlsplit(self.path)
            pairs = parse_qsl(parts.query, keep_blank_values=True)
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                pairs += parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True)
            return parts.path, decode_params(pairs)

        def _events(self, events):
            if fake.webhook_url:
                fake.deliver(events)
            return events

        def _route(self, method: str):
            path, params = self._params()
            fake.requests.append((method, path, params))
            pieces = path.strip("/").split("/")
            try:
                if path.startswith("/v1/"):
                    if not (self.headers.get("Authorization") or "").startswith("Bearer sk_"):
                        return self._answer(
                            401,
                            {"error": {"type": "invalid_request_error", "message": "You did not provide an API key."}},
                        )
                    answer = fake.engine.handle(method, path, params, dict(self.headers))
                    if fake.answer_lost(method, path):
                        self.close_connection = True  # carried out, never answered
                        return None
                    return self._answer(*answer)
                if (
                    method == "POST"
                    and pieces[:2] == ["_fake", "sessions"]
                    and len(pieces) == 4
                    and pieces[3] in ACTIONS
                ):
                    return self._answer(200, {"events": self._events(ACTIONS[pieces[3]](fake.engine, pieces[2]))})
                if method == "POST" and pieces[0] == "_fake" and len(pieces) == 4 and (pieces[1], pieces[3]) in MONEY:
                    return self._answer(200, {"events": self._events(MONEY[(pieces[1], pieces[3])](fake.engine, pieces[2]))})
                if method == "POST" and pieces[:2] == ["_fake", "accounts"] and len(pieces) == 4:
                    return self._answer(200, {"events": self._events(fake.engine.account_onboard(pieces[2]))})
                if pieces[0] == "checkout" and len(pieces) >= 2:
                    return self._page(method, pieces)
                if pieces[0] == "connect" and len(pieces) == 2:
                    account = fake.engine.account_retrieve({}, pieces[1])
                    if method == "POST":
                        self._events(fake.engine.account_onboard(pieces[1]))
                        return self._answer(303, "", {"Location": account["onboarding"]["return_url"]})
                    return self._answer(
                        200, '<form method="post"><button>Complete onboarding</button></form>', content_type="text/html"
                    )
            except ApiError as error:
                return self._answer(error.status, error.body)
            return self._answer(
                404,
                {"error": {"type": "invalid_request_error", "message": f"Unrecognized request URL ({method} {path})."}},
            )

        def _page(self, method, pieces):
            session = fake.engine.session_retrieve({}, pieces[1])
            if method == "POST" and len(pieces) == 3 and pieces[2] in ("pay", "decline", "cancel"):
                self._events(ACTIONS[pieces[2]](fake.engine, pieces[1]))
                if pieces[2] == "pay":
                    return self._answer(
                        303, "", {"Location": session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])}
                    )
                if pieces[2] == "cancel":
                    return self._answer(303, "", {"Location": session["cancel_url"]})
                return self._answer(303, "", {"Location": f"/checkout/{session['id']}/"})
            lines = "".join(f"<li>{html.escape(name)}</li>" for name in session.get("line_item_names", []))
            body = PAGE.format(
                amount=session["amount_total"],
                currency=session["currency"].upper(),
                lines=lines,
                state=html.escape(session["status"]),
            )
            return self._answer(200, body, content_type="text/html")

        def do_GET(self):
            self._route("GET")

        def do_POST(self):
            self._route("POST")

        def do_DELETE(self):
            self._route("DELETE")

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--webhook-url", default="")
    parser.add_argument("--webhook-secret", default="whsec_fake")
    parser.add_argument("--retry-webhooks", type=float, default=0, help="seconds to retry a failed delivery for")
    args = parser.parse_args()
    fake = FakeStripe(
        port=args.port,
        webhook_url=args.webhook_url,
        webhook_secret=args.webhook_secret,
        retry_webhooks=args.retry_webhooks,
    )
    print(f"fake Stripe on {fake.url} (STRIPE_API_BASE={fake.url}, STRIPE_SECRET_KEY=sk_test_…)", flush=True)
    fake.server.serve_forever()


if __name__ == "__main__":
    main()
