import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .complaints.services import complaint_deadlines_run

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/5"))
def complaint_deadlines_task() -> dict:
    """Every five minutes: remind parties whose answer to staff is late (once), hand twice
    lapsed complaints to staff, close resolved complaints after the close delay. Safe to run
    any number of times, in several workers at once."""
    done = complaint_deadlines_run()
    if any(done.values()):
        log.info("complaints: %s", done)
    return done
