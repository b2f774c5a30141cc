"""What payments tell ``/metrics`` (shop.core.metrics): attempts by method and outcome, flags
raised, and provider webhooks waiting to be processed."""

from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from shop.core.metrics import metrics_source

from .models import PaymentAttempt, PaymentFlag, ProviderEvent


@metrics_source
def payments_metrics():
    attempts = CounterMetricFamily(
        "soko_payment_attempts", "Payment attempts by method and where they stand.", labels=["method", "status"]
    )
    for row in PaymentAttempt.objects.values("gateway", "status").annotate(n=Count("id")).order_by():
        attempts.add_metric([row["gateway"], row["status"]], row["n"])
    yield attempts
    flags = CounterMetricFamily("soko_payment_flags", "Payments held for staff (amount, currency or account mismatches).")
    flags.add_metric([], PaymentFlag.objects.count())
    yield flags
    waiting = ProviderEvent.objects.filter(processed_at__isnull=True).aggregate(n=Count("id"), oldest=Min("received_at"))
    backlog = GaugeMetricFamily("soko_webhooks_waiting", "Provider webhooks received and not yet processed.")
    backlog.add_metric([], waiting["n"])
    yield backlog
    lag = GaugeMetricFamily("soko_webhook_lag_seconds", "Age of the oldest webhook waiting to be processed (0: none).")
    lag.add_metric([], (timezone.now() - waiting["oldest"]).total_seconds() if waiting["oldest"] else 0)
    yield lag
