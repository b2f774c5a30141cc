import logging

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import guest_carts_forget

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="0"))
def guest_carts_forget_task() -> int:
    """Every hour: delete guest carts untouched for SOKO_GUEST_CART_DAYS. Safe to repeat."""
    deleted = guest_carts_forget(older_than_days=settings.SOKO_GUEST_CART_DAYS)
    log.info("guest carts forgotten: %s", deleted)
    return deleted
