from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class PromotionsConfig(AppConfig):
    name = "shop.promotions"
    label = "promotions"
    verbose_name = gettext_lazy("Promotions")

    def ready(self):
        from . import tasks  # noqa: F401 - registers the periodic tasks and the scheduled jobs
        from .services import loyalty  # noqa: F401 - connects the refund receiver
