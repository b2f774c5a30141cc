from huey.contrib.djhuey import db_task

from shop.core.jobs import job

from .services.images import image_process


@job("media.image_process")
@db_task(retries=3, retry_delay=30)
def image_process_task(image_id: int) -> str:
    return image_process(image_id=image_id).status
