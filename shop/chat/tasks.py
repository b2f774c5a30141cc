import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from shop.core.jobs import job

from .services.conversations import digests_send, image_ready, images_ready_resume
from .services.offers import offers_expire

log = logging.getLogger(__name__)


@job("chat.image_ready")
@db_task(retries=3, retry_delay=10)
def image_ready_task(message_id: int) -> bool:
    """Prepare a message's picture, then show its renditions on the open pages."""
    return image_ready(message_id=message_id)


@db_periodic_task(crontab(minute="*"))
def chat_tick_task() -> dict:
    """Every minute: email digests of unread messages that waited long enough, expire
    offers past their time, and queue again pictures whose job was lost. All are safe to
    run any number of times."""
    done = {"digests": digests_send(), "offers_expired": offers_expire(), "pictures_requeued": images_ready_resume()}
    if any(done.values()):
        log.info("chat: %s", done)
    return done
