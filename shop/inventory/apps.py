from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class InventoryConfig(AppConfig):
    name = "shop.inventory"
    label = "inventory"
    verbose_name = gettext_lazy("Inventory")
