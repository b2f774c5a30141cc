"""M-Pesa as a way to pay: the STK push to the buyer's phone for the checkout's total."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.core.services.transactions import atomic_retrying

from ...gateways import Gateway, gateway_get, register
from ...models import PaymentAttempt, Provider
from ...services import (
    attempt_create,
    attempt_failed,
    attempt_reference_set,
    checkout_awaits_payment,
    checkout_method_choose,
)
from .client import DarajaClient, MpesaError, mpesa_configured

Status = PaymentAttempt.Status
# Safaricom's limits for one STK push, in shillings.
AMOUNT_MIN, AMOUNT_MAX = Decimal(1), Decimal(250_000)
# A push to the same phone this recent is still on its way: a second submit does not push again.
RESUBMIT_WINDOW = timedelta(seconds=60)


class CheckoutClosed(Exception):
    """The checkout no longer takes a payment: paid, expired, or switched to cash."""


@register
class MpesaGateway(Gateway):
    code = "mpesa"
    provider = Provider.MPESA
    label = gettext_lazy("M-Pesa")
    description = gettext_lazy("Pay from your phone: we send a request, you enter your M-Pesa PIN.")
    icon = "bi-phone"
    online = True
    required_settings = (
        "MPESA_CONSUMER_KEY",
        "MPESA_CONSUMER_SECRET",
        "MPESA_SHORTCODE",
        "MPESA_PASSKEY",
        "MPESA_CALLBACK_URL",
    )

    def available_for(self, checkout) -> bool:
        total = checkout.total
        # M-Pesa takes whole shillings, within Safaricom's limits for one payment.
        return (
            mpesa_configured()
            and checkout.currency == "KES"
            and total == total.to_integral_value()
            and AMOUNT_MIN <= total <= AMOUNT_MAX
        )

    def start(self, request, checkout):
        return redirect("payments:mpesa_phone", checkout.idempotency_key)


def mpesa_takes(checkout) -> bool:
    """The checkout can be paid by M-Pesa now: it awaits a payment, and M-Pesa is on and can take it."""
    gateway = gateway_get(MpesaGateway.code)
    return gateway is not None and gateway.available_for(checkout) and checkout_awaits_payment(checkout)


def _attempt_begin(*, checkout, phone: str) -> tuple[PaymentAttempt, bool]:
    """A new attempt for the push, or the one already on its way to this phone (``False``)."""

    def work():
        locked = type(checkout).objects.select_for_update().get(pk=checkout.pk)
        if not checkout_awaits_payment(locked):
            raise CheckoutClosed(_("This checkout no longer waits for a payment."))
        recent = PaymentAttempt.objects.filter(
            checkout=locked,
            provider=Provider.MPESA,
            status=Status.PENDING,
            phone=phone,
            created_at__gte=timezone.now() - RESUBMIT_WINDOW,
        ).first()
        if recent is not None:
            return recent, False
        checkout_method_choose(checkout=locked, method=MpesaGateway.code)
        return attempt_create(checkout=locked, gateway=MpesaGateway.code, provider=Provider.MPESA, phone=phone), True

    return atomic_retrying(work, what="M-Pesa push")


def mpesa_pay(*, request, checkout, phone: str) -> PaymentAttempt:
    """Prompt ``phone`` (normalised) to pay the checkout's total: the pending attempt, with
    its CheckoutRequestID. A second call while that push is on its way sends nothing.
    Raises ``CheckoutClosed``, or ``MpesaError`` after failing the attempt."""
    attempt, created = _attempt_begin(checkout=checkout, phone=phone)
    if not created:
        return attempt
    callback_url = settings.MPESA_CALLBACK_URL or request.build_absolute_uri(reverse("payments:mpesa_callback"))
    try:
        answer = DarajaClient().stk_push(
            phone=phone,
            amount=int(attempt.amount),
            callback_url=callback_url,
            reference=f"SOKO{checkout.pk}",
            description="Soko order",
        )
    except MpesaError as error:
        attempt_failed(attempt_id=attempt.pk, message=str(error))
        raise
    return attempt_reference_set(attempt=attempt, reference=str(answer["CheckoutRequestID"]))


