"""What the demo data amounts to in the database, for seed_demo's summary."""

from django.contrib.auth import get_user_model
from django.db.models import Count

from couriers.selectors import jobs_of_courier, jobs_open_for_courier
from sellers.models import Store
from shop.catalog.models import Product

from .data import DEMO_EMAIL_DOMAIN, STORES


def demo_summary() -> dict[str, int]:
    """Counts read back from the database, so the summary says what is there, not what was meant."""
    stores = Store.objects.filter(slug__in=STORES)
    return {
        "accounts": get_user_model().objects.filter(email__iendswith=f"@{DEMO_EMAIL_DOMAIN}").count(),
        "stores": stores.count(),
        "products": Product.objects.visible().filter(store__in=stores).count(),
    }


def demo_courier_jobs(*, email: str) -> dict | None:
    """What the demo courier finds: open jobs on its board, and its own jobs by status."""
    courier = get_user_model().objects.filter(email=email).first()
    if courier is None:
        return None
    held = (
        jobs_of_courier(user=courier).order_by().values_list("status").annotate(count=Count("id")).order_by("status")
    )
    return {"board": jobs_open_for_courier(user=courier).count(), "held": dict(held)}
