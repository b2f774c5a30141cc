"""With a pinning service set up, each rendition is pinned there by a background job after
the upload commits, over the IPFS Pinning Service API; a failed pin is tried again and shows
why on its row; pages fetch pinned renditions from the IPFS gateway. The service here is a
fake speaking that API over real HTTP (``pinning_service``)."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.core import checks
from django.template import Context, Template
from django.utils import timezone

from shop.media.models import RenditionPin, StoredImage
from shop.media.services.images import image_store
from shop.media.services.pinning import rendition_pins_resume

from .pictures import picture_bytes, upload
from .pinning_service import FakePinningService

pytestmark = pytest.mark.django_db
TOKEN = "soko-pinning-token"
GATEWAY = "https://ipfs.soko.test"


@pytest.fixture
def service():
    with FakePinningService(token=TOKEN) as fake:
        yield fake


@pytest.fixture
def pinning(settings, service):
    settings.SOKO_IPFS_PINNING_URL = service.url
    settings.SOKO_IPFS_PINNING_TOKEN = TOKEN
    settings.SOKO_IPFS_PIN_RETRY_SECONDS = 60
    settings.SOKO_IPFS_PIN_ATTEMPTS = 8
    return settings


@pytest.fixture
def store(django_capture_on_commit_callbacks):
    """Upload a picture as a request does: processing, then pinning, run after the commit."""

    def store_upload(width: int = 500) -> StoredImage:
        with django_capture_on_commit_callbacks(execute=True):
            image = image_store(upload=upload("kikoi.jpg", picture_bytes("JPEG", size=(width, width * 3 // 4))))
        image.refresh_from_db()
        return image

    return store_upload


@pytest.fixture
def later(huey_immediate, django_capture_on_commit_callbacks):
    """Run the pin jobs the worker holds for later (a look at a queued pin, a retry), as the
    worker would once their time comes. Returns how many ran."""
    huey = huey_immediate

    def run_due() -> int:
        held = huey.read_schedule(timestamp=timezone.now().replace(tzinfo=None) + timezone.timedelta(days=2))
        ran = 0
        for task in held:
            if not task.name.endswith("rendition_pin_task"):
                huey.add_schedule(task)
                continue
            with django_capture_on_commit_callbacks(execute=True):
                huey.execute(task, timestamp=task.eta)
            ran += 1
        return ran

    yield run_due
    for task in huey.read_schedule(timestamp=timezone.now().replace(tzinfo=None) + timezone.timedelta(days=400)):
        if not task.name.endswith("rendition_pin_task"):
            huey.add_schedule(task)


def statuses(image: StoredImage) -> set[str]:
    return set(image.pins.values_list("status", flat=True))


def rendition_cids(image: StoredImage) -> set[str]:
    return {cid for rendition in image.renditions.values() for cid in rendition["cids"].values()}


def test_an_upload_is_pinned_by_the_job_and_then_looked_at_until_pinned(pinning, service, store, later):
    media_node = "/ip4/10.0.0.5/tcp/4001/p2p/12D3KooWSokoMedia"
    pinning.SOKO_IPFS_PIN_ORIGINS = [media_node]

    image = store()

    # Two widths (160, 480) and the largest (500), each as WebP and JPEG.
    assert image.pins.count() == 6
    assert {pin.cid for pin in image.pins.all()} == rendition_cids(image)
    assert statuses(image) == {"queued"}
    assert all(pin.request_id in service.pins for pin in image.pins.all())
    assert {request[2] for request in service.requests} == {f"Bearer {TOKEN}"}
    assert image.original_name.rsplit("/", 1)[-1] not in {pin["pin"]["name"] for pin in service.pins.values()}
    assert image.cid not in {pin["pin"]["cid"] for pin in service.pins.values()}  # originals are never published
    assert all(pin["pin"]["origins"] == [media_node] for pin in service.pins.values())

    assert later() == 6
    assert statuses(image) == {"pinning"}
    assert later() == 6
    assert statuses(image) == {"pinned"}
    assert service.pinned_cids() == rendition_cids(image)
    assert later() == 0  # nothing more to do


def test_a_pin_that_failed_is_tried_again_and_says_why_meanwhile(pinning, service, store, later):
    service.outages = 4
    service.pin_at_once = True

    image = store(width=300)  # 160 and 300 pixels wide, as WebP and JPEG

    pins = list(image.pins.all())
    assert {pin.status for pin in pins} == {"failed"}
    assert all("503" in pin.failure_reason and "Try again later" in pin.failure_reason for pin in pins)
    assert {pin.attempts for pin in pins} == {1}
    assert service.pins == {}

    assert later() == 4
    assert statuses(image) == {"pinned"}
    assert set(image.pins.values_list("failure_reason", flat=True)) == {""}
    assert set(image.pins.values_list("attempts", flat=True)) == {2}
    assert service.pinned_cids() == rendition_cids(image)


def test_a_pin_the_service_could_not_make_is_asked_for_again(pinning, service, store, later):
    service.refusals = 2
    service.pin_at_once = True

    image = store(width=150)

    pins = list(image.pins.all())
    assert len(pins) == 2 and {pin.status for pin in pins} == {"failed"}
    assert all(pin.failure_reason == "The pinning service could not pin it: content not found" for pin in pins)

    assert later() == 2
    assert set(image.pins.values_list("status", "attempts")) == {("pinned", 2)}
    assert len(service.pins) == 4  # each asked for twice


def test_a_wrong_token_is_recorded_as_failed_and_given_up_after_the_attempts(pinning, service, store, later):
    pinning.SOKO_IPFS_PINNING_TOKEN = "not-the-token"
    pinning.SOKO_IPFS_PIN_ATTEMPTS = 2

    image = store(width=150)

    pins = list(image.pins.all())
    assert len(pins) == 2 and {pin.status for pin in pins} == {"failed"}
    assert all(pin.failure_reason == "The pinning service refused the access token (401)." for pin in pins)
    assert service.pins == {}
    assert {request[2] for request in service.requests} == {"Bearer not-the-token"}

    assert later() == 2
    assert later() == 0  # out of attempts: the rows stay failed for staff to see
    assert set(image.pins.values_list("status", "attempts")) == {("failed", 2)}


def test_pinned_renditions_are_served_from_the_gateway_and_the_rest_from_soko(pinning, service, store, later):
    pinning.SOKO_IPFS_GATEWAY = GATEWAY
    image = store()

    assert not image.url().startswith(GATEWAY)  # accepted, not yet pinned
    later()
    later()
    image.refresh_from_db()

    assert image.url() == f"{GATEWAY}/ipfs/{image.rendition_cid()}"
    assert image.url(160, "jpeg") == f"{GATEWAY}/ipfs/{image.renditions['160']['cids']['jpeg']}"
    html = Template('{% load media %}{% picture image alt="Kikoi" %}').render(Context({"image": image}))
    assert html.count(f"{GATEWAY}/ipfs/bafybei") == 7  # six in the two srcsets, and the src
    assert "/media/images/" not in html


def test_without_a_pinning_service_nothing_is_pinned_and_nothing_leaves_soko(settings, service, store):
    settings.SOKO_IPFS_PINNING_URL = service.url
    settings.SOKO_IPFS_PINNING_TOKEN = ""
    settings.SOKO_IPFS_GATEWAY = GATEWAY

    image = store()

    assert image.status == StoredImage.Status.READY
    assert not RenditionPin.objects.exists() and service.requests == []
    assert image.url().startswith("/media/images/renditions/")


def test_pins_whose_look_was_lost_are_queued_again_by_the_sweep(
    pinning, service, store, huey_immediate, django_capture_on_commit_callbacks
):
    image = store(width=150)
    huey_immediate.read_schedule(timestamp=timezone.now().replace(tzinfo=None) + timezone.timedelta(days=2))  # lost
    assert statuses(image) == {"queued"}
    assert rendition_pins_resume() == 0  # too soon to call them lost
    RenditionPin.objects.update(updated_at=timezone.now() - timezone.timedelta(minutes=10))

    with django_capture_on_commit_callbacks(execute=True):
        queued = rendition_pins_resume()

    assert queued == 2
    assert statuses(image) == {"pinning"}


def deploy_problems() -> list[str]:
    return [
        message.id
        for message in checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])
        if message.id.startswith("media.")
    ]


def test_the_deploy_check_refuses_half_a_pinning_service(settings):
    settings.DEBUG = False
    settings.SOKO_IPFS_PINNING_URL, settings.SOKO_IPFS_PINNING_TOKEN = "https://pins.example.com", ""
    assert deploy_problems() == ["media.E001"]

    settings.SOKO_IPFS_PINNING_URL, settings.SOKO_IPFS_PINNING_TOKEN = "", "a-token"
    assert deploy_problems() == ["media.E001"]

    settings.SOKO_IPFS_PINNING_TOKEN, settings.SOKO_IPFS_GATEWAY = "", GATEWAY
    assert deploy_problems() == ["media.W002"]

    settings.SOKO_IPFS_PINNING_URL, settings.SOKO_IPFS_PINNING_TOKEN = "https://pins.example.com", "a-token"
    assert deploy_problems() == []


def test_a_release_with_half_a_pinning_service_is_refused():
    """``check --deploy`` (the release step) in a fresh process with DEBUG=0; with both
    settings it passes (``test_the_deploy_check_refuses_half_a_pinning_service``)."""

    def check_deploy(**pinning) -> subprocess.CompletedProcess:
        env = {key: value for key, value in os.environ.items() if not key.startswith("SOKO_IPFS_") and key != "DEBUG"}
        env.update(
            DEBUG="0",
            SECRET_KEY=secrets.token_urlsafe(45),
            ALLOWED_HOSTS="shop.example.com",
            SOKO_SITE_URL="https://shop.example.com",
            SOKO_PAYMENT_METHODS="cod",
            **pinning,
        )
        return subprocess.run(
            [sys.executable, "manage.py", "check", "--deploy"],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    refused = check_deploy(SOKO_IPFS_PINNING_URL="https://pins.example.com/psa")
    assert refused.returncode != 0
    assert "media.E001" in refused.stderr and "SOKO_IPFS_PINNING_TOKEN is not set" in refused.stderr
