from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy


class CoreConfig(AppConfig):
    name = "shop.core"
    label = "core"
    verbose_name = gettext_lazy("Core")

    def ready(self):
        from .selectors import metrics  # noqa: F401  (what core tells /metrics)


class SokoAdminConfig(admin_apps.AdminConfig):
    """``django.contrib.admin`` with Soko's site (shop/core/admin.py) as the default ``admin.site``."""

    default = False  # "shop.core" in INSTALLED_APPS means CoreConfig
    default_site = "shop.core.admin.SokoAdminSite"
