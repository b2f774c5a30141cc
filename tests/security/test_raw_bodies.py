"""Endpoints that read the raw request body (Stripe's signed webhook, Safaricom's callbacks)
answer a body they cannot use with a 400 and a reason, whatever its content type: never a
500. A provider, or anyone posting to a public address, may send form data, a multipart
upload, JSON of the wrong shape or no JSON at all.

The class, not the one endpoint: every URL pattern is walked, a view whose source reads
``request.body`` must carry ``raw_body`` (so no middleware parses its form data first and
consumes the stream), and each such view is sent the garbage below."""

import inspect
import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.fakes.stripe_server import sign

SECRET = "whsec_test_raw_bodies"

# (content type, body): what a confused or hostile sender may post.
GARBAGE = [
    ("application/x-www-form-urlencoded", b"Body=stkCallback&amount=1"),
    ("application/x-www-form-urlencoded", b"id=evt_1&type=payment_intent.succeeded&note=%00"),
    (
        "multipart/form-data; boundary=soko",
        b'--soko\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--soko--\r\n',
    ),
    (
        "multipart/form-data; boundary=soko",
        b'--soko\r\nContent-Disposition: form-data; name="f"; filename="x.json"\r\n'
        b"Content-Type: application/json\r\n\r\n{}\r\n--soko--\r\n",
    ),
    ("multipart/form-data", b"no boundary at all"),
    ("application/json", b""),
    ("application/json", b"null"),
    ("application/json", b"[1, 2]"),
    ("application/json", b'"text"'),
    ("application/json", b'{"Body": []}'),
    ("application/json", b'{"Body": {"stkCallback": "x"}}'),
    ("application/json", b'{"Result": 1}'),
    ("application/json", b"{" * 5 + b"not json"),
    ("application/json", b"[" * 100_000),
    ("application/json", b"\xff\xfe\x00 not utf-8"),
    ("text/plain", b"hello"),
    ("application/octet-stream", bytes(range(256))),
]

SAMPLES = {"int": "1", "uuid": str(uuid.UUID(int=1)), "slug": "x", "str": "x", "path": "x"}


def _routes(resolver=None, prefix=""):
    """(path, view) for every URL pattern, with a sample value in each converter."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = str(entry.pattern).lstrip("^").rstrip("$")
        if isinstance(entry, URLResolver):
            yield from _routes(entry, prefix + route)
        elif isinstance(entry, URLPattern):
            path = re.sub(r"<(?:(\w+):)?\w+>", lambda match: SAMPLES[match.group(1) or "str"], prefix + route)
            yield "/" + path, entry.callback


def _source(view) -> str | None:
    """The source of an own view (function or class), None for a third party's."""
    target = getattr(view, "view_class", None) or inspect.unwrap(view)
    if not getattr(target, "__module__", "").startswith(("shop.", "site_config.")):
        return None
    return inspect.getsource(target)


def raw_body_routes():
    return [(path, view) for path, view in _routes() if "request.body" in (_source(view) or "")]


def test_every_view_that_reads_the_raw_body_is_marked_so():
    routes = raw_body_routes()
    assert any(path == "/payments/stripe/webhook/" for path, _view in routes)
    assert any(path == "/payments/mpesa/callback/" for path, _view in routes)
    unmarked = [path for path, view in routes if not getattr(view, "raw_body", False)]
    assert unmarked == [], "views reading request.body without shop.core.middleware.raw_body"


@pytest.mark.django_db
@pytest.mark.parametrize("content_type, body", GARBAGE, ids=lambda value: str(value)[:40])
def test_garbage_of_any_content_type_is_a_bad_request_with_a_reason(client, settings, content_type, body):
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    client.raise_request_exception = False
    for path, _view in raw_body_routes():
        response = client.post(path, data=body, content_type=content_type)
        assert response.status_code < 500, (path, response.status_code)
        assert 400 <= response.status_code < 500, (path, response.status_code)
        assert response.content.strip(), (path, "a refusal says why")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload",
    [b"[" * 100_000, b"[]", b'"event"', b'{"id": 1, "type": "x", "data": {"object": {}}}', b'{"id": "evt_1"}'],
    ids=["nested too deep", "a list", "a string", "a number for an id", "no type"],
)
def test_a_signed_stripe_event_of_the_wrong_shape_is_a_bad_request(client, settings, payload):
    """The signature holds (Stripe, or whoever has the secret, sent it), the event does not."""
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    client.raise_request_exception = False
    response = client.post(
        "/payments/stripe/webhook/",
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(payload, SECRET),
    )
    assert (response.status_code, response.content) == (400, b"malformed event")
