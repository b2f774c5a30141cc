"""Renditions pinned on an IPFS pinning service, so any IPFS gateway can serve them by CID.

The service speaks the IPFS Pinning Service API: ``POST /pins`` with ``{"cid", "name"}`` asks
for a pin, ``GET /pins/{requestid}`` tells how it stands, both with a Bearer token, both
answering a PinStatus (``requestid``, ``status``: queued, pinning, pinned or failed). Pins are
asked for by a background job once the renditions are committed, never in a request. Each
``RenditionPin`` row shows where its pin stands; one not settled is looked at again, and one
that failed is asked for again (after ``SOKO_IPFS_PIN_RETRY_SECONDS``, doubled each time)
until ``SOKO_IPFS_PIN_ATTEMPTS`` exchanges have been made.

The service fetches the bytes from the IPFS network by CID: the renditions must be provided
by an IPFS node (one that adds Soko's media folder or bucket), named to the service in
``SOKO_IPFS_PIN_ORIGINS``. Soko itself is not an IPFS node.
"""

import logging
from datetime import timedelta

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from shop.core.jobs import job_enqueue_on_commit, job_schedule_on_commit
from shop.media.models import RenditionPin, StoredImage

logger = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(20.0, connect=5.0)
UNSETTLED = (RenditionPin.Status.WAITING, RenditionPin.Status.QUEUED, RenditionPin.Status.PINNING)
# The states a PinStatus may carry (the API's own; "waiting" is Soko's).
SERVICE_STATES = {
    RenditionPin.Status.QUEUED,
    RenditionPin.Status.PINNING,
    RenditionPin.Status.PINNED,
    RenditionPin.Status.FAILED,
}
# The longest wait between two tries, however many failed before.
RETRY_CEILING = timedelta(hours=6)


class PinningError(Exception):
    """The pinning service refused or could not be reached; ``str()`` says why, for the row."""


def pinning_configured() -> bool:
    """Whether a pinning service is set up, with both its address and its token."""
    return bool(settings.SOKO_IPFS_PINNING_URL and settings.SOKO_IPFS_PINNING_TOKEN)


def pinning_half_configured() -> list[str]:
    """The pinning settings missing when only some are set (for the deploy check)."""
    given = {
        "SOKO_IPFS_PINNING_URL": settings.SOKO_IPFS_PINNING_URL,
        "SOKO_IPFS_PINNING_TOKEN": settings.SOKO_IPFS_PINNING_TOKEN,
    }
    if not any(given.values()):
        return []
    return [name for name, value in given.items() if not value]


def renditions_pin(*, image: StoredImage) -> list[RenditionPin]:
    """Ask for each rendition of a ready ``image`` to be pinned, by a job after the commit.
    Nothing happens without a pinning service; a rendition already asked for is left alone."""
    if not pinning_configured() or image.status != StoredImage.Status.READY:
        return []
    pins = []
    for rendition in image.renditions.values():
        for fmt, cid in rendition.get("cids", {}).items():
            pin, created = RenditionPin.objects.get_or_create(
                image=image, name=rendition[fmt], defaults={"format": fmt, "width": rendition["width"], "cid": cid}
            )
            if created:
                job_enqueue_on_commit("media.rendition_pin", pin.pk)
            pins.append(pin)
    return pins


def rendition_pin(*, pin_id: int) -> RenditionPin:
    """One exchange with the pinning service about ``pin_id``: ask for the pin (again, if it
    failed), or ask how an accepted one stands. Whatever the answer, the row records it and,
    unless pinned or out of attempts, the job is scheduled again."""
    pin = RenditionPin.objects.get(pk=pin_id)
    if pin.status == RenditionPin.Status.PINNED or pin.attempts >= settings.SOKO_IPFS_PIN_ATTEMPTS:
        return pin
    if not pinning_configured():
        return pin
    # Claimed by a conditional update: a second run that saw the same row does nothing.
    claimed = RenditionPin.objects.filter(pk=pin.pk, attempts=pin.attempts, status=pin.status).update(
        attempts=F("attempts") + 1, updated_at=timezone.now()
    )
    if not claimed:
        return RenditionPin.objects.get(pk=pin_id)
    asking_again = pin.status in (RenditionPin.Status.WAITING, RenditionPin.Status.FAILED) or not pin.request_id
    try:
        answer = _pin_ask(pin) if asking_again else _pin_look(pin)
        status, request_id, reason = answer["status"], answer["requestid"], _failure_text(answer)
    except PinningError as exc:
        status, request_id, reason = RenditionPin.Status.FAILED, pin.request_id, str(exc)
    RenditionPin.objects.filter(pk=pin.pk).update(
        status=status, request_id=request_id, failure_reason=reason[:300], updated_at=timezone.now()
    )
    pin.refresh_from_db()
    if pin.status == RenditionPin.Status.PINNED:
        _rendition_mark_pinned(pin)
    elif pin.attempts < settings.SOKO_IPFS_PIN_ATTEMPTS:
        job_schedule_on_commit("media.rendition_pin", pin.pk, eta=timezone.now() + _wait_before_next(pin))
    else:
        logger.warning(
            "Pin of %s (%s) given up after %s attempts: %s", pin.name, pin.cid, pin.attempts, pin.failure_reason
        )
    return pin


def rendition_pins_resume(*, limit: int = 200) -> int:
    """Queue the pins whose scheduled look was lost (a worker's schedule does not outlive
    its queue): not settled or failed, with attempts left, untouched for longer than their
    wait. Returns how many were queued."""
    if not pinning_configured():
        return 0
    now = timezone.now()
    # Each number of attempts so far has its own wait: a pin is lost once it has waited
    # twice that, so pins in a long back-off never hide one lost since.
    lost = Q(pk__in=[])
    for attempts in range(settings.SOKO_IPFS_PIN_ATTEMPTS):
        lost |= Q(attempts=attempts, updated_at__lt=now - _wait_before_next(RenditionPin(attempts=attempts)) * 2)
    stale = RenditionPin.objects.filter(lost, status__in=(*UNSETTLED, RenditionPin.Status.FAILED))
    ids = list(stale.order_by("updated_at").values_list("pk", flat=True)[:limit])
    for pin_id in ids:
        job_enqueue_on_commit("media.rendition_pin", pin_id)
    return len(ids)


def _wait_before_next(pin: RenditionPin) -> timedelta:
    # Doubled after each exchange, for a pin the service is slow to make as for one that failed.
    base = timedelta(seconds=settings.SOKO_IPFS_PIN_RETRY_SECONDS)
    return min(base * 2 ** max(pin.attempts - 1, 0), RETRY_CEILING)


def _failure_text(answer: dict) -> str:
    if answer["status"] != RenditionPin.Status.FAILED:
        return ""
    info = answer.get("info") or {}
    detail = info.get("status_details") or info.get("reason") or ""
    return f"The pinning service could not pin it{': ' + str(detail) if detail else '.'}"


def _rendition_mark_pinned(pin: RenditionPin) -> None:
    """Note the format as pinned in the image's renditions, so pages may fetch it from the gateway."""
    with transaction.atomic():
        image = StoredImage.objects.select_for_update().get(pk=pin.image_id)
        marked = [
            rendition
            for rendition in image.renditions.values()
            if rendition.get(pin.format) == pin.name and pin.format not in rendition.get("pinned", [])
        ]
        for rendition in marked:
            rendition["pinned"] = [*rendition.get("pinned", []), pin.format]
        if marked:
            image.save(update_fields=["renditions"])


def _pin_ask(pin: RenditionPin) -> dict:
    asked = {"cid": pin.cid, "name": pin.name.rsplit("/", 1)[-1]}
    if settings.SOKO_IPFS_PIN_ORIGINS:
        asked["origins"] = list(settings.SOKO_IPFS_PIN_ORIGINS)  # the IPFS nodes that hold the bytes
    return _exchange("POST", "/pins", json=asked)


def _pin_look(pin: RenditionPin) -> dict:
    return _exchange("GET", f"/pins/{pin.request_id}")


def _exchange(method: str, path: str, **request) -> dict:
    headers = {"Authorization": f"Bearer {settings.SOKO_IPFS_PINNING_TOKEN}", "Accept": "application/json"}
    try:
        response = httpx.request(
            method, settings.SOKO_IPFS_PINNING_URL + path, headers=headers, timeout=TIMEOUT, **request
        )
    except httpx.HTTPError as exc:
        raise PinningError(f"The pinning service could not be reached: {exc}") from exc
    if response.status_code in (401, 403):
        raise PinningError(f"The pinning service refused the access token ({response.status_code}).")
    if response.status_code not in (200, 202):
        raise PinningError(f"The pinning service answered {response.status_code}: {_error_reason(response)}")
    try:
        answer = response.json()
        if answer["status"] not in SERVICE_STATES or not isinstance(answer["requestid"], str):
            raise ValueError(answer["status"])
    except (ValueError, KeyError, TypeError) as exc:
        raise PinningError(f"The pinning service's answer is not a pin status: {exc}") from exc
    return answer


def _error_reason(response: httpx.Response) -> str:
    # The API's Failure body: {"error": {"reason": ..., "details": ...}}.
    try:
        error = response.json()["error"]
        return (
            " ".join(filter(None, [str(error.get("reason", "")), str(error.get("details", ""))]))
            or response.reason_phrase
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return response.reason_phrase
