"""``/metrics`` for Prometheus, behind a bearer token (``SOKO_METRICS_TOKEN``; without one the
address does not exist).

Two kinds of figures. Soko's own (payments by method and outcome, webhooks waiting, flags,
auctions past their end, the job queue, the worker's heartbeat, failed pictures) are read from
the database and Redis when Prometheus asks, so every web process answers the same whatever
the others did: each app registers what it knows with ``@metrics_source`` (core imports no
app). Requests (count and duration by status class), page-cache lookups and open sockets are
counted by the process that saw them (Prometheus scrapes every web and socket server); under gunicorn set ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder (site_config/gunicorn.py) and
the answer sums every worker's."""

import hmac
import os
from collections.abc import Callable, Iterable

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import Metric
from prometheus_client.multiprocess import MultiProcessCollector

_sources: list[Callable[[], Iterable[Metric]]] = []

REQUEST_SECONDS = Histogram(
    "soko_request_duration_seconds",
    "Time to answer a request, by method and status class (2xx, 3xx, 4xx, 5xx).",
    ["method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


PAGE_CACHE = Counter(
    "soko_page_cache_lookups", "Cached catalog pages asked for, found (hit) or rendered (miss).", ["result"]
)
SOCKETS_OPEN = Gauge("soko_sockets_open", "Sockets open on this server's processes.", multiprocess_mode="livesum")
PROCESS_METRICS = (REQUEST_SECONDS, PAGE_CACHE, SOCKETS_OPEN)


def metrics_source(source: Callable[[], Iterable[Metric]]):
    """Register a function yielding metric families, read on every scrape."""
    _sources.append(source)
    return source


def request_observe(method: str, status: int, seconds: float) -> None:
    REQUEST_SECONDS.labels(method if method in ("GET", "HEAD", "POST") else "other", f"{status // 100}xx").observe(seconds)


class _Sources:
    def collect(self):
        for source in _sources:
            yield from source()


def _authorised(request) -> bool:
    token = settings.SOKO_METRICS_TOKEN
    offered = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(offered.encode(), f"Bearer {token}".encode())


@never_cache
def metrics_view(request):
    if not settings.SOKO_METRICS_TOKEN:
        raise Http404("No metrics here.")
    if not _authorised(request):
        response = HttpResponse("A bearer token is needed.", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    registry = CollectorRegistry()
    registry.register(_Sources())
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_ProcessRequests())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


class _ProcessRequests:
    def collect(self):
        for metric in PROCESS_METRICS:
            yield from metric.collect()
