from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "shop.geo"
    label = "geo"
    verbose_name = "Geography"
