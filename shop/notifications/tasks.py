from huey.contrib.djhuey import db_task

from shop.core.jobs import job

from .services import notification_email_send, notify


@job("notifications.email_send")
@db_task(retries=3, retry_delay=30)
def notification_email_send_task(notification_id: int) -> bool:
    return notification_email_send(notification_id=notification_id)


@db_task()
def notify_task(user_id: int, kind: str, text: str, url: str = "") -> int:
    """Notify from the background (used by jobs that run away from a request)."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(pk=user_id)
    return notify(user=user, kind=kind, text=text, url=url).pk
