"""What one client may hold open, and what one socket may send.

- **Sockets per client address**: at most ``SOKO_SOCKETS_PER_ADDRESS`` open at once, counted
  in the cache (Redis at scale, so across processes) the way ``socket_slot_take`` counts a
  user's: a socket takes a slot when it connects and gives it back when it closes, and the
  count expires when the address's sockets stop checking in (a process that died without
  disconnecting does not hold slots for ever). Anonymous sockets count here only; signed-in
  ones count here and per user.
- **New sockets per client address**: at most ``SOKO_SOCKET_CONNECTS_PER_MINUTE`` a minute
  (an atomic counter, ``shop.core.services.ratelimit``): a client that closes and reopens sockets
  in a loop is turned away before it costs a handshake's work. Open when the cache is down.
- **Frames per socket**: a token bucket, ``SOKO_SOCKET_FRAMES_PER_SECOND`` on average with
  bursts of ``SOKO_SOCKET_FRAME_BURST``, each frame at most ``SOKO_SOCKET_MAX_FRAME_BYTES``.

The client address is the one log-in rate limits use: the account adapter's
``get_client_ip`` (``SOKO_TRUSTED_PROXY_COUNT`` / ``SOKO_TRUSTED_CLIENT_IP_HEADER``, else the
peer), read from the socket's handshake headers. An IPv6 client counts by its /64: one
household or phone holds the whole network.
"""

import ipaddress
import logging
from types import SimpleNamespace

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http.request import HttpHeaders

from shop.core.services.ratelimit import limit_take, slot_free, slot_hold, slot_refresh

log = logging.getLogger(__name__)


def socket_client_address(scope) -> str | None:
    """The client address of a socket's handshake, as a request from it would be counted;
    None when it cannot be told (no peer address and no trusted header)."""
    meta: dict[str, str] = {}
    for name, value in scope.get("headers", ()):
        key = "HTTP_" + name.decode("latin1").upper().replace("-", "_")
        text = value.decode("latin1")
        meta[key] = f"{meta[key]},{text}" if key in meta else text
    client = scope.get("client")
    meta["REMOTE_ADDR"] = client[0] if client else ""
    handshake = SimpleNamespace(META=meta, headers=HttpHeaders(meta))
    try:
        address = get_adapter().get_client_ip(handshake)
    except PermissionDenied:
        return None
    if not address:
        return None
    ip = ipaddress.ip_address(address)
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def address_connect_allowed(address: str) -> bool:
    """Count one new socket from the address this minute; False when it has opened its
    minute's share already."""
    return limit_take(
        f"sockets:connect:{address}", limit=settings.SOKO_SOCKET_CONNECTS_PER_MINUTE, seconds=60, on_outage="open"
    )


def _address_key(address: str) -> str:
    return f"sockets:address:{address}"


def _address_seconds() -> int:
    # As a user's count: open sockets refresh it at every re-check interval.
    return int(2 * settings.SOKO_SOCKET_RECHECK_SECONDS + 60)


def address_slot_take(address: str) -> bool:
    """Count one more open socket from the address. False, and nothing counted, when it
    already has the maximum. An unreachable cache lets the socket open (and logs it)."""
    return slot_hold(
        _address_key(address), limit=settings.SOKO_SOCKETS_PER_ADDRESS, seconds=_address_seconds(), on_outage="open"
    )


def address_slot_refresh(address: str) -> None:
    slot_refresh(_address_key(address), seconds=_address_seconds())


def address_slot_release(address: str) -> None:
    slot_free(_address_key(address))


class FrameLimits:
    """What one socket may send: frames of at most ``max_bytes``, ``burst`` of them at once,
    refilled at ``per_second`` (a token bucket)."""

    def __init__(self, *, per_second: float, burst: int, max_bytes: int, now: float):
        self.per_second, self.burst, self.max_bytes = per_second, burst, max_bytes
        self.tokens = float(burst)
        self.at = now

    @classmethod
    def from_settings(cls, now: float) -> "FrameLimits":
        return cls(
            per_second=settings.SOKO_SOCKET_FRAMES_PER_SECOND,
            burst=settings.SOKO_SOCKET_FRAME_BURST,
            max_bytes=settings.SOKO_SOCKET_MAX_FRAME_BYTES,
            now=now,
        )

    def refusal(self, message: dict, now: float) -> str | None:
        """Why the frame in ``message`` (a ``websocket.receive``) goes beyond the limits, or
        None when it may be read (it then counts against them)."""
        data, text = message.get("bytes"), message.get("text")
        if data is not None:
            size = len(data)
        else:
            # A character is at least one byte, at most four.
            text = text or ""
            size = len(text) if len(text) > self.max_bytes or 4 * len(text) <= self.max_bytes else len(text.encode())
        if size > self.max_bytes:
            return "message too large"
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.per_second)
        self.at = now
        if self.tokens < 1:
            return "too many messages"
        self.tokens -= 1
        return None
