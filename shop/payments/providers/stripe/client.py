"""Stripe's wire: which provider cards go to, and the client that talks to it.

Without ``STRIPE_SECRET_KEY`` the same code talks to the development gateway
(``shop.devgateway``, installed only with ``DEBUG=1``): the real ``stripe`` library, routed
in-process to a local engine that speaks Stripe's API and sends its events through the same
webhook code. Without the key and without that app, cards are not offered and any call to
Stripe is refused (``StripeNotConfigured``): nothing is ever marked paid by a stand-in.
"""

from __future__ import annotations

import stripe
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from ...models import Provider

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


def transfer_group(checkout) -> str:
    return f"checkout-{checkout.pk}"


def metadata_value(stripe_object, key: str) -> str:
    """One value of a Stripe object's metadata, as text ("" when it has none)."""
    metadata = getattr(stripe_object, "metadata", None)
    return str(metadata[key]) if metadata and key in metadata else ""
