from django.apps import AppConfig
from django.utils.translation import gettext_lazy

from shop.core.selectors.modes import mode_register
from shop.core.selectors.viewer import viewer_figure_register


class SellersConfig(AppConfig):
    name = "sellers"
    label = "sellers"
    verbose_name = gettext_lazy("Stores")

    def ready(self):
        from . import receivers, tasks  # noqa: F401  (the store's rows written for apps below; the background jobs)
        from .selectors import user_is_seller, user_is_seller_expression

        viewer_figure_register(name="is_store_member", expression=user_is_seller_expression)
        mode_register(
            key="store",
            label=gettext_lazy("My store"),
            icon="bi-shop",
            url_name="sellers:dashboard",
            position=1,
            applies=lambda user: user_is_seller(user=user),
            figure="is_store_member",
        )
