import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from shop.core.jobs import job

from .services.loyalty import points_expire
from .services.sales import sale_end, sale_start, sales_tick

log = logging.getLogger(__name__)


@job("promotions.sale_start")
@db_task(retries=3, retry_delay=30)
def sale_start_task(sale_id: int) -> bool:
    return sale_start(sale_id=sale_id)


@job("promotions.sale_end")
@db_task(retries=3, retry_delay=30)
def sale_end_task(sale_id: int) -> bool:
    return sale_end(sale_id=sale_id)


@db_periodic_task(crontab(minute="*"))
def sales_tick_task() -> tuple[int, int]:
    """Every minute: start and end the sales whose moment has come (behind the jobs
    scheduled for the exact moments, and after a worker was down)."""
    started, ended = sales_tick()
    if started or ended:
        log.info("sales: %s started, %s ended", started, ended)
    return started, ended


@db_periodic_task(crontab(minute="17"))
def points_expire_task() -> int:
    """Every hour: what is left of loyalty points past their date expires."""
    expired = points_expire()
    if expired:
        log.info("loyalty: %s lots of points expired", expired)
    return expired
