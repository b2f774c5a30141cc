from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from shop.core.jobs import job

from .services.images import image_process, images_pending_resume
from .services.pinning import rendition_pin, rendition_pins_resume


@job("media.image_process")
@db_task(retries=3, retry_delay=30)
def image_process_task(image_id: int) -> str:
    return image_process(image_id=image_id).status


@job("media.rendition_pin")
@db_task(retries=3, retry_delay=60)
def rendition_pin_task(pin_id: int) -> str:
    return rendition_pin(pin_id=pin_id).status


@db_periodic_task(crontab(minute="*/10"))
def rendition_pins_resume_task() -> int:
    return rendition_pins_resume()


@db_periodic_task(crontab(minute="*"))
def images_pending_resume_task() -> int:
    """Every minute: pictures whose processing job was lost are queued again."""
    return images_pending_resume()
