from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ChatConfig(AppConfig):
    name = "shop.chat"
    label = "chat"
    verbose_name = gettext_lazy("Messages")

    def ready(self):
        from . import tasks  # noqa: F401 - registers the tasks started by name
