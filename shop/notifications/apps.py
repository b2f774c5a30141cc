from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class NotificationsConfig(AppConfig):
    name = "shop.notifications"
    label = "notifications"
    verbose_name = gettext_lazy("Notifications")

    def ready(self):
        from shop.core.selectors.viewer import viewer_figure_register

        from . import tasks  # noqa: F401  (registers the app's background jobs)
        from .selectors import unread_count_expression
        from .services.receivers import receivers_connect

        receivers_connect()
        viewer_figure_register(name="unread_notifications", expression=unread_count_expression)
