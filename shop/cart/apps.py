from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class CartConfig(AppConfig):
    name = "shop.cart"
    label = "cart"
    verbose_name = gettext_lazy("Cart")

    def ready(self):
        from . import services  # noqa: F401  (connects the login receiver)
