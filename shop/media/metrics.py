"""What media tells ``/metrics`` (shop.core.metrics): pictures that could not be prepared,
and renditions by where their IPFS pin stands."""

from django.db.models import Count
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from shop.core.metrics import metrics_source

from .models import RenditionPin, StoredImage


@metrics_source
def media_metrics():
    failed = CounterMetricFamily("soko_image_failures", "Uploaded pictures that could not be prepared.")
    failed.add_metric([], StoredImage.objects.filter(status=StoredImage.Status.FAILED).count())
    yield failed
    pins = GaugeMetricFamily(
        "soko_ipfs_pins", "Renditions handed to the IPFS pinning service, by pin status.", labels=["status"]
    )
    counted = dict(RenditionPin.objects.values_list("status").annotate(count=Count("id")).order_by())
    for status in RenditionPin.Status.values:
        pins.add_metric([status], counted.get(status, 0))
    yield pins
