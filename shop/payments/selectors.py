"""What the payment pages show, read from the database (the truth, not the provider's redirect)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from shop.core.errors import NotFound

from .gateways import gateways_available
from .models import PaymentAttempt, PaymentStatus


def checkout_for_buyer(*, user, reference):
    """The buyer's own checkout by its unguessable reference; ``NotFound`` for anyone else's.
    Reached through the buyer's relation: this app sits below orders."""
    checkout = user.checkouts.filter(idempotency_key=reference).first()
    if checkout is None:
        raise NotFound(_("No such checkout."))
    return checkout


def checkout_for_buyer_by_id(*, user, pk):
    """The buyer's own checkout by its id (the API names checkouts so); ``NotFound`` for
    anyone else's."""
    checkout = user.checkouts.filter(pk=pk).first() if user.is_authenticated else None
    if checkout is None:
        raise NotFound(_("No such checkout."))
    return checkout


def payable_orders(checkout):
    """The orders a payment of ``checkout`` pays for: all but those cancelled before it was
    paid (the checkout's total leaves them out)."""
    return checkout.orders.exclude(status="cancelled")


def checkout_awaits_payment(checkout) -> bool:
    """The checkout still takes an online payment: it awaits one and the deadline has not passed."""
    return checkout.payment_status == PaymentStatus.AWAITING and (
        checkout.payment_due_by is None or checkout.payment_due_by > timezone.now()
    )


def payment_status_context(checkout) -> dict:
    """The payment fragment's context: the latest attempt and, while the checkout still
    awaits a payment that is not under way, the ways it can be paid now. Past its deadline
    a checkout offers nothing more, even before the deadline job has cancelled it."""
    attempt = PaymentAttempt.objects.filter(checkout=checkout).order_by("-created_at", "-id").first()
    awaiting = checkout_awaits_payment(checkout)
    under_way = attempt is not None and attempt.status == PaymentAttempt.Status.PENDING
    return {
        "checkout": checkout,
        "attempt": attempt,
        "awaiting": awaiting,
        "past_due": checkout.payment_status == PaymentStatus.AWAITING and not awaiting,
        "under_way": awaiting and under_way,
        "alternatives": gateways_available(checkout) if awaiting and not under_way else [],
    }
