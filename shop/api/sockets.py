"""Who an app's socket is: the same access token as every API call, offered as the
subprotocol ``bearer.<token>`` (browsers and many clients cannot set headers on a
socket) or sent as ``Authorization: Bearer <token>``. The token is checked exactly as an
API request's (``AccessTokenAuthentication``: signature, expiry, its session still
signed in, the account not deactivated); the socket then holds that session, so the
consumers' own checks (who may see the order, auction or conversation, the session
re-check, the closes on sign-out and deactivation) apply unchanged.

A socket without a token goes through the pages' stack (origin check, session cookie)
as before. A refused token is answered with an accepted socket closed at once with a
code an app can read (a browser sees no status of a refused handshake): 4401 when the
token is not valid (refresh it or sign in again), 4403 when the account is deactivated.
"""

from channels.db import database_sync_to_async
from rest_framework.exceptions import AuthenticationFailed

from shop.core.services.realtime import JSON_SUBPROTOCOL

from .authentication import AccessTokenAuthentication

BEARER_SUBPROTOCOL = "bearer."
CLOSE_TOKEN_REFUSED = 4401
CLOSE_ACCOUNT_DEACTIVATED = 4403


def socket_token(scope) -> str | None:
    """The access token a socket offers: its ``bearer.`` subprotocol, else its
    ``Authorization: Bearer`` header; None when it offers none ("" for an empty one)."""
    for protocol in scope.get("subprotocols") or ():
        if protocol.startswith(BEARER_SUBPROTOCOL):
            return protocol.removeprefix(BEARER_SUBPROTOCOL)
    for name, value in scope.get("headers") or ():
        if name.lower() == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


def token_sign_in(token: str):
    """(user, session) of a valid access token, or the close code that refuses it."""
    from allauth.headless.tokens.strategies.jwt.internal import get_token_session

    try:
        user, payload = AccessTokenAuthentication().authenticate_credentials(token)
    except AuthenticationFailed as refusal:
        # A token refused for itself carries the token check's failure as its cause; a
        # valid token of a deactivated account carries none.
        return CLOSE_TOKEN_REFUSED if refusal.__cause__ is not None else CLOSE_ACCOUNT_DEACTIVATED
    session = get_token_session(payload)
    if session is None or not session.session_key:
        return CLOSE_TOKEN_REFUSED
    return user, session


class TokenSocketMiddleware:
    """Sockets that offer a token go to ``apps`` as the token's user and session (no
    cookie, no origin check: a token is never sent by a browser on its own); the others
    to ``pages``, the site's stack, unchanged."""

    def __init__(self, apps, *, pages):
        self.apps = apps
        self.pages = pages

    async def __call__(self, scope, receive, send):
        token = socket_token(scope) if scope["type"] == "websocket" else None
        if token is None:
            return await self.pages(scope, receive, send)
        found = await database_sync_to_async(token_sign_in)(token) if token else CLOSE_TOKEN_REFUSED
        if isinstance(found, int):
            return await self.refuse(scope, receive, send, found)
        user, session = found
        headers = [(name, value) for name, value in scope.get("headers") or () if name.lower() != b"cookie"]
        scope = {**scope, "headers": headers, "cookies": {}, "user": user, "session": session, "soko_token": True}
        return await self.apps(scope, receive, send)

    async def refuse(self, scope, receive, send, code: int) -> None:
        message = await receive()
        if message["type"] != "websocket.connect":
            return
        accept = {"type": "websocket.accept"}
        if JSON_SUBPROTOCOL in (scope.get("subprotocols") or ()):
            accept["subprotocol"] = JSON_SUBPROTOCOL
        await send(accept)
        reason = "account_deactivated" if code == CLOSE_ACCOUNT_DEACTIVATED else "authentication_failed"
        await send({"type": "websocket.close", "code": code, "reason": reason})
