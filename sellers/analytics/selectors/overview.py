"""Reads for the dashboard overview: today's orders, this week's sales and what needs
restocking, in a fixed number of queries whatever the store's size."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, F, OuterRef, Q, Subquery, Sum

from shop.catalog.models import Product, Variant
from shop.orders.models import Order, OrderStatus

from ...models import Store

LOW_STOCK_SHOWN = 5
# Orders that brought no money: cancelled ones, and refunded ones that gave it back.
NOT_SALES = (OrderStatus.CANCELLED, OrderStatus.REFUNDED)


@dataclass(frozen=True)
class Amount:
    value: Decimal
    currency: str


@dataclass(frozen=True)
class StoreOverview:
    orders_today: int
    orders_waiting: int  # placed and not yet confirmed, whenever
    sales_week: tuple[Amount, ...]  # one per currency the week's orders were placed in
    week_starts: date  # the Monday, in the store's time zone
    restock: tuple[Variant, ...]  # the emptiest first, at most LOW_STOCK_SHOWN
    restock_count: int


def store_day_and_week_start(*, store: Store, now: datetime) -> tuple[datetime, datetime]:
    """Midnight today and midnight last Monday, in the store's own time zone."""
    local = now.astimezone(ZoneInfo(store.time_zone))
    today = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return today, today - timedelta(days=today.weekday())


def store_overview(*, store: Store, now: datetime) -> StoreOverview:
    today, week = store_day_and_week_start(store=store, now=now)
    orders = Order.objects.filter(store=store)
    counts = orders.aggregate(
        today=Count("pk", filter=Q(created_at__gte=today)),
        waiting=Count("pk", filter=Q(status=OrderStatus.PENDING)),
    )
    sales = [
        Amount(value=row["total"], currency=row["currency"])
        for row in orders.filter(created_at__gte=week)
        .exclude(status__in=NOT_SALES)
        .values("currency")
        .annotate(total=Sum("total"))
        .order_by("currency")
    ]
    restock = (
        Variant.objects.filter(product__store=store, stock__lte=F("low_stock_threshold"))
        .exclude(product__status=Product.Status.ARCHIVED)
        .select_related("product")
    )
    siblings = Variant.objects.filter(product=OuterRef("product")).order_by().values("product").annotate(n=Count("pk"))
    return StoreOverview(
        orders_today=counts["today"],
        orders_waiting=counts["waiting"],
        sales_week=tuple(sales) or (Amount(value=Decimal("0"), currency=store.currency),),
        week_starts=week.date(),
        restock=tuple(
            restock.annotate(product_variant_count=Subquery(siblings.values("n"))).order_by("stock", "product__title", "pk")[
                :LOW_STOCK_SHOWN
            ]
        ),
        restock_count=restock.count(),
    )
