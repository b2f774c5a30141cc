import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .stamp import catalog_changes_prune

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/10"))
def catalog_changes_prune_task() -> int:
    """Every ten minutes: keep the catalog's change log short, so its stamp stays one cheap query."""
    deleted = catalog_changes_prune()
    if deleted:
        log.info("catalog changes pruned: %s", deleted)
    return deleted
