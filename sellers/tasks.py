import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from shop.core.jobs import job

from .analytics.selectors.forecast import stores_to_forecast
from .analytics.services.forecast import forecasts_prune, store_forecast
from .analytics.services.stock_alerts import stock_alerts_sweep
from .services import store_ens_check, stores_ens_recheck

log = logging.getLogger(__name__)


@job("sellers.store_ens_check")
@db_task(retries=2, retry_delay=60)
def store_ens_check_task(store_id: int) -> bool | None:
    return store_ens_check(store_id=store_id)


@db_periodic_task(crontab(hour="3", minute="15"))
def stores_ens_recheck_task() -> int:
    """Every night: check that each verified ENS name still points to the address that signed
    for it (a name sold or pointed elsewhere loses its badge)."""
    return stores_ens_recheck()


@db_periodic_task(crontab(hour="2", minute="30"))
def forecasts_nightly_task() -> int:
    """Every night: one forecast job per store that sold in the last year (the workers share
    them out), and forget the forecasts of stores that no longer sell."""
    stores = stores_to_forecast()
    forecasts_prune(keep=stores)
    for store_id in stores:
        store_forecast_task(store_id)
    return len(stores)


@db_task(retries=1, retry_delay=300)
def store_forecast_task(store_id: int) -> int:
    forecasted = store_forecast(store_id=store_id)
    log.info("store %s: %s forecasts", store_id, forecasted)
    return forecasted


@db_periodic_task(crontab(minute="*/5"))
def stock_alerts_sweep_task() -> tuple[int, int]:
    """Every five minutes: tell stores of stock that crossed below what they need."""
    opened, closed = stock_alerts_sweep()
    if opened or closed:
        log.info("stock alerts: %s opened, %s closed", opened, closed)
    return opened, closed
