from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "shop.media"
    label = "media"
    verbose_name = "Images"

    def ready(self):
        from . import tasks  # noqa: F401  (registers the app's background jobs)
