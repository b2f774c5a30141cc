from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class PaymentsConfig(AppConfig):
    name = "shop.payments"
    label = "payments"
    verbose_name = gettext_lazy("Payments")

    def ready(self):
        from django.core import checks

        # Each gateway registers itself with shop.payments.gateways when imported.
        from . import mpesa, paypal, stripe_gateway, tasks  # noqa: F401  (tasks: the background jobs)
        from . import credit_note_jobs  # noqa: F401  (a credit note for every refund)
        from .checks import payment_providers_check

        checks.register(payment_providers_check, checks.Tags.security, deploy=True)
