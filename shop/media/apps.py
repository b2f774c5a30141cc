from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class MediaConfig(AppConfig):
    name = "shop.media"
    label = "media"
    verbose_name = gettext_lazy("Images")

    def ready(self):
        from django.core import checks

        # The app's background jobs, what media tells /metrics, and the deploy check of
        # the IPFS pinning settings.
        from . import metrics, tasks  # noqa: F401
        from .checks import ipfs_pinning_check

        checks.register(ipfs_pinning_check, checks.Tags.security, deploy=True)
