"""A picture whose processing job was lost (a queue that restarted empty, a worker killed
while it held the job) is processed by the sweep, not left as a placeholder for good."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shop.media.models import StoredImage
from shop.media.services.images import PENDING_GIVEN_UP_AFTER, PENDING_LOST_AFTER, image_store, images_pending_resume

from .pictures import picture_bytes, upload

pytestmark = pytest.mark.django_db


def uploaded_and_lost(jobs_lost, django_capture_on_commit_callbacks) -> tuple[StoredImage, list[str]]:
    with jobs_lost() as lost, django_capture_on_commit_callbacks(execute=True):
        image = image_store(upload=upload("market.jpg", picture_bytes("JPEG", size=(800, 600))))
    image.refresh_from_db()
    return image, lost


def uploaded_ago(image: StoredImage, age: timedelta) -> None:
    StoredImage.objects.filter(pk=image.pk).update(created_at=timezone.now() - age)


def test_a_picture_whose_processing_job_was_lost_is_processed(jobs_lost, django_capture_on_commit_callbacks):
    image, lost = uploaded_and_lost(jobs_lost, django_capture_on_commit_callbacks)
    assert lost == ["media.image_process"]
    assert image.status == StoredImage.Status.PENDING
    assert images_pending_resume() == 0  # too soon to call the job lost

    uploaded_ago(image, PENDING_LOST_AFTER + timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert images_pending_resume() == 1

    image.refresh_from_db()
    assert image.is_ready and sorted(int(width) for width in image.renditions) == [160, 480, 800]
    assert images_pending_resume() == 0


def test_a_picture_pending_for_more_than_a_day_is_left_for_staff(jobs_lost, django_capture_on_commit_callbacks):
    image, _lost = uploaded_and_lost(jobs_lost, django_capture_on_commit_callbacks)

    uploaded_ago(image, PENDING_GIVEN_UP_AFTER + timedelta(minutes=1))

    assert images_pending_resume() == 0
    image.refresh_from_db()
    assert image.status == StoredImage.Status.PENDING
