"""Reads for the store's promotions page: its sales and codes, never another store's."""

from django.db.models import QuerySet

from shop.core.errors import NotFound
from shop.promotions.models import PromoCode, Sale

PAST_SHOWN = 20


def store_sales(*, store) -> tuple[QuerySet[Sale], QuerySet[Sale]]:
    """The store's running and scheduled sales, the soonest first, and its latest
    ``PAST_SHOWN`` ended or cancelled ones."""
    sales = Sale.objects.filter(store=store).select_related("category").prefetch_related("products")
    return (
        sales.filter(status__in=[Sale.Status.RUNNING, Sale.Status.SCHEDULED]).order_by("starts_at"),
        sales.filter(status__in=[Sale.Status.ENDED, Sale.Status.CANCELLED]).order_by("-ends_at")[:PAST_SHOWN],
    )


def store_sale_get(*, store, pk: int) -> Sale:
    sale = Sale.objects.filter(pk=pk, store=store).first()
    if sale is None:
        raise NotFound("No such sale in your store.")
    return sale


def store_promo_code_get(*, store, pk: int) -> PromoCode:
    code = PromoCode.objects.filter(pk=pk, store=store).first()
    if code is None:
        raise NotFound("No such promo code in your store.")
    return code
