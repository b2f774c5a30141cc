"""What the demo data amounts to in the database, for seed_demo's summary."""

from django.contrib.auth import get_user_model

from sellers.models import Store
from shop.catalog.models import Product

from .accounts import DEMO_EMAIL_DOMAIN
from .catalog import STORES


def demo_summary() -> dict[str, int]:
    """Counts read back from the database, so the summary says what is there, not what was meant."""
    stores = Store.objects.filter(slug__in=STORES)
    return {
        "accounts": get_user_model().objects.filter(email__iendswith=f"@{DEMO_EMAIL_DOMAIN}").count(),
        "stores": stores.count(),
        "products": Product.objects.visible().filter(store__in=stores).count(),
    }
