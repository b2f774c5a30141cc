from django.apps import AppConfig


class CouriersConfig(AppConfig):
    name = "couriers"
    label = "couriers"
    verbose_name = "Couriers"
