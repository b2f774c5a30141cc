from django.apps import AppConfig


class SellersConfig(AppConfig):
    name = "sellers"
    label = "sellers"
    verbose_name = "Stores"
