"""Background jobs that belong to no single app. Tasks are thin: they call a service.

Each app owns its periodic clean-up (``shop.notifications.tasks``, ``shop.cart.tasks``):
core knows none of them."""

import logging

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, task

from .jobs import jobs_pending_enqueue
from .logs import job_context_enter, job_context_leave
from .services.heartbeat import heartbeat_beat
from .services.mail import PermanentMailError, mail_send

logger = logging.getLogger(__name__)

# Every job's log lines name the job and the request that queued it (shop.core.logs).
HUEY.pre_execute("soko_job_context")(job_context_enter)
HUEY.post_execute("soko_job_context")(job_context_leave)


@HUEY.pre_execute("soko_sentry_headers")
def sentry_headers_drop(task) -> None:
    """A process with Sentry's Huey integration (SENTRY_DSN set) adds its trace headers to
    every job it queues, and a worker with the integration takes them off before the job
    runs. A worker without it (no SENTRY_DSN there, or a deploy half done) takes them off
    here, so no job fails on an argument it does not know."""
    if task.kwargs:
        task.kwargs.pop("sentry_headers", None)


@task(retries=3, retry_delay=30)
def send_email_task(*, subject: str, body: str, to: list[str], from_email: str | None = None, html: str | None = None):
    """Send one email; a passing failure is retried (three times), a permanent one is logged."""
    try:
        mail_send(subject=subject, body=body, to=to, from_email=from_email, html=html)
    except PermanentMailError as exc:
        logger.warning("Email %r to %s not sent, and not retried: %s", subject, to, exc)


@db_periodic_task(crontab(minute="*"))
def jobs_pending_enqueue_task() -> int:
    """Every minute: queue the jobs that could not be queued while Redis was unreachable."""
    queued = jobs_pending_enqueue()
    if queued:
        logger.info("pending jobs queued: %s", queued)
    return queued


@db_periodic_task(crontab(minute="*"))
def worker_heartbeat_task() -> None:
    """Every minute: the worker says it is alive, for readiness probes (``/healthz/ready``)."""
    heartbeat_beat()
