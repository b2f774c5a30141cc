"""Writing cash-on-delivery handover codes (see HandoverCode; the rule and the codes
themselves are ``shop.orders.selectors.handover``).

``handover_code_issue`` creates the code for an order; the buyer renews an expired or
locked one (``handover_code_renew``). At the door the courier scans the QR
(``handover_code_check``) or types the 8-digit fallback with the order number
(``handover_code_check_short``, rate limited by ``failed_attempts``).
"""

from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import HandoverCode, Order
from ..selectors.handover import (
    LOCKED,
    HandoverState,
    code_hash,
    handover_code_fields,
    handover_is_locked,
    handover_state,
    short_code_matches,
)


class HandoverError(Exception):
    """A refused handover code. ``reason`` is one of unknown, early, used, expired,
    cancelled, closed, wrong, locked (or the caller's own, e.g. not_yours); ``str(error)`` is meant for the courier (or the buyer,
    for a refused renewal)."""

    def __init__(self, message: str, *, reason: str):
        super().__init__(message)
        self.reason = reason


def handover_code_issue(*, order) -> HandoverCode:
    return HandoverCode.objects.create(order=order, **handover_code_fields(order.number))


@transaction.atomic
def handover_code_renew(*, order) -> HandoverCode:
    """A fresh code for an order whose code expired or was locked by wrong guesses (the
    buyer asks for it on their page). Refused when ``handover_state`` says it is not
    renewable; a used code stays used."""
    handover = HandoverCode.objects.select_for_update().filter(order=order).first()
    state = handover_state(order, handover=handover)
    if not state.renewable:
        if state.status == "used":
            raise HandoverError(_("This order's handover code was already used."), reason="used")
        raise HandoverError(_("This order has no handover code to renew."), reason=state.status)
    for name, value in handover_code_fields(order.number).items():
        setattr(handover, name, value)
    handover.failed_attempts = 0
    handover.save(update_fields=["nonce", "code_hash", "short_code_hash", "expires_at", "failed_attempts"])
    return handover


def _refusal(state: HandoverState) -> HandoverError:
    return HandoverError(state.refusal, reason={"none": "unknown", "waiting": "early"}.get(state.status, state.status))


def handover_code_check(*, code: str, accept: Callable[[Order], None] | None = None):
    """The order a scanned code belongs to, marking the code used (once, under a lock).
    Raises ``HandoverError`` unless ``handover_state`` accepts the QR code, and unless
    ``accept(order)`` (the caller's own check, e.g. that this courier holds the order)
    returns without raising ``HandoverError``; a refused code stays unused."""
    with transaction.atomic():
        handover = (
            HandoverCode.objects.select_for_update(of=("self",))
            .select_related("order")
            .filter(code_hash=code_hash(code))
            .first()
        )
        if handover is None:
            raise HandoverError(_("This is not a valid %(site)s handover code.") % {"site": settings.SOKO_SITE_NAME}, reason="unknown")
        state = handover_state(handover.order, handover=handover)
        if not state.accepts_qr:
            raise _refusal(state)
        if accept is not None:
            accept(handover.order)
        handover.used_at = timezone.now()
        handover.save(update_fields=["used_at"])
        return handover.order


def handover_code_check_short(*, order_number: str, short_code: str, accept: Callable[[Order], None] | None = None):
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
            raise HandoverError(_("No order %(number)s awaits a handover.") % {"number": number}, reason="unknown")
        if handover_is_locked(handover):
            raise HandoverError(LOCKED, reason="locked")
        if not short_code_matches(handover, number, short_code):
            handover.failed_attempts += 1
            handover.save(update_fields=["failed_attempts"])
            left = settings.SOKO_HANDOVER_MAX_ATTEMPTS - handover.failed_attempts
            refusal = HandoverError(
                ngettext(
                    "Wrong code for order %(number)s. %(left)s attempt left.",
                    "Wrong code for order %(number)s. %(left)s attempts left.",
                    left,
                )
                % {"number": number, "left": left}
                if left
                else _("Wrong code. No attempts left: ask the buyer to show the QR code, or to get a new code."),
                reason="wrong",
            )
        else:
            state = handover_state(handover.order, handover=handover)
            if not state.accepts_typed:
                refusal = _refusal(state)
            else:
                try:
                    if accept is not None:
                        accept(handover.order)
                except HandoverError as error:
                    refusal = error
                else:
                    handover.used_at = timezone.now()
                    handover.save(update_fields=["used_at"])
    # Raised outside the transaction, so the counted wrong attempt is kept.
    if refusal is not None:
        raise refusal
    return handover.order
