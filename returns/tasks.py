"""The returns app's background jobs."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import returns_refund_overdue


@db_periodic_task(crontab(minute="17"))
def returns_refund_overdue_task() -> int:
    """Every hour: returns the store received but neither refunded nor disputed within
    ``SOKO_RETURN_INSPECTION_DAYS`` are refunded (each once, under its return's key)."""
    return returns_refund_overdue()
