"""Reads for the store's analytics page: sales per day, week or month against the period
before, the products that sell, how long their stock lasts, how views become orders, how
chats become orders, and how much comes back.

Every figure is aggregated in the database, in a fixed number of queries whatever the
number of orders. Orders are summed per day of the store's own calendar (at most twice the
period's days per currency come back) and folded into buckets here. A bucket is a span of
1, 7 or 30 days counted from the period's first day, so the previous period has exactly the
same buckets and each can be set against its twin. Money is summed per currency and never
across currencies. Orders that brought no money (cancelled, refunded: ``NOT_SALES``) are
left out of every figure, as on the overview.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import TruncDate

from returns.models import ReturnLine
from returns.selectors import ACCEPTED
from shop.catalog.models import Product, ProductDayStats
from shop.chat.models import Conversation
from shop.orders.models import Order, OrderItem

from ...models import Store
from .overview import NOT_SALES

PERIOD_DAYS = (7, 30, 90)
BUCKET_DAYS = {"day": 1, "week": 7, "month": 30}
TOP_PRODUCTS = 5
ZERO = Decimal("0")


@dataclass(frozen=True)
class Period:
    days: int
    grouping: str  # a key of BUCKET_DAYS
    first_day: date  # the store's calendar
    last_day: date  # today, in the store's time zone
    starts: datetime  # midnight of first_day, in the store's time zone
    previous_starts: datetime

    @property
    def bucket_days(self) -> int:
        return BUCKET_DAYS[self.grouping]

    @property
    def bucket_count(self) -> int:
        return -(-self.days // self.bucket_days)


def analytics_period(*, store: Store, now: datetime, days: int, grouping: str) -> Period:
    """The last ``days`` days of the store's calendar, today included, and the same number
    of days before them."""
    local = now.astimezone(ZoneInfo(store.time_zone))
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    starts = midnight - timedelta(days=days - 1)
    return Period(
        days=days,
        grouping=grouping,
        first_day=starts.date(),
        last_day=local.date(),
        starts=starts,
        previous_starts=starts - timedelta(days=days),
    )


@dataclass
class Sales:
    orders: int = 0
    revenue: Decimal = ZERO


@dataclass
class Bucket:
    first_day: date
    last_day: date
    current: dict[str, Sales] = field(default_factory=lambda: defaultdict(Sales))  # per currency
    previous: dict[str, Sales] = field(default_factory=lambda: defaultdict(Sales))

    @property
    def orders(self) -> int:
        return sum(sales.orders for sales in self.current.values())

    @property
    def previous_orders(self) -> int:
        return sum(sales.orders for sales in self.previous.values())


@dataclass
class ProductFigures:
    pk: int
    title: str
    stock: int
    rating_avg: Decimal
    rating_count: int
    units: int = 0
    revenue: dict[str, Decimal] = field(default_factory=dict)  # per currency
    orders: int = 0
    returned: int = 0
    views: int = 0
    cart_adds: int = 0
    days_of_cover: Decimal | None = None  # None: nothing sold in the period


@dataclass(frozen=True)
class Conversion:
    """Views to orders, each step matched to the one before per product and store day, so
    no step exceeds the step before (docs/FORECAST.md, "The funnel")."""

    views: int
    cart_adds: int  # adds to cart, at most the product's views that day
    orders: int  # orders of the product from a cart, at most its adds that day
    orders_elsewhere: int  # orders of a product with no view or add to match (auctions, chat offers, the app, an earlier cart)
    chats: int  # conversations with the store started in the period
    chats_ordered: int  # … whose shopper then ordered from the store in the period

    @property
    def added_rate(self) -> Decimal | None:
        return percent(self.cart_adds, self.views)

    @property
    def ordered_rate(self) -> Decimal | None:
        return percent(self.orders, self.cart_adds)

    @property
    def chat_rate(self) -> Decimal | None:
        return percent(self.chats_ordered, self.chats)


@dataclass(frozen=True)
class StoreAnalytics:
    period: Period
    currencies: tuple[str, ...]
    buckets: tuple[Bucket, ...]
    totals: dict[str, Sales]  # per currency, this period
    previous_totals: dict[str, Sales]
    products: tuple[ProductFigures, ...]  # best sellers first
    top_products: tuple[ProductFigures, ...]
    conversion: Conversion
    units_sold: int
    units_returned: int

    @property
    def orders(self) -> int:
        return sum(sales.orders for sales in self.totals.values())

    @property
    def previous_orders(self) -> int:
        return sum(sales.orders for sales in self.previous_totals.values())

    @property
    def revenue(self) -> list[tuple[str, Sales, Sales, Decimal | None]]:
        """Per currency: this period, the previous one, and the change in per cent."""
        rows = []
        for currency in self.currencies:
            now, before = self.totals.get(currency, Sales()), self.previous_totals.get(currency, Sales())
            rows.append((currency, now, before, percent(now.revenue - before.revenue, before.revenue)))
        return rows

    @property
    def orders_change(self) -> Decimal | None:
        return percent(self.orders - self.previous_orders, self.previous_orders)

    @property
    def returns_rate(self) -> Decimal | None:
        """Returned units per hundred sold, or None when none were sold."""
        return percent(self.units_returned, self.units_sold)


def percent(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def store_analytics(*, store: Store, now: datetime, days: int, grouping: str) -> StoreAnalytics:
    period = analytics_period(store=store, now=now, days=days, grouping=grouping)
    zone = ZoneInfo(store.time_zone)
    sales = Order.objects.filter(store=store, created_at__gte=period.previous_starts, created_at__lte=now).exclude(
        status__in=NOT_SALES
    )
    buckets = tuple(
        Bucket(
            first_day=period.first_day + timedelta(days=n * period.bucket_days),
            last_day=min(period.first_day + timedelta(days=(n + 1) * period.bucket_days - 1), period.last_day),
        )
        for n in range(period.bucket_count)
    )
    totals: dict[str, Sales] = defaultdict(Sales)
    previous_totals: dict[str, Sales] = defaultdict(Sales)
    daily = (
        sales.annotate(day=TruncDate("created_at", tzinfo=zone))
        .values("day", "currency")
        .annotate(orders=Count("pk"), revenue=Sum("total"))
        .order_by()
    )
    for row in daily:
        current = row["day"] >= period.first_day
        offset = (row["day"] - (period.first_day if current else period.first_day - timedelta(days=days))).days
        bucket = buckets[offset // period.bucket_days]
        for target in ((bucket.current, totals) if current else (bucket.previous, previous_totals)):
            target[row["currency"]].orders += row["orders"]
            target[row["currency"]].revenue += row["revenue"]

    products = _product_figures(store=store, period=period, now=now)
    ranked = sorted(products.values(), key=lambda p: (-p.units, p.title.casefold(), p.pk))
    lines = _sold_lines(store=store, period=period, now=now)
    chats = _chat_conversion(store=store, period=period, now=now)
    currencies = tuple(sorted(set(totals) | set(previous_totals))) or (store.currency,)
    return StoreAnalytics(
        period=period,
        currencies=currencies,
        buckets=buckets,
        totals=dict(totals),
        previous_totals=dict(previous_totals),
        products=tuple(ranked),
        top_products=tuple(p for p in ranked if p.units)[:TOP_PRODUCTS],
        conversion=_funnel(store=store, period=period, now=now, chats=chats),
        units_sold=lines["units"],
        units_returned=lines["returned"],
    )


def _period_lines(store: Store, period: Period, now: datetime):
    return OrderItem.objects.filter(
        order__store=store, order__created_at__gte=period.starts, order__created_at__lte=now
    ).exclude(order__status__in=NOT_SALES)


def _sold_lines(*, store: Store, period: Period, now: datetime) -> dict[str, int]:
    """Units sold in the period's orders, and those of them sent back in an accepted return."""
    units = _period_lines(store, period, now).aggregate(units=Sum("quantity"))["units"] or 0
    returned = (
        ReturnLine.objects.filter(request__status__in=ACCEPTED, item__in=_period_lines(store, period, now))
        .aggregate(units=Sum("quantity"))["units"]
        or 0
    )
    return {"units": units, "returned": returned}


def _product_figures(*, store: Store, period: Period, now: datetime) -> dict[int, ProductFigures]:
    products = {
        row["pk"]: ProductFigures(
            pk=row["pk"],
            title=row["title"],
            stock=row["stock"] or 0,
            rating_avg=row["rating_avg"],
            rating_count=row["rating_count"],
        )
        for row in Product.objects.filter(store=store)
        .exclude(status=Product.Status.ARCHIVED)
        .values("pk", "title", "rating_avg", "rating_count")
        .annotate(stock=Sum("variants__stock"))
        .order_by()
    }
    lines = (
        _period_lines(store, period, now)
        .filter(variant__product__in=list(products))
        .values("variant__product", "order__currency")
        .annotate(units=Sum("quantity"), revenue=Sum("line_total"), orders=Count("order", distinct=True))
        .order_by()
    )
    for row in lines:
        figures = products[row["variant__product"]]
        figures.units += row["units"]
        figures.orders += row["orders"]
        figures.revenue[row["order__currency"]] = row["revenue"]
    returned = (
        ReturnLine.objects.filter(request__status__in=ACCEPTED, item__in=_period_lines(store, period, now))
        .filter(item__variant__product__in=list(products))
        .values("item__variant__product")
        .annotate(units=Sum("quantity"))
        .order_by()
    )
    for row in returned:
        products[row["item__variant__product"]].returned = row["units"]
    stats = (
        ProductDayStats.objects.filter(product__in=list(products), day__gte=period.first_day, day__lte=period.last_day)
        .values("product")
        .annotate(views=Sum("views"), cart_adds=Sum("cart_adds"))
        .order_by()
    )
    for row in stats:
        products[row["product"]].views = row["views"]
        products[row["product"]].cart_adds = row["cart_adds"]
    for figures in products.values():
        if figures.units:
            # Stock over the average units sold a day in the period.
            cover = Decimal(figures.stock) * period.days / figures.units
            figures.days_of_cover = cover.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return products


def _funnel(*, store: Store, period: Period, now: datetime, chats: dict[str, int]) -> Conversion:
    """Views, adds to cart and orders per product and store day: a day's adds count up to its
    views, its cart orders (not won at auction, not from a chat offer) up to those adds; the
    rest of the products' orders came another way. Two queries."""
    steps: dict[tuple[int, date], list[int]] = defaultdict(lambda: [0, 0, 0])  # views, adds, cart orders
    for row in ProductDayStats.objects.filter(product__store=store, day__gte=period.first_day, day__lte=period.last_day).values(
        "product", "day", "views", "cart_adds"
    ):
        steps[row["product"], row["day"]][:2] = [row["views"], row["cart_adds"]]
    from_cart = Q(listing_type=Product.Listing.FIXED, order__chat_offer__isnull=True, variant__isnull=False)
    ordered = (
        _period_lines(store, period, now)
        .annotate(day=TruncDate("order__created_at", tzinfo=ZoneInfo(store.time_zone)))
        .values("variant__product", "day")
        .annotate(orders=Count("order", distinct=True), from_cart=Count("order", distinct=True, filter=from_cart))
        .order_by()
    )
    all_orders = 0
    for row in ordered:
        all_orders += row["orders"]
        if row["from_cart"]:
            steps[row["variant__product"], row["day"]][2] = row["from_cart"]
    views = adds = orders = 0
    for day_views, day_adds, day_orders in steps.values():
        day_adds = min(day_adds, day_views)
        views, adds, orders = views + day_views, adds + day_adds, orders + min(day_orders, day_adds)
    return Conversion(
        views=views,
        cart_adds=adds,
        orders=orders,
        orders_elsewhere=all_orders - orders,
        chats=chats["started"],
        chats_ordered=chats["ordered"],
    )


def _chat_conversion(*, store: Store, period: Period, now: datetime) -> dict[str, int]:
    """Conversations with the store that shoppers opened in the period, and how many of
    those shoppers then placed an order with the store (one that counts as a sale) before
    the period ended."""
    ordered_after = (
        Order.objects.filter(store=store, buyer=OuterRef("buyer"), created_at__gte=OuterRef("created_at"), created_at__lte=now)
        .exclude(status__in=NOT_SALES)
    )
    return (
        Conversation.objects.filter(store=store, kind=Conversation.Kind.STORE, created_at__gte=period.starts, created_at__lte=now)
        .aggregate(started=Count("pk"), ordered=Count("pk", filter=Q(Exists(ordered_after))))
    )
