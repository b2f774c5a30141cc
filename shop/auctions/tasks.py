import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from shop.core.jobs import job

from .services import (
    auction_close,
    auctions_close_due,
    auctions_ending_soon_notify,
    auctions_start_due,
    offers_expire,
    unpaid_wins_settle,
)

log = logging.getLogger(__name__)


@job("auctions.close")
@db_task()
def auction_close_task(auction_id: int) -> bool:
    """At an auction's end time: close it (nothing when a bid moved the end, or it closed)."""
    return auction_close(auction_id=auction_id)


@db_periodic_task(crontab(minute="*"))
def auctions_tick_task() -> dict:
    """Every minute: start scheduled auctions, close ended ones (whatever the exact-time
    tasks missed), tell watchers of auctions ending soon, settle unpaid wins and expire
    second-chance offers. Each part is safe to run any number of times."""
    done = {
        "started": auctions_start_due(),
        "closed": auctions_close_due(),
        "ending_soon": auctions_ending_soon_notify(),
        "unpaid": unpaid_wins_settle(),
        "offers_expired": offers_expire(),
    }
    if any(done.values()):
        log.info("auctions: %s", done)
    return done
