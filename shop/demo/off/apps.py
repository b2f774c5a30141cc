from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class DemoOffConfig(AppConfig):
    """Installed instead of ``shop.demo`` when the demo is off (``DEBUG=0`` without
    ``SOKO_DEMO=1``): it loads none of the demo's code and only answers ``seed_demo`` with
    why it will not run."""

    name = "shop.demo.off"
    label = "demo_off"
    verbose_name = gettext_lazy("Demo data (off)")
