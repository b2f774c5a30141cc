from huey.contrib.djhuey import db_task

from shop.core.jobs import job

from .services import store_ens_check


@job("sellers.store_ens_check")
@db_task(retries=2, retry_delay=60)
def store_ens_check_task(store_id: int) -> bool | None:
    return store_ens_check(store_id=store_id)
