"""Short numeric codes people type: digits derived from a message with a keyed hash, so
the same message always gives the same code and nobody without the key can compute it."""

import hashlib
import hmac

from django.conf import settings


def keyed_digits(message: bytes, *, digits: int, key: str | None = None) -> str:
    """``digits`` decimal digits (leading zeros kept) of HMAC-SHA256(``key``, ``message``);
    ``key`` defaults to ``SECRET_KEY`` (pass a fallback key to accept codes made before a
    key rotation)."""
    digest = hmac.new((key if key is not None else settings.SECRET_KEY).encode(), message, hashlib.sha256).digest()
    return str(int.from_bytes(digest[:8], "big") % 10**digits).zfill(digits)
