import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .accounts.services import suspensions_expire

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/5"))
def suspensions_expire_task() -> int:
    """Every five minutes: accounts whose suspension has ended are in good standing again
    (logged once each; the pages' checks compare the end time anyway, so nothing waits on
    this). Safe to run any number of times, in several workers at once."""
    done = suspensions_expire()
    if done:
        log.info("suspensions ended: %s", done)
    return done
