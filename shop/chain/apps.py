from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ChainConfig(AppConfig):
    name = "shop.chain"
    label = "chain"
    verbose_name = gettext_lazy("Blockchain")

    def ready(self):
        from django.core import checks

        from . import tasks  # noqa: F401  (the background jobs)
        from .checks import chain_settings_check

        checks.register(chain_settings_check, checks.Tags.security, deploy=True)
