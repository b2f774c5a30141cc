"""Errors reported to Sentry (or any server speaking its protocol) when ``SENTRY_DSN`` is set:
from requests (Django), jobs (Huey) and error log lines, each tagged with the request id of
shop.core.logs, and without personal data (no cookies, no user details, no IP addresses, no
request bodies)."""

import sentry_sdk
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.integrations.huey import HueyIntegration
from sentry_sdk.integrations.logging import LoggingIntegration

HIDDEN_HEADERS = {"authorization", "cookie", "x-csrftoken", "x-forwarded-for", "x-real-ip"}


def _tag_and_scrub(event, hint):
    from shop.core.logs import job_var, request_id_var

    tags = event.setdefault("tags", {})
    if request_id := request_id_var.get():
        tags["request_id"] = request_id
    if job := job_var.get():
        tags["job"] = job
    request = event.get("request") or {}
    request.pop("cookies", None)
    request.pop("data", None)
    headers = request.get("headers") or {}
    for name in list(headers):
        if name.lower() in HIDDEN_HEADERS:
            del headers[name]
    event.pop("user", None)
    return event


def sentry_start(*, dsn: str, environment: str, release: str = "", traces_sample_rate: float = 0.0) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        integrations=[DjangoIntegration(), HueyIntegration(), LoggingIntegration()],
        # No user details, no request bodies, no local variables of the failing code (they may
        # hold a shopper's address or phone), no SQL parameters; cookies and auth headers are dropped below too.
        data_collection={"user_info": False, "http_bodies": [], "stack_frame_variables": False, "database_query_data": False},
        traces_sample_rate=traces_sample_rate,
        before_send=_tag_and_scrub,
    )
