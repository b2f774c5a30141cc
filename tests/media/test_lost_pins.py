"""A rendition's pin whose job was lost (a queue that restarted empty, a worker killed while
it held the job) is asked for by the sweep, ``rendition_pins_resume``, once the row has
waited twice as long as its job would have. The picture is processed as its job does; the
pin jobs that asks for are the ones lost. The service is test_pinning.py's fake, over real
HTTP."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shop.media.models import RenditionPin
from shop.media.services.images import image_process, image_store
from shop.media.services.pinning import rendition_pins_resume
from tests.media import test_pinning as pinning_tests
from tests.media.test_pinning import rendition_cids, statuses

from .pictures import picture_bytes, upload

pytestmark = pytest.mark.django_db

# ``later`` also takes the looks these pins schedule off the worker's schedule afterwards.
service, pinning, later = pinning_tests.service, pinning_tests.pinning, pinning_tests.later


def test_a_pin_whose_job_was_lost_is_asked_for_again(
    pinning, service, later, jobs_lost, django_capture_on_commit_callbacks
):
    image = image_store(upload=upload("kikoi.jpg", picture_bytes("JPEG", size=(150, 112))))
    with jobs_lost() as lost, django_capture_on_commit_callbacks(execute=True):
        image = image_process(image_id=image.pk)

    assert lost == ["media.rendition_pin", "media.rendition_pin"]  # 150 pixels wide, as WebP and JPEG
    assert statuses(image) == {"waiting"}
    assert service.requests == []
    assert rendition_pins_resume() == 0  # too soon to call the jobs lost

    waited = 2 * timedelta(seconds=pinning.SOKO_IPFS_PIN_RETRY_SECONDS) + timedelta(seconds=1)
    RenditionPin.objects.update(updated_at=timezone.now() - waited)
    with django_capture_on_commit_callbacks(execute=True):
        assert rendition_pins_resume() == 2

    assert statuses(image) == {"queued"}
    assert {pin["pin"]["cid"] for pin in service.pins.values()} == rendition_cids(image)
    assert set(image.pins.values_list("attempts", flat=True)) == {1}
    assert rendition_pins_resume() == 0
    assert later() == 2  # then looked at as any pin is


def test_pins_in_a_long_back_off_do_not_hide_one_lost_since(
    pinning, service, later, jobs_lost, django_capture_on_commit_callbacks
):
    image = image_store(upload=upload("kanga.jpg", picture_bytes("JPEG", size=(150, 112))))
    with jobs_lost() as lost, django_capture_on_commit_callbacks(execute=True):
        image = image_process(image_id=image.pk)
    assert lost == ["media.rendition_pin", "media.rendition_pin"]
    backing_off, lost_pin = image.pins.order_by("pk")
    now = timezone.now()
    # Five exchanges so far: its next look is 16 minutes away, so after 20 it is not lost.
    RenditionPin.objects.filter(pk=backing_off.pk).update(attempts=5, updated_at=now - timedelta(minutes=20))
    RenditionPin.objects.filter(pk=lost_pin.pk).update(updated_at=now - timedelta(minutes=3))

    with django_capture_on_commit_callbacks(execute=True):
        assert rendition_pins_resume(limit=1) == 1

    assert RenditionPin.objects.get(pk=lost_pin.pk).status == "queued"
    assert RenditionPin.objects.get(pk=backing_off.pk).status == "waiting"
