"""The staff dashboard, the admin's landing page: today's orders and sales, payments
waiting, the queue, and the last fortnight's orders and reports per day.

Figures are read by a fixed number of queries whatever the number of rows, each part
only for staff allowed to see it. "Today" and the days are in the staff member's time zone.

- Orders counted are those placed in the period and not cancelled or refunded.
- GMV (gross merchandise value) is their totals (items and delivery), per currency: amounts
  in different currencies are never added together.
- Payments pending are checkouts waiting for an online payment.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from shop.orders.models import Checkout, Order, OrderStatus
from shop.payments.models import PaymentStatus

from ..models import Report
from .queue import KINDS, queue_counts_for_user

DAYS = 14
NOT_SOLD = [OrderStatus.CANCELLED, OrderStatus.REFUNDED]


def _start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _per_day(queryset, days: list[date]) -> list[int]:
    counts = {
        row["day"]: row["n"]
        for row in queryset.annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(n=Count("id"))
        .order_by()
    }
    return [counts.get(day, 0) for day in days]


def _series(label: str, days: list[date], values: list[int]) -> dict:
    return {
        "label": label,
        "days": [date_format(day, "j M") for day in days],
        "dates": [day.isoformat() for day in days],
        "values": values,
        "rows": list(zip((date_format(day, "D j M") for day in days), values, strict=True)),
    }


def dashboard_for_user(user, *, now: datetime | None = None) -> dict:
    """The dashboard's figures that ``user`` may see (absent parts are not theirs to see)."""
    today = timezone.localdate(now)
    days = [today - timedelta(days=n) for n in range(DAYS - 1, -1, -1)]
    start_today, start_week, start_series = _start(today), _start(today - timedelta(days=6)), _start(days[0])
    figures: dict = {"today": today}

    if user.has_perm("orders.view_order"):
        sold = Order.objects.exclude(status__in=NOT_SOLD)
        is_today = Q(created_at__gte=start_today)
        per_currency = list(
            sold.filter(created_at__gte=start_week)
            .values("currency")
            .annotate(
                today_count=Count("id", filter=is_today),
                today_total=Sum("total", filter=is_today),
                week_count=Count("id"),
                week_total=Sum("total"),
            )
            .order_by("currency")
        )
        figures["orders_today"] = sum(row["today_count"] for row in per_currency)
        figures["gmv"] = [
            {
                "currency": row["currency"],
                "today": row["today_total"] or Decimal("0"),
                "today_count": row["today_count"],
                "week": row["week_total"] or Decimal("0"),
                "week_count": row["week_count"],
            }
            for row in per_currency
        ]
        figures["orders_series"] = _series(gettext("Orders"), days, _per_day(sold.filter(created_at__gte=start_series), days))
        figures["orders_url"] = reverse("admin:orders_order_changelist")

    if user.has_perm("orders.view_checkout") or user.has_perm("payments.view_paymentattempt"):
        figures["payments_pending"] = [
            {"currency": row["currency"], "count": row["n"], "total": row["total"] or Decimal("0")}
            for row in Checkout.objects.filter(payment_status=PaymentStatus.AWAITING)
            .values("currency")
            .annotate(n=Count("id"), total=Sum("total"))
            .order_by("currency")
        ]
        figures["payments_pending_count"] = sum(row["count"] for row in figures["payments_pending"])

    counts = queue_counts_for_user(user)
    if counts:
        queue_url = reverse("admin:moderation_queue")
        figures["queue"] = [
            {"key": key, "label": KINDS[key].label, "count": count, "url": f"{queue_url}?kind={key}"} for key, count in counts.items()
        ]
        figures["queue_total"] = sum(counts.values())
        figures["queue_url"] = queue_url

    if user.has_perm("moderation.view_report"):
        figures["reports_series"] = _series(gettext("Reports"), days, _per_day(Report.objects.filter(created_at__gte=start_series), days))
    return figures


def chart_data(figures: dict) -> dict:
    """What the dashboard's script draws, as plain JSON."""
    return {
        key: {"label": figures[key]["label"], "days": figures[key]["days"], "values": figures[key]["values"]}
        for key in ("orders_series", "reports_series")
        if key in figures
    }
