"""Cards through Stripe Checkout, with Connect for the stores' payouts.

One Checkout Session per checkout (all its stores, one line per store order), amounts in
the currency's minor unit, an ``Idempotency-Key`` on every POST built from the checkout
and the action, and a ``transfer_group`` per checkout so each store's transfer is tied
to the charge that paid it (separate charges and transfers). Stripe itself, or the
development gateway standing in for it: ``client.py``.
"""

from __future__ import annotations

import logging

import stripe
from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.core.selectors.currencies import money_to_minor

from ...gateways import Gateway, hosted_page_redirect, register, status_url
from ...models import PaymentAttempt
from ...selectors import payable_orders
from ...services import attempt_create, attempt_failed, attempt_reference_set, checkout_awaits_payment
from .client import development_gateway, stripe_client, stripe_configured, stripe_provider, transfer_group

log = logging.getLogger(__name__)


@register
class CardGateway(Gateway):
    code = "card"
    label = gettext_lazy("Card")
    description = gettext_lazy("Visa or Mastercard, on Stripe's secure page.")
    icon = "bi-credit-card"
    online = True
    required_settings = ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET")

    def __init__(self):
        if not settings.STRIPE_SECRET_KEY:
            self.description = gettext_lazy("Test mode: a local page stands in for Stripe; no real money moves.")

    def available_for(self, checkout) -> bool:
        # Fail closed: without Stripe's keys, only the development gateway (DEBUG=1) takes cards.
        ready = stripe_configured() or (not settings.STRIPE_SECRET_KEY and development_gateway() is not None)
        return ready and checkout.currency in settings.STRIPE_CURRENCIES

    def close(self, attempt) -> None:
        session_expire(attempt)

    def start(self, request, checkout):
        if not checkout_awaits_payment(checkout):
            return redirect(status_url(checkout))
        attempt = attempt_create(checkout=checkout, gateway=self.code, provider=stripe_provider())
        try:
            session = session_create(request=request, checkout=checkout, attempt=attempt)
        except stripe.StripeError as error:
            log.warning("Stripe refused a session for checkout %s: %s", checkout.pk, error)
            attempt_failed(
                attempt_id=attempt.pk,
                message=_("The card payment could not be started. Try again or choose another way to pay."),
            )
            return redirect(status_url(checkout))
        attempt_reference_set(attempt=attempt, reference=session.id, redirect_url=session.url or "")
        return hosted_page_redirect(checkout=checkout, attempt=attempt)


def session_create(*, request, checkout, attempt: PaymentAttempt):
    """The Checkout Session for one attempt: one line per store order, in minor units."""
    currency = checkout.currency.lower()
    line_items = [
        {
            "price_data": {
                "currency": currency,
                "unit_amount": money_to_minor(order.total, order.currency),
                "product_data": {
                    "name": _("Order %(number)s from %(store)s") % {"number": order.number, "store": order.store.name}
                },
            },
            "quantity": 1,
        }
        for order in payable_orders(checkout).select_related("store").order_by("pk")
    ]
    metadata = {"checkout_id": str(checkout.pk), "attempt_id": str(attempt.pk)}
    success = request.build_absolute_uri(status_url(checkout)) + "?session_id={CHECKOUT_SESSION_ID}"
    cancel = request.build_absolute_uri(reverse("payments:cancel", args=[checkout.idempotency_key, attempt.pk]))
    params = {
        "mode": "payment",
        "line_items": line_items,
        "success_url": success,
        "cancel_url": cancel,
        "client_reference_id": str(checkout.idempotency_key),
        "metadata": metadata,
        "payment_intent_data": {"transfer_group": transfer_group(checkout), "metadata": metadata},
    }
    if checkout.buyer.email:
        params["customer_email"] = checkout.buyer.email
    return stripe_client().v1.checkout.sessions.create(
        params=params,
        options={"idempotency_key": f"checkout-{checkout.idempotency_key}-attempt-{attempt.pk}-session"},
    )



def session_expire(attempt: PaymentAttempt) -> None:
    """Close the attempt's session at Stripe so it can no longer be paid (best effort:
    a payment that still lands later is flagged and refunded)."""
    if not attempt.reference:
        return
    try:
        stripe_client().v1.checkout.sessions.expire(
            attempt.reference,
            options={"idempotency_key": f"checkout-{attempt.checkout.idempotency_key}-attempt-{attempt.pk}-expire"},
        )
    except stripe.StripeError as error:
        log.info("could not expire session %s: %s", attempt.reference, error)
