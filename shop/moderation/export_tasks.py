"""The background build of staff exports (``shop.moderation.exports.services``)."""

from huey.contrib.djhuey import db_task

from shop.core.jobs import job

from .exports.services import export_build


@job("moderation.export_build")
@db_task(retries=0)
def export_build_task(export_id: int):
    export_build(export_id)
