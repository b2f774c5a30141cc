"""Cards through Stripe Checkout, with Connect for the stores' payouts.

One Checkout Session per checkout (all its stores, one line per store order), amounts in
the currency's minor unit, an ``Idempotency-Key`` on every POST built from the checkout
and the action, and a ``transfer_group`` per checkout so each store's transfer is tied
to the charge that paid it (separate charges and transfers).

Without ``STRIPE_SECRET_KEY`` the same code talks to the development gateway
(``shop.devgateway``, installed only with ``DEBUG=1``): the real ``stripe`` library, routed
in-process to a local engine that speaks Stripe's API and sends its events through the same
webhook code. Without the key and without that app, cards are not offered and any call to
Stripe is refused (``StripeNotConfigured``): nothing is ever marked paid by a stand-in.
"""

from __future__ import annotations

import logging

import stripe
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.core.currencies import money_to_minor

from .gateways import Gateway, hosted_page_redirect, register
from .models import PaymentAttempt, Provider
from .services import attempt_create, attempt_failed, attempt_reference_set, checkout_awaits_payment

log = logging.getLogger(__name__)

DEV_API_KEY = "sk_test_soko_development"


def stripe_provider() -> str:
    """Which provider cards go to: Stripe itself, or the development gateway."""
    return Provider.STRIPE if settings.STRIPE_SECRET_KEY else Provider.DEV


class StripeNotConfigured(ImproperlyConfigured, stripe.StripeError):
    """Stripe was called, but neither Stripe nor the development gateway is set up. Also a
    ``StripeError``, so every caller's refusal path (message, flag, retry) handles it."""

    def __init__(self):
        super().__init__(
            "Cards need STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET; the development gateway that stands in "
            "for Stripe is installed only with DEBUG=1."
        )

    @property
    def user_message(self) -> str:
        return _("card payments are not set up on this site.")


def stripe_configured() -> bool:
    """Stripe itself can take cards: its secret key and webhook secret are both set."""
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET)


def development_gateway():
    """The development gateway's app config when it is installed (``DEBUG=1``), else ``None``."""
    return apps.app_configs.get("devgateway")


def stripe_client() -> stripe.StripeClient:
    """A client for Stripe (``STRIPE_API_BASE``: Stripe, or a fake in tests and demos), or
    for the development gateway when no key is set and that app is installed."""
    if settings.STRIPE_SECRET_KEY:
        return stripe.StripeClient(
            settings.STRIPE_SECRET_KEY, base_addresses={"api": settings.STRIPE_API_BASE}, max_network_retries=2
        )
    gateway = development_gateway()
    if gateway is None:
        raise StripeNotConfigured()
    return stripe.StripeClient(DEV_API_KEY, http_client=gateway.http_client())


def status_url(checkout) -> str:
    return reverse("payments:status", args=[checkout.idempotency_key])


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
        for order in checkout.orders.select_related("store").order_by("pk")
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


def transfer_group(checkout) -> str:
    return f"checkout-{checkout.pk}"


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
