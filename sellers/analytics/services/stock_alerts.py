"""Low-stock alerts: the store hears once each time a listing's stock crosses below what it
needs, and again only after the stock has been back above.

Two reasons: a variant at or below its own low-stock threshold, and a best seller whose stock
(all its variants) is below the units its forecast expects to sell in the next
``SOKO_LOW_STOCK_FORECAST_DAYS`` days. A sweep every few minutes opens an alert for each new
crossing (a database constraint keeps one open alert per variant or product and reason, so two
sweeps at once tell the store once) and closes the alerts whose stock has recovered. Only
physical items sold at a fixed price on sale are watched.
"""

from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from shop.catalog.models import Product, Variant
from shop.core.selectors.i18n import lazy_text
from shop.notifications.services.notifications import notify

from ...models import SalesForecast, StockAlert
from ..selectors.forecast import Week

WATCHED = {"product__status__in": Product.VISIBLE_STATUSES, "product__kind": Product.Kind.PHYSICAL,
           "product__listing_type": Product.Listing.FIXED}


def stock_alerts_sweep() -> tuple[int, int]:
    """Open the alerts of new crossings and tell their stores; close recovered ones. Returns
    (opened, closed)."""
    closed = _close_recovered()
    opened = sum(_open(alert) for alert in [*_threshold_crossings(), *_forecast_crossings()])
    return opened, closed


def _threshold_crossings() -> list[StockAlert]:
    open_alert = StockAlert.objects.filter(variant=OuterRef("pk"), reason=StockAlert.Reason.THRESHOLD, closed_at__isnull=True)
    low = (
        Variant.objects.filter(stock__lte=F("low_stock_threshold"), **WATCHED)
        .exclude(Exists(open_alert))
        .select_related("product")
    )
    return [
        StockAlert(
            store_id=variant.product.store_id, product=variant.product, variant=variant,
            reason=StockAlert.Reason.THRESHOLD, stock=variant.stock, needed=Decimal(variant.low_stock_threshold),
        )
        for variant in low
    ]


def forecast_demand(forecast: SalesForecast) -> Decimal:
    """Units the forecast expects over the next ``SOKO_LOW_STOCK_FORECAST_DAYS`` days (a
    part-week counted pro rata)."""
    days = settings.SOKO_LOW_STOCK_FORECAST_DAYS
    demand = Decimal(0)
    for week in (Week.from_json(data) for data in forecast.weeks):
        share = min(days, 7)
        demand += week.expected * share / 7
        days -= share
        if days <= 0:
            break
    return demand.quantize(Decimal("0.1"))


def _product_stock() -> dict[int, int]:
    forecast_products = SalesForecast.objects.filter(product__isnull=False).exclude(weeks=[]).values("product_id")
    return dict(
        Variant.objects.filter(product_id__in=forecast_products, **WATCHED)
        .values("product_id")
        .annotate(stock=Sum("stock"))
        .values_list("product_id", "stock")
    )


def _forecast_crossings() -> list[StockAlert]:
    stock = _product_stock()
    forecasts = SalesForecast.objects.filter(product_id__in=stock).select_related("product")
    already = set(
        StockAlert.objects.filter(reason=StockAlert.Reason.FORECAST, closed_at__isnull=True).values_list("product_id", flat=True)
    )
    alerts = []
    for forecast in forecasts:
        needed = forecast_demand(forecast)
        if forecast.product_id not in already and stock[forecast.product_id] < needed:
            alerts.append(
                StockAlert(
                    store_id=forecast.store_id, product=forecast.product, reason=StockAlert.Reason.FORECAST,
                    stock=stock[forecast.product_id], needed=needed,
                )
            )
    return alerts


def _close_recovered() -> int:
    now = timezone.now()
    closed = StockAlert.objects.filter(
        reason=StockAlert.Reason.THRESHOLD, closed_at__isnull=True, variant__stock__gt=F("variant__low_stock_threshold")
    ).update(closed_at=now)
    stock = _product_stock()
    open_forecast = StockAlert.objects.filter(reason=StockAlert.Reason.FORECAST, closed_at__isnull=True)
    needed = {f.product_id: forecast_demand(f) for f in SalesForecast.objects.filter(product_id__in=open_forecast.values("product_id"))}
    recovered = [
        alert.pk for alert in open_forecast
        if alert.product_id not in needed or stock.get(alert.product_id, 0) >= needed[alert.product_id]
    ]
    return closed + open_forecast.filter(pk__in=recovered).update(closed_at=now)


def _open(alert: StockAlert) -> bool:
    try:
        with transaction.atomic():
            alert.save()
            _tell_store(alert)
    except IntegrityError:  # another sweep opened it first
        return False
    return True


def _tell_store(alert: StockAlert) -> None:
    if alert.reason == StockAlert.Reason.THRESHOLD and alert.stock == 0:
        text = lazy_text(
            gettext_lazy("%(product)s (%(variant)s) is sold out. Restock it to sell it again."),
            product=alert.product.title, variant=alert.variant.name,
        )
    elif alert.reason == StockAlert.Reason.THRESHOLD:
        text = lazy_text(
            gettext_lazy("%(product)s (%(variant)s) is running low: %(stock)s left. Time to restock."),
            product=alert.product.title, variant=alert.variant.name, stock=alert.stock,
        )
    else:
        text = lazy_text(
            gettext_lazy("%(product)s: %(stock)s left, about %(needed)s likely to sell in the next %(days)s days."),
            product=alert.product.title, stock=alert.stock, needed=round(alert.needed), days=settings.SOKO_LOW_STOCK_FORECAST_DAYS,
        )
    url = reverse("sellers:product_edit", args=[alert.product_id])
    for member in alert.store.members.all():
        notify(user=member, kind="stock", text=text, url=url, email=True)
