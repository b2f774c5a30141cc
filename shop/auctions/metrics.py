"""What auctions tell ``/metrics`` (shop.core.metrics): auctions past their end and not closed,
and how late the last hour's closings came after ``ends_at``."""

from datetime import timedelta

from django.db.models import F, Max
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from shop.core.metrics import metrics_source

from .models import Auction


@metrics_source
def auctions_metrics():
    now = timezone.now()
    overdue = GaugeMetricFamily("soko_auctions_overdue", "Auctions past their end that have not closed.")
    overdue.add_metric([], Auction.objects.filter(status__in=Auction.OPEN, ends_at__lt=now).count())
    yield overdue
    closed = Auction.objects.filter(closed_at__gte=now - timedelta(hours=1), closed_at__isnull=False)
    latest = closed.aggregate(lag=Max(F("closed_at") - F("ends_at")))["lag"]
    lag = GaugeMetricFamily("soko_auction_close_lag_seconds", "Longest delay in the last hour between an auction's end and its closing.")
    lag.add_metric([], max(latest.total_seconds(), 0) if latest else 0)
    yield lag
