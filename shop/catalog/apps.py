from django.apps import AppConfig

from shop.core.modes import mode_register


class CatalogConfig(AppConfig):
    name = "shop.catalog"
    label = "catalog"
    verbose_name = "Catalog"

    def ready(self):
        mode_register(key="shop", label="Shop", icon="bi-bag", url_name="catalog:home", position=0)
