from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ApiConfig(AppConfig):
    name = "shop.api"
    label = "api"
    verbose_name = gettext_lazy("JSON API")

    def ready(self):
        from . import schema  # noqa: F401  (registers the access token's OpenAPI description)
