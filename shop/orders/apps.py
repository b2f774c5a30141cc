from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class OrdersConfig(AppConfig):
    name = "shop.orders"
    label = "orders"
    verbose_name = gettext_lazy("Orders")

    def ready(self):
        from . import tasks  # noqa: F401  (the background jobs)
        from .services import payment_flow  # noqa: F401  (the payment signal's receiver)
