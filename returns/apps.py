from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ReturnsConfig(AppConfig):
    name = "returns"
    label = "returns"
    verbose_name = gettext_lazy("Returns")
