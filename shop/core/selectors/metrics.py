"""What core knows for ``/metrics``: the job queue and the worker's heartbeat."""

from prometheus_client.core import GaugeMetricFamily

from ..metrics import metrics_source
from ..models import PendingJob
from .heartbeat import WORKER, heartbeat_age


@metrics_source
def core_metrics():
    from huey.contrib.djhuey import HUEY

    queue = GaugeMetricFamily("soko_queue_depth", "Jobs waiting in the queue (-1: the queue cannot be read).")
    try:
        queue.add_metric([], HUEY.pending_count())
    except Exception:
        queue.add_metric([], -1)
    yield queue
    kept = GaugeMetricFamily("soko_jobs_kept", "Jobs kept in the database because the queue could not take them.")
    kept.add_metric([], PendingJob.objects.count())
    yield kept
    beat = GaugeMetricFamily("soko_worker_heartbeat_age_seconds", "Seconds since a worker last said it was alive.")
    age = heartbeat_age(WORKER)
    if age is not None:
        beat.add_metric([], age.total_seconds())
    yield beat
