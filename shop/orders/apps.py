from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class OrdersConfig(AppConfig):
    name = "shop.orders"
    label = "orders"
    verbose_name = gettext_lazy("Orders")

    def ready(self):
        # The payment signals' receivers; the background jobs.
        from . import payment_flow, receivers, tasks  # noqa: F401
