from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class MediaConfig(AppConfig):
    name = "shop.media"
    label = "media"
    verbose_name = gettext_lazy("Images")

    def ready(self):
        from . import tasks  # noqa: F401  (registers the app's background jobs)
