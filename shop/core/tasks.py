"""Background jobs that belong to no single app. Tasks are thin: they call a service.

Each app owns its periodic clean-up (``shop.notifications.tasks``, ``shop.cart.tasks``):
core knows none of them."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, task

from .jobs import jobs_pending_enqueue
from .services.mail import PermanentMailError, mail_send

logger = logging.getLogger(__name__)


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
