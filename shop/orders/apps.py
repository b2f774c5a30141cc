from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class OrdersConfig(AppConfig):
    name = "shop.orders"
    label = "orders"
    verbose_name = gettext_lazy("Orders")

    def ready(self):
        # The payment signals' receivers; the background jobs.
        from . import receivers, tasks  # noqa: F401
        from .services import payment_flow  # noqa: F401
