from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class AuctionsConfig(AppConfig):
    name = "shop.auctions"
    label = "auctions"
    verbose_name = gettext_lazy("Auctions")

    def ready(self):
        from . import tasks  # noqa: F401 - registers the tasks started by name
