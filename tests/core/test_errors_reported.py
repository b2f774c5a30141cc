"""Errors reach Sentry when SENTRY_DSN is set: a local server speaking Sentry's envelope
protocol receives what the real sentry-sdk sends, tagged with the request id, with no
personal data in it."""

import gzip
import json
import os
import subprocess
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import brotli
import pytest
import sentry_sdk

from shop.core import views
from shop.core.logs import user_hash
from site_config.errors import sentry_start
from tests.factories import UserFactory
from tests.fakes.server import serve_in_background

pytestmark = pytest.mark.django_db
received: list[dict] = []


class Envelopes(BaseHTTPRequestHandler):
    """Sentry's ingest endpoint: ``POST /api/<project>/envelope/``, newline-separated JSON."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding")
        body = gzip.decompress(body) if encoding == "gzip" else brotli.decompress(body) if encoding == "br" else body
        items = [json.loads(line) for line in body.splitlines() if line.strip()]
        received.extend(item for item in items if "exception" in item or "level" in item)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Envelopes)
    serve_in_background(server)
    received.clear()
    sentry_start(dsn=f"http://publickey@127.0.0.1:{server.server_port}/7", environment="test")
    yield received
    sentry_sdk.get_client().close()
    sentry_sdk.init(dsn=None)  # the rest of the suite reports nothing
    server.shutdown()


def test_a_failing_request_reaches_sentry_with_its_request_id_and_no_personal_data(client, sentry, monkeypatch):
    monkeypatch.setattr(views, "_check_database", lambda: 1 / 0)  # a bug in a view
    user = UserFactory()  # a made-up name and email, which the code around the error does not contain
    address = f"203.0.113.{user.pk % 250 + 1}"  # nor the shopper's address
    client.force_login(user)
    client.raise_request_exception = False
    response = client.get("/healthz", headers={"X-Request-ID": "edge-0123456789", "X-Forwarded-For": address})
    assert response.status_code == 500
    sentry_sdk.flush(timeout=10)

    assert sentry, "nothing reached the Sentry server"
    event = next(item for item in sentry if "exception" in item)
    assert event["exception"]["values"][-1]["type"] == "ZeroDivisionError"
    assert event["tags"]["request_id"] == "edge-0123456789" and event["environment"] == "test"
    sent = json.dumps(sentry)
    for personal in (user.email, user.display_name, address, "sessionid", "csrftoken", user_hash(user.pk)):
        assert personal not in sent, (personal, sent[max(0, sent.find(personal) - 300) : sent.find(personal) + 100])



WITHOUT_SENTRY = """
import django
django.setup()
from huey.contrib.djhuey import HUEY
import shop.core.tasks  # the worker's hooks

@HUEY.task()
def add(a, b):
    return a + b

HUEY.immediate = True
task = add.s(2, 3)
task.kwargs["sentry_headers"] = {"sentry-trace": "0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-1"}
print("result", HUEY.execute(task))
"""


def test_a_job_queued_with_sentrys_headers_runs_in_a_worker_without_sentry():
    """Web processes with SENTRY_DSN and a worker without it (or the other way round during a
    deploy): the worker, which never started Sentry, still runs the job it is given, with
    the trace headers Sentry's Huey integration adds to every job it queues."""
    env = {**os.environ, "SENTRY_DSN": "", "DJANGO_SETTINGS_MODULE": "site_config.settings"}
    ran = subprocess.run([sys.executable, "-c", WITHOUT_SENTRY], env=env, capture_output=True, text=True, timeout=120)

    assert ran.returncode == 0, ran.stderr[-3000:]
    assert "result 5" in ran.stdout
