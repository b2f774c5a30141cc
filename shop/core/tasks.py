"""Background jobs that belong to no single app. Tasks are thin: they call a service."""

import logging

from django.core.mail import EmailMultiAlternatives
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, task

log = logging.getLogger(__name__)


@task(retries=3, retry_delay=30)
def send_email_task(*, subject: str, body: str, to: list[str], from_email: str | None = None, html: str | None = None):
    message = EmailMultiAlternatives(subject, body, from_email, to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


@db_periodic_task(crontab(minute="*"))
def sweep():
    """Every minute: finish what a crash or a dropped task left undone. Safe to run
    any number of times; later features add their own steps here."""
    from django.conf import settings

    from shop.cart.services import guest_carts_forget
    from shop.notifications.services import notifications_sweep

    result = notifications_sweep()
    result["guest_carts_deleted"] = guest_carts_forget(older_than_days=settings.SOKO_GUEST_CART_DAYS)
    log.info("sweep: %s", result)
    return result
