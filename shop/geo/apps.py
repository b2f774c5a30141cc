from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class GeoConfig(AppConfig):
    name = "shop.geo"
    label = "geo"
    verbose_name = gettext_lazy("Geography")
