"""The background build of staff exports (``shop.moderation.exports.services``)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from shop.core.jobs import job

from .exports.services import export_build, exports_stalled_resume


@job("moderation.export_build")
@db_task(retries=0)
def export_build_task(export_id: int):
    export_build(export_id)


@db_periodic_task(crontab(minute="*/5"))
def exports_stalled_resume_task() -> int:
    """Every five minutes: exports whose build was lost are built again."""
    return exports_stalled_resume()
