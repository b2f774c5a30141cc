"""Reads of the sales forecasts: the stores and sales a forecast is fitted on (the nightly
job in ``sellers.analytics.services.forecast``), and the stored forecasts the analytics page
and the low-stock alerts read."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db.models import Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from shop.orders.models import OrderItem

from ...models import SalesForecast, Store
from .overview import NOT_SALES

HISTORY_DAYS = 364
TOP_PRODUCTS = 5
TOP_PRODUCTS_DAYS = 90


@dataclass(frozen=True)
class Week:
    starts: date
    expected: Decimal
    low: Decimal
    high: Decimal

    def as_json(self) -> dict:
        return {"starts": self.starts.isoformat(), "expected": str(self.expected), "low": str(self.low), "high": str(self.high)}

    @classmethod
    def from_json(cls, data: dict) -> "Week":
        return cls(
            starts=date.fromisoformat(data["starts"]),
            expected=Decimal(data["expected"]),
            low=Decimal(data["low"]),
            high=Decimal(data["high"]),
        )


def store_today(store: Store, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(ZoneInfo(store.time_zone)).date()


def daily_units(store: Store, *, today: date, product_ids=None) -> dict[int | None, dict[date, int]]:
    """Units sold per day of the store's calendar over the last year before today: for the
    whole store (key None), and for each of ``product_ids``. Two queries."""
    zone = ZoneInfo(store.time_zone)
    starts = datetime.combine(today - timedelta(days=HISTORY_DAYS), datetime.min.time(), tzinfo=zone)
    ends = datetime.combine(today, datetime.min.time(), tzinfo=zone)
    sold = (
        OrderItem.objects.filter(order__store=store, order__created_at__gte=starts, order__created_at__lt=ends)
        .exclude(order__status__in=NOT_SALES)
        .annotate(day=TruncDate("order__created_at", tzinfo=zone))
    )
    series: dict[int | None, dict[date, int]] = {None: {}}
    for row in sold.values("day").annotate(units=Sum("quantity")):
        series[None][row["day"]] = row["units"]
    if product_ids:
        for product_id in product_ids:
            series[product_id] = {}
        per_product = sold.filter(variant__product_id__in=product_ids).values("variant__product_id", "day").annotate(units=Sum("quantity"))
        for row in per_product:
            series[row["variant__product_id"]][row["day"]] = row["units"]
    return series


def best_sellers(store: Store, *, today: date) -> list[int]:
    """The store's best sellers by units over the last ``TOP_PRODUCTS_DAYS`` days."""
    since = datetime.combine(today - timedelta(days=TOP_PRODUCTS_DAYS), datetime.min.time(), tzinfo=ZoneInfo(store.time_zone))
    rows = (
        OrderItem.objects.filter(order__store=store, order__created_at__gte=since, variant__isnull=False)
        .exclude(order__status__in=NOT_SALES)
        .values("variant__product_id")
        .annotate(units=Sum("quantity"))
        .order_by("-units", "variant__product_id")[:TOP_PRODUCTS]
    )
    return [row["variant__product_id"] for row in rows]


def stores_to_forecast(now: datetime | None = None) -> list[int]:
    """Stores that sold anything in the last year."""
    since = (now or timezone.now()) - timedelta(days=HISTORY_DAYS + 1)
    return list(
        OrderItem.objects.filter(order__created_at__gte=since)
        .exclude(order__status__in=NOT_SALES)
        .values_list("order__store_id", flat=True)
        .distinct()
        .order_by("order__store_id")
    )


@dataclass(frozen=True)
class Forecast:
    title: str  # the product's, empty for the whole store
    made_on: date
    history_days: int
    weeks: tuple[Week, ...]  # empty: too little history

    def next_weeks(self, count: int) -> tuple[Decimal, Decimal, Decimal]:
        """Expected units over the first ``count`` weeks, with the sum of their bands."""
        first = self.weeks[:count]
        return (sum((w.expected for w in first), Decimal(0)), sum((w.low for w in first), Decimal(0)), sum((w.high for w in first), Decimal(0)))


def store_forecasts(store: Store) -> tuple[Forecast | None, tuple[Forecast, ...]]:
    """The store's latest forecast (None: not made yet) and its best sellers'. One query."""
    rows = SalesForecast.objects.filter(store=store).select_related("product").order_by("product__title", "pk")
    whole, products = None, []
    for row in rows:
        forecast = Forecast(
            title=row.product.title if row.product else "",
            made_on=row.made_on,
            history_days=row.history_days,
            weeks=tuple(Week.from_json(data) for data in row.weeks),
        )
        if row.product_id is None:
            whole = forecast
        else:
            products.append(forecast)
    return whole, tuple(products)


# The 10th and 90th percentiles of a normal curve: the early estimate's band, like the forecast's.
BAND_Z = Decimal("1.2816")


@dataclass(frozen=True)
class EarlyEstimate:
    """A store too new for a fitted forecast: its average week so far, with the range a week
    of sales at that rate falls in 8 times in 10 (Poisson), labelled as such on the page."""

    days: int  # from the first sale to yesterday
    units: int
    per_week: Decimal
    low: Decimal
    high: Decimal


def early_estimate(store: Store, *, today: date) -> EarlyEstimate | None:
    """None: nothing sold before today. One query, no forecasting library."""
    sold = daily_units(store, today=today)[None]
    if not sold:
        return None
    days = (today - min(sold)).days
    units = sum(sold.values())
    per_week = Decimal(units * 7) / days
    spread = BAND_Z * per_week.sqrt()
    tenth = Decimal("0.1")
    return EarlyEstimate(
        days=days,
        units=units,
        per_week=per_week.quantize(tenth, rounding=ROUND_HALF_UP),
        low=max(per_week - spread, Decimal(0)).quantize(tenth, rounding=ROUND_HALF_UP),
        high=(per_week + spread).quantize(tenth, rounding=ROUND_HALF_UP),
    )
