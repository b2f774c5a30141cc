"""Acting on a live server as a signed-in person: a session cookie made in this process
(the server shares the test database), and form posts with the CSRF token the page set."""

import re
import time

import httpx
from django.conf import settings
from django.test import Client

from .client import Closed, RawSocket


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


def csrf_token(http: httpx.Client, cookie: str, page: str) -> str:
    """The CSRF token ``page`` sets, as the browser reading it would get."""
    return http.get(page, headers={"Cookie": cookie}).cookies[settings.CSRF_COOKIE_NAME]


def post_form(http: httpx.Client, cookie: str, token: str, action: str, data: dict) -> httpx.Response:
    """Post ``data`` to ``action`` as a page's form would."""
    return http.post(
        action, data=data, headers={"Cookie": f"{cookie}; {settings.CSRF_COOKIE_NAME}={token}", "X-CSRFToken": token}
    )


def auction_seq(html: str, auction_id: int) -> int | None:
    found = re.search(rf'id="auction-{auction_id}-state"[^>]*?data-seq="(\d+)"', html, re.S)
    return int(found.group(1)) if found else None


def seconds_until_seq(socket: RawSocket, auction_id: int, seq: int, since: float, timeout: float = 15) -> float:
    """Seconds from ``since`` until ``socket`` hears the auction's push numbered ``seq``."""
    deadline = since + timeout
    while True:
        try:
            message = socket.receive(timeout=max(0.01, deadline - time.monotonic()))
        except (TimeoutError, Closed) as exc:
            raise AssertionError(f"push {seq} of auction {auction_id} never arrived ({exc!r})") from None
        if isinstance(message, str) and auction_seq(message, auction_id) == seq:
            return time.monotonic() - since
