"""Cash-on-delivery handover codes (see HandoverCode).

``handover_code_issue`` creates the code for an order; ``handover_code_reveal`` recomputes
it for the buyer's page. At the door the courier scans the QR (``handover_code_check``)
or types the 8-digit fallback with the order number (``handover_code_check_short``,
rate limited by ``failed_attempts``). A code is used once, expires, and is refused for a
cancelled order.
"""

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from couriers.models import HandoverCode

from .models import OrderStatus


class HandoverError(Exception):
    """A refused handover code. ``reason`` is one of unknown, used, expired, cancelled,
    wrong, locked; ``str(error)`` is meant for the courier."""

    def __init__(self, message: str, *, reason: str):
        super().__init__(message)
        self.reason = reason


def _mac(purpose: bytes, nonce: bytes) -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), b"soko-handover:" + purpose + b":" + nonce, hashlib.sha256).digest()


def _codes(nonce: bytes) -> tuple[str, str]:
    code = base64.b32encode(_mac(b"qr", nonce)).decode().rstrip("=")[:32]  # 160 bits
    short = str(int.from_bytes(_mac(b"short", nonce)[:8], "big") % 10**8).zfill(8)
    return code, short


def code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def short_code_hash(order_number: str, short_code: str) -> str:
    # Keyed: 10^8 fallback codes would fall to a plain hash in seconds if the table leaked.
    message = f"{order_number.strip().upper()}:{_digits(short_code)}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"soko-handover-short:" + message, hashlib.sha256).hexdigest()


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _fields(order_number: str) -> dict:
    nonce = secrets.token_bytes(16)
    code, short = _codes(nonce)
    return {
        "nonce": nonce,
        "code_hash": code_hash(code),
        "short_code_hash": short_code_hash(order_number, short),
        "expires_at": timezone.now() + timedelta(days=settings.SOKO_HANDOVER_CODE_DAYS),
    }


def handover_code_issue(*, order) -> HandoverCode:
    return HandoverCode.objects.create(order=order, **_fields(order.number))


def handover_code_reveal(*, handover: HandoverCode) -> tuple[str, str]:
    """The QR code text and the 8-digit fallback, for the buyer's own order page only."""
    return _codes(bytes(handover.nonce))


def handover_is_locked(handover: HandoverCode) -> bool:
    return handover.failed_attempts >= settings.SOKO_HANDOVER_MAX_ATTEMPTS


@transaction.atomic
def handover_code_renew(*, order) -> HandoverCode:
    """A fresh code for an order whose code expired or was locked by wrong guesses (the
    buyer asks for it on their page). A used code stays used."""
    handover = HandoverCode.objects.select_for_update().get(order=order)
    if handover.used_at is not None:
        raise HandoverError("This order's handover code was already used.", reason="used")
    for name, value in _fields(order.number).items():
        setattr(handover, name, value)
    handover.failed_attempts = 0
    handover.save(update_fields=["nonce", "code_hash", "short_code_hash", "expires_at", "failed_attempts"])
    return handover


def _refusal(handover: HandoverCode) -> HandoverError | None:
    if handover.used_at is not None:
        when = timezone.localtime(handover.used_at)
        return HandoverError(f"This code was already used on {when:%d %b %Y at %H:%M}.", reason="used")
    if handover.order.status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED):
        return HandoverError(f"Order {handover.order.number} was cancelled: do not hand it over.", reason="cancelled")
    if handover.expires_at <= timezone.now():
        return HandoverError("This code has expired. Ask the buyer to open the order page for a new one.", reason="expired")
    return None


def handover_code_check(*, code: str):
    """The order a scanned code belongs to, marking the code used (once, under a lock).
    Raises ``HandoverError`` for an unknown, used, expired or cancelled code."""
    with transaction.atomic():
        handover = (
            HandoverCode.objects.select_for_update(of=("self",))
            .select_related("order")
            .filter(code_hash=code_hash(code))
            .first()
        )
        if handover is None:
            raise HandoverError("This is not a valid Soko handover code.", reason="unknown")
        refusal = _refusal(handover)
        if refusal is not None:
            raise refusal
        handover.used_at = timezone.now()
        handover.save(update_fields=["used_at"])
        return handover.order


def handover_code_check_short(*, order_number: str, short_code: str):
    """Like ``handover_code_check``, for the 8-digit code typed with the order number.
    Each wrong code counts; after SOKO_HANDOVER_MAX_ATTEMPTS wrong ones the code is
    refused until the buyer asks for a new one."""
    number = order_number.strip().upper()
    refusal = None
    with transaction.atomic():
        handover = (
            HandoverCode.objects.select_for_update(of=("self",))
            .select_related("order")
            .filter(order__number=number)
            .first()
        )
        if handover is None:
            raise HandoverError(f"No order {number} awaits a handover.", reason="unknown")
        if handover_is_locked(handover):
            raise HandoverError(
                "Too many wrong codes for this order. Ask the buyer to show the QR code, or to get a new code.",
                reason="locked",
            )
        if not hmac.compare_digest(handover.short_code_hash, short_code_hash(number, short_code)):
            handover.failed_attempts += 1
            handover.save(update_fields=["failed_attempts"])
            left = settings.SOKO_HANDOVER_MAX_ATTEMPTS - handover.failed_attempts
            refusal = HandoverError(
                f"Wrong code for order {number}. {left} attempt{'s' if left != 1 else ''} left."
                if left
                else "Wrong code. No attempts left: ask the buyer to show the QR code, or to get a new code.",
                reason="wrong",
            )
        else:
            refusal = _refusal(handover)
            if refusal is None:
                handover.used_at = timezone.now()
                handover.save(update_fields=["used_at"])
    # Raised outside the transaction, so the counted wrong attempt is kept.
    if refusal is not None:
        raise refusal
    return handover.order
