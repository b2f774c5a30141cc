import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services.activity import product_activity_flush
from .services.favorite_alerts import favorite_alerts_sweep
from .services.stamp import catalog_changes_prune

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/10"))
def catalog_changes_prune_task() -> int:
    """Every ten minutes: keep the catalog's change log short, so its stamp stays one cheap query."""
    deleted = catalog_changes_prune()
    if deleted:
        log.info("catalog changes pruned: %s", deleted)
    return deleted


@db_periodic_task(crontab(minute="*"))
def product_activity_flush_task() -> int:
    """Every minute: move the product views and cart adds counted in the cache into the
    daily figures. Two runs at once neither lose nor double a click."""
    return product_activity_flush()


@db_periodic_task(crontab(minute="*/5"))
def favorite_alerts_task() -> tuple[int, int]:
    """Every five minutes: tell shoppers of favourites that dropped in price or came back."""
    drops, back = favorite_alerts_sweep()
    if drops or back:
        log.info("favourite alerts: %s price drops, %s back in stock", drops, back)
    return drops, back
