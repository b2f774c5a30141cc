import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import review_requests_send

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def review_requests_task() -> dict:
    """Every minute: ask buyers of newly delivered orders for reviews (a notification), and
    email those delivered ``SOKO_REVIEW_EMAIL_HOURS`` ago. Safe to run any number of times."""
    done = review_requests_send()
    if any(done.values()):
        log.info("reviews: %s", done)
    return done
