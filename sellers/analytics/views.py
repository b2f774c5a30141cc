"""The store's analytics under /dashboard/analytics/: sales against the period before,
products, conversion and returns (``sellers.analytics.selectors.figures``), drawn as charts with a table
each, and the sales as a CSV file."""

import csv

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from shop.core.selectors.currencies import currency_places, money_quantize

from ..decorators import current_store, dashboard_context, seller_required
from .forms import AnalyticsPeriodForm
from .selectors.figures import Bucket, StoreAnalytics, store_analytics
from .selectors.forecast import Forecast, early_estimate, store_forecasts, store_today

CSV_COLUMNS = ("first_day", "last_day", "currency", "orders", "revenue", "previous_orders", "previous_revenue")


def _analytics(request) -> tuple[StoreAnalytics, AnalyticsPeriodForm, object]:
    current = current_store(request)
    days, group = AnalyticsPeriodForm(request.GET).choice()
    figures = store_analytics(store=current.store, now=timezone.now(), days=days, grouping=group)
    return figures, AnalyticsPeriodForm({"days": days, "group": group}), current


def bucket_label(bucket: Bucket) -> str:
    if bucket.first_day == bucket.last_day:
        return date_format(bucket.first_day, "j M")
    return f"{date_format(bucket.first_day, 'j M')} – {date_format(bucket.last_day, 'j M')}"


def table_amount(amount, currency: str) -> str:
    """A table cell's amount, its currency in the column heading: grouped digits in the
    currency's minor unit. Django's number format, not the money filter, because a 90-day
    table holds hundreds of them and Babel's formatting costs ten times as much each."""
    places = currency_places(currency)
    return number_format(money_quantize(amount, currency), decimal_pos=places, use_l10n=True, force_grouping=True)


def _forecast_data(forecast: Forecast | None) -> dict | None:
    if not forecast or not forecast.weeks:
        return None
    return {
        "labels": [date_format(week.starts, "j M") for week in forecast.weeks],
        "expected_label": _("Expected units"),
        "band_label": _("Likely range"),
        "expected": [str(week.expected) for week in forecast.weeks],
        "low": [str(week.low) for week in forecast.weeks],
        "high": [str(week.high) for week in forecast.weeks],
    }


def _chart_data(figures: StoreAnalytics, forecast: Forecast | None) -> dict:
    """What sellers/static/sellers/analytics.js draws; amounts as Decimal strings."""
    buckets = figures.buckets
    return {
        "forecast": _forecast_data(forecast),
        "labels": [bucket_label(bucket) for bucket in buckets],
        "current_label": _("This period"),
        "previous_label": _("Previous period"),
        "orders": {
            "current": [bucket.orders for bucket in buckets],
            "previous": [bucket.previous_orders for bucket in buckets],
        },
        "revenue": {
            currency: {
                "current": [str(money_quantize(bucket.current[currency].revenue, currency)) for bucket in buckets],
                "previous": [str(money_quantize(bucket.previous[currency].revenue, currency)) for bucket in buckets],
            }
            for currency in figures.currencies
        },
    }


@seller_required
@require_GET
def analytics(request):
    figures, form, current = _analytics(request)
    forecast, product_forecasts = store_forecasts(current.store)
    context = {
        **dashboard_context(request, current),
        "dashboard_section": "analytics",
        "form": form,
        "figures": figures,
        "rows": [(bucket_label(bucket), bucket) for bucket in figures.buckets],
        "revenue_tables": [
            (
                currency,
                [
                    (
                        bucket_label(bucket),
                        table_amount(bucket.current[currency].revenue, currency),
                        table_amount(bucket.previous[currency].revenue, currency),
                    )
                    for bucket in figures.buckets
                ],
            )
            for currency in figures.currencies
        ],
        "forecast": forecast,
        "early_estimate": None if forecast and forecast.weeks else early_estimate(current.store, today=store_today(current.store)),
        "product_forecasts": [(item, item.next_weeks(4)) for item in product_forecasts],
        "forecast_min_weeks": settings.SOKO_FORECAST_MIN_DAYS // 7,
        "chart_data": _chart_data(figures, forecast),
        "query": request.GET.urlencode(),
    }
    return render(request, "sellers/analytics.html", context)


@seller_required
@require_GET
def analytics_csv(request):
    figures, _form, current = _analytics(request)
    period = figures.period
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"{current.store.slug}-sales-{period.first_day:%Y%m%d}-{period.last_day:%Y%m%d}-{period.grouping}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for bucket in figures.buckets:
        for currency in figures.currencies:
            now, before = bucket.current[currency], bucket.previous[currency]
            writer.writerow(
                (
                    bucket.first_day.isoformat(),
                    bucket.last_day.isoformat(),
                    currency,
                    now.orders,
                    money_quantize(now.revenue, currency),
                    before.orders,
                    money_quantize(before.revenue, currency),
                )
            )
    return response
