from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class DevGatewayConfig(AppConfig):
    """The development gateway: Stripe's hosted pages and API played locally, so cards work
    without a Stripe account. Installed (and routed under /payments/dev/) only when
    ``DEBUG=1``; without it a card payment with no ``STRIPE_SECRET_KEY`` is refused."""

    name = "shop.devgateway"
    label = "devgateway"
    verbose_name = gettext_lazy("Development gateway")

    def http_client(self):
        """The stripe library's HTTP client that answers in-process from the local engine
        (``shop.payments.providers.stripe.client.stripe_client`` asks for it when no key is set)."""
        from .services import InProcessHTTPClient

        return InProcessHTTPClient()
