from django.apps import AppConfig


class SellersConfig(AppConfig):
    name = "sellers"
    label = "sellers"
    verbose_name = "Stores"

    def ready(self):
        from . import tasks  # noqa: F401  (registers the app's background jobs)
