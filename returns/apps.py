from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "returns"
    label = "returns"
    verbose_name = "Returns"
