from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .idempotency import idempotent_requests_forget


@db_periodic_task(crontab(minute="17"))
def idempotency_keys_forget():
    idempotent_requests_forget()
