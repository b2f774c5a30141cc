"""A fake IPFS pinning service speaking the IPFS Pinning Service API over real HTTP:
``POST /pins`` with ``{"cid", "name"}`` answers 202 with a PinStatus, ``GET /pins/{requestid}``
answers 200 with it, both only with the right Bearer token (401 and the API's Failure body
otherwise).

    with FakePinningService(token="…") as service:   # service.url, service.pins, service.requests

A pin is accepted as ``queued`` and moves on one step (pinning, then pinned) each time it is
looked at; ``pin_at_once`` accepts pins as already pinned, ``outages`` answers that many
requests with 503 first, and ``refusals`` reports that many of the next pins asked for as
failed."""

import json
import threading
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler

from tests.fakes.server import FakeServer

NEXT_STATUS = {"queued": "pinning", "pinning": "pinned", "pinned": "pinned", "failed": "failed"}


class FakePinningService(FakeServer):
    def __init__(self, *, token: str, port: int = 0):
        self.token = token
        self.pins: dict[str, dict] = {}
        self.requests: list[tuple[str, str, str]] = []  # method, path, Authorization header
        self.pin_at_once = False
        self.outages = 0
        self.refusals = 0
        self.lock = threading.Lock()
        super().__init__(port, _handler(self))

    def pinned_cids(self) -> set[str]:
        return {pin["pin"]["cid"] for pin in self.pins.values() if pin["status"] == "pinned"}

    def answer(self, method: str, path: str, authorization: str, body: dict | None) -> tuple[int, dict]:
        with self.lock:
            self.requests.append((method, path, authorization))
            if authorization != f"Bearer {self.token}":
                return 401, {"error": {"reason": "UNAUTHORIZED", "details": "Access token is missing or invalid"}}
            if self.outages:
                self.outages -= 1
                return 503, {"error": {"reason": "UNAVAILABLE", "details": "Try again later"}}
            if method == "POST" and path == "/pins":
                if not isinstance(body, dict) or not isinstance(body.get("cid"), str) or not body["cid"]:
                    return 400, {"error": {"reason": "BAD_REQUEST", "details": "cid is required"}}
                status = "pinned" if self.pin_at_once else "queued"
                if self.refusals:
                    self.refusals -= 1
                    status = "failed"
                pin = {
                    "requestid": str(uuid.uuid4()),
                    "status": status,
                    "created": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
                    "pin": {"cid": body["cid"], "name": body.get("name"), "origins": body.get("origins", [])},
                    "delegates": ["/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWSoko"],
                    "info": {"status_details": "content not found"} if status == "failed" else {},
                }
                self.pins[pin["requestid"]] = pin
                return 202, pin
            if method == "GET" and path.startswith("/pins/"):
                pin = self.pins.get(path.removeprefix("/pins/"))
                if pin is None:
                    return 404, {"error": {"reason": "NOT_FOUND", "details": "No such pin request"}}
                pin["status"] = NEXT_STATUS[pin["status"]]
                return 200, pin
            return 404, {"error": {"reason": "NOT_FOUND", "details": path}}


def _handler(service: FakePinningService):
    class Handler(BaseHTTPRequestHandler):
        def _reply(self, body: dict | None):
            status, answer = service.answer(self.command, self.path, self.headers.get("Authorization", ""), body)
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self):
            self._reply(None)

        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                body = json.loads(raw or b"null")
            except ValueError:
                body = None
            self._reply(body)

        def log_message(self, *args):
            pass

    return Handler
