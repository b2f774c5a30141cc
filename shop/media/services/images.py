import hashlib
import logging
from datetime import timedelta
from io import BytesIO

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image, ImageCms, ImageOps

from shop.core.jobs import job_enqueue_on_commit
from shop.media.models import RENDITION_FORMATS, StoredImage
from shop.media.services.cid import content_id, content_id_of_file
from shop.media.services.pinning import renditions_pin
from shop.media.services.validation import ValidatedImage, image_validate

logger = logging.getLogger(__name__)

WEBP_QUALITY = 80
JPEG_QUALITY = 82
# JPEG has no transparency; transparent areas are shown on white, like the page behind them.
JPEG_BACKGROUND = (255, 255, 255)


def image_store(*, upload) -> StoredImage:
    """Validate an upload (or take an already ``ValidatedImage``), store the original once
    per content, and prepare its renditions in the background after commit."""
    validated = upload if isinstance(upload, ValidatedImage) else image_validate(upload=upload)
    image = StoredImage.objects.filter(sha256=validated.sha256).first()
    if image is None:
        image = _stored_image_create(validated)
    if image.status == StoredImage.Status.PENDING:
        # Also for a pending duplicate: processing is idempotent, and a lost task would
        # otherwise leave the picture pending for good.
        job_enqueue_on_commit("media.image_process", image.pk)
    return image


def _stored_image_create(validated: ValidatedImage) -> StoredImage:
    sha = validated.sha256
    name = _storage_put(
        f"images/originals/{sha[:2]}/{sha[2:4]}/{sha}.{validated.extension}", validated.content, storages["originals"]
    )
    try:
        with transaction.atomic():
            return StoredImage.objects.create(
                sha256=sha,
                cid=content_id(validated.content),
                original_name=name,
                format=validated.format,
                width=validated.width,
                height=validated.height,
                bytes=validated.size,
                gps_latitude=validated.gps_latitude,
                gps_longitude=validated.gps_longitude,
            )
    except IntegrityError:
        # The same picture was uploaded at the same moment by someone else; share their row.
        return StoredImage.objects.get(sha256=sha)


def image_process(*, image_id: int) -> StoredImage:
    """Make the served renditions: auto-oriented, sRGB, metadata-free, WebP plus JPEG at
    each of ``SOKO_IMAGE_SIZES`` (never wider than the original), each with its content ID;
    then, with a pinning service, each is pinned by a job after the commit. A ready image is
    left alone."""
    image = StoredImage.objects.get(pk=image_id)
    if image.status == StoredImage.Status.READY:
        return image
    with storages["originals"].open(image.original_name, "rb") as original:
        content = original.read()
    try:
        rendered = _renditions_render(content, image.format)
    except MemoryError:
        raise
    except Exception as exc:
        # Rendering touches only bytes already read, so a failure here is the picture's
        # own fault and retrying cannot help; storage errors above propagate for a retry.
        logger.warning("Image %s could not be processed: %s", image.pk, exc)
        StoredImage.objects.filter(pk=image.pk).exclude(status=StoredImage.Status.READY).update(
            status=StoredImage.Status.FAILED, failure_reason=str(exc)[:300]
        )
        image.refresh_from_db()
        return image

    renditions = {}
    for width, height, webp, jpeg in rendered:
        renditions[str(width)] = {
            "webp": _storage_put(_rendition_name(webp, "webp"), webp),
            "jpeg": _storage_put(_rendition_name(jpeg, "jpg"), jpeg),
            "width": width,
            "height": height,
            "cids": {"webp": content_id(webp), "jpeg": content_id(jpeg)},
        }
    with transaction.atomic():
        image = StoredImage.objects.select_for_update().get(pk=image_id)
        if image.status != StoredImage.Status.READY:
            image.renditions = renditions
            image.status = StoredImage.Status.READY
            image.failure_reason = ""
            image.save(update_fields=["renditions", "status", "failure_reason"])
            renditions_pin(image=image)
    return image


# A picture still pending this long after its upload lost its job (a queue that restarted
# empty, a worker killed while it held the job): ``images_pending_resume`` queues it again.
# Past a day it is left for staff to look at rather than retried for ever.
PENDING_LOST_AFTER = timedelta(minutes=2)
PENDING_GIVEN_UP_AFTER = timedelta(days=1)


def images_pending(*, lost_after: timedelta = PENDING_LOST_AFTER):
    """Pictures whose processing job must have been lost: pending for longer than
    ``lost_after``, uploaded within ``PENDING_GIVEN_UP_AFTER``, oldest first."""
    now = timezone.now()
    return StoredImage.objects.filter(
        status=StoredImage.Status.PENDING,
        created_at__lt=now - lost_after,
        created_at__gte=now - PENDING_GIVEN_UP_AFTER,
    ).order_by("created_at")


def images_pending_resume(*, limit: int = 200) -> int:
    """Queue the processing of pictures whose job was lost; how many were queued.
    Processing is idempotent, so a job that was only slow does no harm when it runs too."""
    ids = list(images_pending().values_list("pk", flat=True)[:limit])
    for image_id in ids:
        job_enqueue_on_commit("media.image_process", image_id)
    return len(ids)


def _rendition_name(content: bytes, extension: str) -> str:
    # Named by the rendition's own hash: the original's hash, and so its path, stays private.
    sha = hashlib.sha256(content).hexdigest()
    return f"images/renditions/{sha[:2]}/{sha[2:4]}/{sha}.{extension}"


def _storage_put(name: str, content: bytes, storage=default_storage) -> str:
    """Save content-addressed bytes under ``name`` unless they are already there."""
    if storage.exists(name):
        return name
    saved = storage.save(name, ContentFile(content))
    if saved != name:
        # Someone saved the same bytes in between and the storage picked a new name.
        storage.delete(saved)
    return name


def _renditions_render(content: bytes, image_format: str) -> list[tuple[int, int, bytes, bytes]]:
    sizes = sorted(set(settings.SOKO_IMAGE_SIZES))
    with Image.open(BytesIO(content), formats=[image_format]) as source:
        if image_format == "JPEG":
            # Let libjpeg decode at a reduced scale that is still at least the largest size.
            source.draft(source.mode, (sizes[-1], sizes[-1]))
        picture = _served_pixels(source)
    full_width, full_height = picture.size
    rendered = []
    for width in sorted({min(size, full_width) for size in sizes}):
        height = max(1, round(full_height * width / full_width))
        resized = picture if width == full_width else picture.resize((width, height), Image.Resampling.LANCZOS)
        resized.info = {}
        rendered.append((width, height, _encode_webp(resized), _encode_jpeg(resized)))
    return rendered


def _served_pixels(source: Image.Image) -> Image.Image:
    """The first frame, upright, in sRGB as RGB or RGBA, with no metadata attached."""
    icc_profile = source.info.get("icc_profile")
    picture = ImageOps.exif_transpose(source)
    has_alpha = picture.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in picture.info
    target_mode = "RGBA" if has_alpha else "RGB"
    if picture.mode.startswith("I;16") or picture.mode in ("I", "F"):
        # Deep greyscale: scale 16-bit values into 8 bits rather than clipping them.
        picture = picture.convert("I").point(lambda value: value / 256).convert("L")
    if picture.mode not in (target_mode, "CMYK"):
        picture = picture.convert(target_mode)
    if icc_profile:
        picture = _to_srgb(picture, icc_profile, target_mode)
    if picture.mode != target_mode:
        picture = picture.convert(target_mode)
    picture.info = {}
    return picture


def _to_srgb(picture: Image.Image, icc_profile: bytes, target_mode: str) -> Image.Image:
    try:
        profile = ImageCms.ImageCmsProfile(BytesIO(icc_profile))
        if "srgb" in ImageCms.getProfileDescription(profile).lower():
            return picture
        return ImageCms.profileToProfile(
            picture, profile, ImageCms.createProfile("sRGB"), outputMode=target_mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        # An unreadable or mismatched profile: keep the pixels as they are.
        return picture


def _encode_webp(picture: Image.Image) -> bytes:
    buffer = BytesIO()
    picture.save(buffer, "WEBP", quality=WEBP_QUALITY, method=4, exif=b"", icc_profile=None, xmp=b"")
    return buffer.getvalue()


def _encode_jpeg(picture: Image.Image) -> bytes:
    if picture.mode == "RGBA":
        flattened = Image.new("RGB", picture.size, JPEG_BACKGROUND)
        flattened.paste(picture, mask=picture.getchannel("A"))
        picture = flattened
    buffer = BytesIO()
    picture.save(
        buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True, exif=b"", icc_profile=None
    )
    return buffer.getvalue()


def image_cids_fill(*, image: StoredImage) -> bool:
    """Give a picture stored before content IDs existed its CIDs: the original's and each
    rendition's, read back from storage one chunk at a time; then, with a pinning service,
    pin its renditions. Returns whether anything was missing. A file gone from storage
    raises ``FileNotFoundError``."""
    cid = image.cid
    if not cid:
        with storages["originals"].open(image.original_name, "rb") as original:
            cid = content_id_of_file(original)
    renditions = {}
    for width, rendition in image.renditions.items():
        cids = dict(rendition.get("cids", {}))
        for fmt in RENDITION_FORMATS:
            if fmt in rendition and fmt not in cids:
                with default_storage.open(rendition[fmt], "rb") as served:
                    cids[fmt] = content_id_of_file(served)
        renditions[width] = cids
    with transaction.atomic():
        image = StoredImage.objects.select_for_update().get(pk=image.pk)
        changed = not image.cid
        image.cid = image.cid or cid
        for width, cids in renditions.items():
            if width in image.renditions and image.renditions[width].get("cids") != cids:
                image.renditions[width]["cids"] = cids
                changed = True
        if changed:
            image.save(update_fields=["cid", "renditions"])
        renditions_pin(image=image)
    return changed
