from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class AuctionsConfig(AppConfig):
    name = "shop.auctions"
    label = "auctions"
    verbose_name = gettext_lazy("Auctions")

    def ready(self):
        # The tasks started by name, and what auctions tell /metrics.
        from . import metrics, tasks  # noqa: F401
