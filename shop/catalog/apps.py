from django.apps import AppConfig
from django.utils.translation import gettext_lazy

from shop.core.selectors.modes import mode_register


class CatalogConfig(AppConfig):
    name = "shop.catalog"
    label = "catalog"
    verbose_name = gettext_lazy("Catalog")

    def ready(self):
        mode_register(key="shop", label=gettext_lazy("Shop"), icon="bi-bag", url_name="catalog:home", position=0)
