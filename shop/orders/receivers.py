"""The payment state orders keep, written when payments decides it.

Payments sits below orders and never writes their rows: it sends one of its signals
(``shop.payments.signals``) inside its own transaction, and these receivers write the
checkout's payment fields, an order's fee or the end of the hold on its share at once,
on the instance sent (locked by the sender or its caller), so what the sender does
next sees them.
"""

from django.dispatch import receiver

from shop.payments.models import PaymentStatus
from shop.payments.signals import (
    checkout_method_chosen,
    checkout_on_delivery,
    checkout_paid,
    order_fee_charged,
    order_funds_released,
)

from .models import Order


@receiver(checkout_method_chosen, dispatch_uid="orders.checkout_method_chosen")
def _checkout_method_chosen(sender, checkout, method, **kwargs) -> None:
    checkout.payment_method = method
    checkout.save(update_fields=["payment_method", "updated_at"])


@receiver(checkout_paid, dispatch_uid="orders.checkout_paid")
def _checkout_paid(sender, checkout, paid_at, **kwargs) -> None:
    checkout.payment_status = PaymentStatus.PAID
    checkout.paid_at = paid_at
    checkout.save(update_fields=["payment_status", "paid_at", "updated_at"])


@receiver(checkout_on_delivery, dispatch_uid="orders.checkout_on_delivery")
def _checkout_on_delivery(sender, checkout, method, **kwargs) -> None:
    checkout.payment_method = method
    checkout.payment_status = PaymentStatus.ON_DELIVERY
    checkout.payment_due_by = None
    checkout.save(update_fields=["payment_method", "payment_status", "payment_due_by", "updated_at"])


@receiver(order_fee_charged, dispatch_uid="orders.order_fee_charged")
def _order_fee_charged(sender, order, fee, **kwargs) -> None:
    order.fee = fee
    order.save(update_fields=["fee", "updated_at"])


@receiver(order_funds_released, dispatch_uid="orders.order_funds_released")
def _order_funds_released(sender, order, released_at, **kwargs) -> None:
    order.funds_released_at = released_at
    Order.objects.filter(pk=order.pk).update(funds_released_at=released_at)
