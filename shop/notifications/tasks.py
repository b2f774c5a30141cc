import logging

from django.contrib.auth import get_user_model
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from shop.core.jobs import job

from .services.notifications import notification_email_send, notifications_sweep, notify

log = logging.getLogger(__name__)


@job("notifications.email_send")
@db_task(retries=3, retry_delay=30)
def notification_email_send_task(notification_id: int) -> bool:
    return notification_email_send(notification_id=notification_id)


@db_task()
def notify_task(user_id: int, kind: str, text: str, url: str = "") -> int:
    """Notify from the background (used by jobs that run away from a request)."""
    user = get_user_model().objects.get(pk=user_id)
    return notify(user=user, kind=kind, text=text, url=url).pk


@db_periodic_task(crontab(minute="*"))
def notifications_sweep_task() -> dict:
    """Every minute: retry email copies a crash or a dropped task left unsent, and forget
    old read notifications. Safe to run any number of times."""
    result = notifications_sweep()
    log.info("notifications sweep: %s", result)
    return result
