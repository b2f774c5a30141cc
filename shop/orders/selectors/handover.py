"""Cash-on-delivery handover codes (see HandoverCode): the rule, and the codes themselves.

``handover_state(order)`` is the one rule for a code: whether it exists, is shown to the
buyer, may be renewed and may be accepted. Every caller asks it: the buyer's page, the
renewal and the courier's checks (``shop.orders.services.handover``).

``handover_code_reveal`` recomputes a code for the buyer's page; ``handover_code_fields``
makes a new one. A code is used once, expires, and is accepted only while the order is out
for delivery, or ready for pick-up at the store.

Codes are keyed with ``SECRET_KEY``; after a key rotation the old key stays in
``SECRET_KEY_FALLBACKS``, and the reveal and the checks try every key against the stored
hashes, so codes issued before the rotation keep working.
"""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import HandoverCode, Order, OrderStatus


@dataclass(frozen=True)
class HandoverState:
    """What may be done with an order's handover code right now.

    ``status`` is one of:
      none       no code was issued: nothing to show, refused
      waiting    the order is still on its way to a handover: shown, not yet accepted
      active     out for delivery, or ready for pick-up: shown and accepted
      expired    the buyer may renew it; refused
      used       handed over: nothing to show, refused
      cancelled  the order was cancelled or refunded: nothing to show, refused
      closed     delivered or completed without this code: nothing to show, refused
    ``locked`` (too many wrong typed codes) refuses typed codes; the QR still works, and
    the buyer may renew the code.
    """

    status: str
    refusal: str = ""  # for the courier, when the code is not accepted
    locked: bool = False

    @property
    def exists(self) -> bool:
        return self.status != "none"

    @property
    def shown(self) -> bool:
        """The buyer's page may show the QR and the digits."""
        return self.status in ("waiting", "active")

    @property
    def renewable(self) -> bool:
        return self.status == "expired" or (self.shown and self.locked)

    @property
    def accepts_qr(self) -> bool:
        return self.status == "active"

    @property
    def accepts_typed(self) -> bool:
        return self.status == "active" and not self.locked


# Still heading for a handover: the code is shown so the buyer has it at the door.
BEFORE_HANDOVER = (OrderStatus.PENDING, OrderStatus.CONFIRMED, OrderStatus.PREPARING, OrderStatus.READY)
LOCKED = gettext_lazy("Too many wrong codes for this order. Ask the buyer to show the QR code, or to get a new code.")


def order_at_handover(order: Order) -> bool:
    """The order is with a courier, or waits at the store for its buyer to collect it."""
    if order.status == OrderStatus.OUT_FOR_DELIVERY:
        return True
    return order.status == OrderStatus.READY and order.delivery_mode == Order.DeliveryMode.PICKUP


def handover_is_locked(handover: HandoverCode) -> bool:
    return handover.failed_attempts >= settings.SOKO_HANDOVER_MAX_ATTEMPTS


def handover_state(order: Order, *, handover: HandoverCode | None = None) -> HandoverState:
    """The one rule for an order's handover code (see ``HandoverState``). ``handover``
    defaults to ``order.handover_code``; pass the row already locked to decide on it."""
    if handover is None:
        handover = getattr(order, "handover_code", None)
    if handover is None:
        return HandoverState("none", _("No order %(number)s awaits a handover.") % {"number": order.number})
    if handover.used_at is not None:
        when = timezone.localtime(handover.used_at)
        return HandoverState("used", f"This code was already used on {when:%d %b %Y at %H:%M}.")
    if order.status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED):
        return HandoverState(
            "cancelled", _("Order %(number)s was cancelled: do not hand it over.") % {"number": order.number}
        )
    at_handover = order_at_handover(order)
    if not (at_handover or order.status in BEFORE_HANDOVER):
        return HandoverState(
            "closed",
            _("Order %(number)s is already %(lower)s: do not hand it over again.")
            % {"number": order.number, "lower": order.get_status_display().lower()},
        )
    if handover.expires_at <= timezone.now() or handover_code_reveal(handover=handover) is None:
        # A code whose key left the fallbacks cannot be shown again: as good as expired.
        return HandoverState("expired", _("This code has expired. Ask the buyer to open the order page for a new one."))
    locked = handover_is_locked(handover)
    if not at_handover:
        where = _("ready for pick-up") if order.delivery_mode == Order.DeliveryMode.PICKUP else _("out for delivery")
        return HandoverState(
            "waiting",
            _("Order %(number)s is not %(where)s yet: do not hand it over.") % {"number": order.number, "where": where},
            locked,
        )
    return HandoverState("active", LOCKED if locked else "", locked)


def _keys() -> list[str]:
    """The current key first, then the ones it replaced (Django's rotation setting)."""
    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]


def _mac(key: str, purpose: bytes, nonce: bytes) -> bytes:
    return hmac.new(key.encode(), b"soko-handover:" + purpose + b":" + nonce, hashlib.sha256).digest()


def _codes(key: str, nonce: bytes) -> tuple[str, str]:
    code = base64.b32encode(_mac(key, b"qr", nonce)).decode().rstrip("=")[:32]  # 160 bits
    short = str(int.from_bytes(_mac(key, b"short", nonce)[:8], "big") % 10**8).zfill(8)
    return code, short


def code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def short_code_hash(order_number: str, short_code: str, *, key: str | None = None) -> str:
    # Keyed: 10^8 fallback codes would fall to a plain hash in seconds if the table leaked.
    message = f"{order_number.strip().upper()}:{_digits(short_code)}".encode()
    secret = settings.SECRET_KEY if key is None else key
    return hmac.new(secret.encode(), b"soko-handover-short:" + message, hashlib.sha256).hexdigest()


def short_code_matches(handover: HandoverCode, order_number: str, short_code: str) -> bool:
    return any(
        hmac.compare_digest(handover.short_code_hash, short_code_hash(order_number, short_code, key=key))
        for key in _keys()
    )


def _digits(text: str) -> str:
    # ASCII only: str.isdigit() also takes "²", which the constant-time comparison refuses.
    return "".join(ch for ch in text if ch in "0123456789")


def handover_code_fields(order_number: str) -> dict:
    nonce = secrets.token_bytes(16)
    code, short = _codes(settings.SECRET_KEY, nonce)
    return {
        "nonce": nonce,
        "code_hash": code_hash(code),
        "short_code_hash": short_code_hash(order_number, short),
        "expires_at": timezone.now() + timedelta(days=settings.SOKO_HANDOVER_CODE_DAYS),
    }


def handover_code_reveal(*, handover: HandoverCode) -> tuple[str, str] | None:
    """The QR code text and the 8-digit fallback, for the buyer's own order page only:
    made with whichever key (current or fallback) issued it. ``None`` when none of the
    keys did (the key was rotated without keeping the old one): the buyer renews it."""
    nonce = bytes(handover.nonce)
    for key in _keys():
        code, short = _codes(key, nonce)
        if hmac.compare_digest(code_hash(code), handover.code_hash):
            return code, short
    return None
