import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import jobs_flag_untaken, jobs_of_ended_orders_withdraw

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def jobs_flag_untaken_task() -> int:
    """Every minute: board jobs nobody took within SOKO_JOB_UNTAKEN_MINUTES are flagged to
    their stores, once each."""
    flagged = jobs_flag_untaken()
    if flagged:
        log.info("delivery jobs flagged as not taken: %s", flagged)
    return flagged


@db_periodic_task(crontab(minute="*"))
def jobs_of_ended_orders_withdraw_task() -> int:
    """Every minute: delivery jobs still waiting for pickup whose order was cancelled (the
    follow-up after the cancel did not run) are withdrawn."""
    withdrawn = jobs_of_ended_orders_withdraw()
    if withdrawn:
        log.info("delivery jobs of ended orders withdrawn: %s", withdrawn)
    return withdrawn
