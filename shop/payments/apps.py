from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class PaymentsConfig(AppConfig):
    name = "shop.payments"
    label = "payments"
    verbose_name = gettext_lazy("Payments")

    def ready(self):
        from django.core import checks

        # Each gateway registers itself with shop.payments.gateways when imported; tasks are
        # the background jobs, credit_note_jobs gives every refund its credit note, metrics
        # is what payments tell /metrics.
        from . import credit_note_jobs, metrics, tasks  # noqa: F401
        from .checks import payment_providers_check
        from .providers.crypto import gateway as crypto_gateway  # noqa: F401
        from .providers.crypto import tasks as crypto_tasks  # noqa: F401
        from .providers.mpesa import gateway as mpesa_gateway  # noqa: F401
        from .providers.paypal import gateway as paypal_gateway  # noqa: F401
        from .providers.stripe import gateway as stripe_gateway  # noqa: F401

        checks.register(payment_providers_check, checks.Tags.security, deploy=True)
