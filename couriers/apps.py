from django.apps import AppConfig
from django.utils.translation import gettext_lazy

from shop.core.selectors.modes import mode_register
from shop.core.selectors.viewer import viewer_figure_register


class CouriersConfig(AppConfig):
    name = "couriers"
    label = "couriers"
    verbose_name = gettext_lazy("Couriers")

    def ready(self):
        from . import receivers  # noqa: F401  (the orders' signals)
        from .selectors import user_is_courier, user_is_courier_expression

        viewer_figure_register(name="is_courier", expression=user_is_courier_expression)
        mode_register(
            key="deliveries",
            label=gettext_lazy("Deliveries"),
            icon="bi-bicycle",
            url_name="couriers:home",
            position=2,
            applies=lambda user: user_is_courier(user=user),
            figure="is_courier",
        )
