"""Orders and their payment: what a checkout's orders do when it is paid, not paid in time,
delivered, or past the buyer's confirmation window.

- A checkout paid online (or switched to cash on delivery) is *confirmed*: its stores hear
  of their orders then, not before (``checkout_confirmed``, from shop.payments).
- A checkout still unpaid at its deadline expires once: its orders are cancelled and
  their stock released exactly once, however many times the job runs; a won auction's
  order paid with it awaits payment again on its own until its own deadline.
- A delivered order paid in cash posts the cash to the ledger; a delivered order paid
  online has its store's share released after ``SOKO_BUYER_PROTECTION_DAYS`` (or when the
  buyer confirms receipt) and transferred to a connected account.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy

from shop.core.services.transactions import atomic_retrying
from shop.payments.invoices.services import invoice_issue_later
from shop.payments.models import PaymentStatus
from shop.payments.payouts.services import order_funds_release, orders_transfer_may_pay
from shop.payments.providers.paypal.callbacks import paypal_settle_due
from shop.payments.services import attempts_expire
from shop.payments.signals import checkout_confirmed, refund_changed
from shop.promotions.services.codes import promo_use_return

from ..models import Checkout, Order, OrderEvent, OrderStatus
from .orders import _notify_status, order_cancelled, order_push, order_transfer_safely
from .won import won_order_detach

log = logging.getLogger(__name__)

S = OrderStatus
# Transfers the release job sends (or asks again) per run, oldest orders first.
TRANSFERS_PER_RUN = 500
NOT_PAID_IN_TIME = gettext_lazy("Not paid in time: the items went back on sale.")


@receiver(checkout_confirmed)
def _checkout_confirmed(sender, checkout, **kwargs) -> None:
    """The stores hear of their orders; the buyer's open order pages show the payment."""
    from .checkout import _notify_stores

    orders = list(Order.objects.filter(checkout=checkout).exclude(status=S.CANCELLED).select_related("store", "checkout"))
    checkout.placed_orders = orders
    _notify_stores(checkout)
    for order in orders:
        order_push(order=order)
        if checkout.payment_status == PaymentStatus.PAID:
            invoice_issue_later(order.pk)


@receiver(refund_changed, dispatch_uid="orders.refund_changed")
def _refund_changed(sender, order_id, **kwargs) -> None:
    """The order's open pages (the buyer's, the store's) show the refund's new state."""
    order_push(order=Order.objects.get(pk=order_id))


def checkouts_expire(*, now=None) -> int:
    """Expire every checkout whose payment deadline passed; returns how many expired."""
    now = now or timezone.now()
    paypal_settle_due(now=now)  # a PayPal order the buyer approved is captured, not cancelled
    due = Checkout.objects.filter(payment_status=PaymentStatus.AWAITING, payment_due_by__lte=now).values_list(
        "pk", flat=True
    )
    return sum(1 for pk in list(due) if atomic_retrying(lambda pk=pk: _expire(pk, now), what="payment deadline"))


def _expire(checkout_id: int, now) -> bool:
    checkout = Checkout.objects.select_for_update().get(pk=checkout_id)
    if (
        checkout.payment_status != PaymentStatus.AWAITING
        or checkout.payment_due_by is None
        or checkout.payment_due_by > now
    ):
        return False  # paid, switched or expired meanwhile
    checkout.payment_status = PaymentStatus.EXPIRED
    checkout.save(update_fields=["payment_status", "updated_at"])
    attempts_expire(checkout=checkout)
    for order in (
        Order.objects.select_for_update(of=("self",))
        .filter(checkout=checkout)
        .select_related("store", "checkout", "buyer")
    ):
        if order.status != S.PENDING:
            continue
        if won_order_detach(order=order, expiring=checkout, now=now):
            continue  # won at auction: it awaits payment again, until its own deadline
        order.status = S.CANCELLED
        order.save(update_fields=["status", "updated_at"])
        OrderEvent.objects.create(order=order, from_status=S.PENDING, to_status=S.CANCELLED, note=str(NOT_PAID_IN_TIME))
        # Every cancellation's rule: stock, points, and any money taken go back.
        order_cancelled(order=order, actor=None, role="staff", note=str(NOT_PAID_IN_TIME), now=now)
        order_push(order=order)
        _notify_status(order=order, role="staff", note=str(NOT_PAID_IN_TIME))
    promo_use_return(checkout=checkout, now=now)
    return True


def funds_release_due(*, now=None) -> int:
    """Release (and transfer) the shares of delivered orders whose confirmation window has
    passed, and retry transfers that did not go out. Safe to run any number of times."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.SOKO_BUYER_PROTECTION_DAYS)
    due = Order.objects.filter(
        status__in=[S.DELIVERED, S.COMPLETED],
        delivered_at__lte=cutoff,
        funds_released_at__isnull=True,
        checkout__payment_status=PaymentStatus.PAID,
    ).values_list("pk", flat=True)
    released = 0
    for pk in list(due):
        if atomic_retrying(lambda pk=pk: _release(pk), what="funds release"):
            released += 1
    unpaid = orders_transfer_may_pay(
        Order.objects.filter(funds_released_at__isnull=False, checkout__payment_status=PaymentStatus.PAID)
    )
    for pk in list(unpaid.values_list("pk", flat=True)[:TRANSFERS_PER_RUN]):
        order_transfer_safely(pk)
    return released


def _release(order_id: int) -> bool:
    order = Order.objects.select_for_update(of=("self",)).select_related("checkout").get(pk=order_id)
    if order.status not in (S.DELIVERED, S.COMPLETED):
        return False
    return order_funds_release(order)
