"""The watcher's jobs: every minute, and once soon after a buyer's wallet reports a deposit.
One pass at a time (a Huey lock): a pass that finds the lock taken is skipped, since the
running one reads the same chain."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from shop.core.jobs import job

from .callbacks import crypto_watch

WATCH_LOCK = "payments.crypto_watch"


@db_periodic_task(crontab(minute="*"))
@lock_task(WATCH_LOCK)
def crypto_watch_task() -> dict:
    """Every minute: stablecoin deposits followed to their confirmations (or un-confirmed)."""
    return crypto_watch()


@job("payments.crypto_watch_soon")
@db_task()
@lock_task(WATCH_LOCK)
def crypto_watch_soon_task() -> dict:
    """A pass right after a wallet reported a transaction, so the page moves without waiting a minute."""
    return crypto_watch()
