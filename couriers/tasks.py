import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import jobs_flag_untaken

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def jobs_flag_untaken_task() -> int:
    """Every minute: board jobs nobody took within SOKO_JOB_UNTAKEN_MINUTES are flagged to
    their stores, once each."""
    flagged = jobs_flag_untaken()
    if flagged:
        log.info("delivery jobs flagged as not taken: %s", flagged)
    return flagged
