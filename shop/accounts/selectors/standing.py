"""An account's standing, as every app checks it.

A suspended account (until ``suspended_until``) may read its orders and appeal, but not
sell, bid, chat or check out; a deactivated one may only sign in to read the notice and
appeal. Every service that sells, bids, chats or checks out calls ``ensure_can_transact``
first: one rule, one message. ``AccountRestricted`` is a ``PermissionDenied``, so a view
that does not catch it answers the 403 page with the reason (``StandingMiddleware`` sends
htmx requests to the notice page instead, as htmx does not swap a 403)."""

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

# The notice page (shop.moderation answers it; named here, not imported: it is a higher app).
NOTICE_URL_NAME = "moderation:standing"


class AccountRestricted(PermissionDenied):
    """The account may not do this now; the message says why and until when."""


def is_deactivated(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_deactivated)


def is_suspended_now(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_suspended_now)


def restriction_message(user) -> str:
    """Why ``user`` may not sell, bid, chat or check out, in their words; empty when they may."""
    if is_deactivated(user):
        return _("Your account is deactivated: %(reason)s") % {"reason": user.standing_reason or "—"}
    if is_suspended_now(user):
        until = timezone.localtime(user.suspended_until).strftime("%Y-%m-%d %H:%M") if user.suspended_until else "—"
        return _(
            "Your account is suspended until %(until)s: %(reason)s. Until then you cannot sell, bid, chat or check out; "
            "you can read your orders and appeal."
        ) % {"until": until, "reason": user.standing_reason or "—"}
    return ""


def ensure_can_transact(user) -> None:
    """Raise ``AccountRestricted`` (with the reason) when ``user`` may not sell, bid, chat
    or check out. Anonymous users pass: the services refuse them in their own words."""
    message = restriction_message(user)
    if message:
        raise AccountRestricted(message)
