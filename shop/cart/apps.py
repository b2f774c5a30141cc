from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class CartConfig(AppConfig):
    name = "shop.cart"
    label = "cart"
    verbose_name = gettext_lazy("Cart")

    def ready(self):
        from shop.core.selectors.viewer import viewer_figure_register

        from . import services  # noqa: F401  (connects the login receiver)
        from .selectors.summary import cart_units_expression

        viewer_figure_register(name="cart_units", expression=cart_units_expression)
