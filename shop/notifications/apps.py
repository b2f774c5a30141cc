from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class NotificationsConfig(AppConfig):
    name = "shop.notifications"
    label = "notifications"
    verbose_name = gettext_lazy("Notifications")

    def ready(self):
        from . import tasks  # noqa: F401  (registers the app's background jobs)
        from .services.receivers import receivers_connect

        receivers_connect()
