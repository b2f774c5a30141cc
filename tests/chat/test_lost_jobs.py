"""A chat picture whose job was lost (a queue that restarted empty, a worker killed while it
held the job) is made ready by the chat's minute tick, and the open pages get it pushed in
place of the placeholder."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shop.chat.services import conversations as services
from shop.chat.services.conversations import IMAGE_LOST_AFTER, images_ready_resume, message_send
from shop.media.models import PLACEHOLDER_PATH, StoredImage
from tests.factories.chat import chat_world
from tests.media.pictures import picture_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()


def test_a_message_picture_whose_job_was_lost_is_made_ready_and_pushed(
    jobs_lost, django_capture_on_commit_callbacks, monkeypatch
):
    world = chat_world()
    pushed = []
    monkeypatch.setattr(services, "_send_all_to", lambda sends: pushed.extend((user, html) for user, html, *_ in sends))
    with jobs_lost() as lost, django_capture_on_commit_callbacks(execute=True):
        message = message_send(
            conversation=world.conversation,
            user=world.buyer,
            text="Like this one",
            upload=upload("kanga.jpg", picture_bytes("JPEG", size=(800, 600))),
        )
    assert lost == ["media.image_process", "chat.image_ready"]
    image = StoredImage.objects.get(pk=message.image_id)
    assert image.status == StoredImage.Status.PENDING
    assert all(PLACEHOLDER_PATH in html for _user, html in pushed if f"chat-msg-{message.pk}" in html)
    assert images_ready_resume() == 0  # too soon to call the job lost

    StoredImage.objects.filter(pk=image.pk).update(created_at=timezone.now() - IMAGE_LOST_AFTER - timedelta(seconds=1))
    pushed.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert images_ready_resume() == 1

    image.refresh_from_db()
    assert image.is_ready
    shown = [html for user, html in pushed if user == world.staff.pk and image.url(None, "jpeg") in html]
    assert shown and f"chat-msg-{message.pk}" in shown[-1]
    assert images_ready_resume() == 0
