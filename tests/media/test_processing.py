"""Accepted pictures: stored once, and served only as clean, upright renditions."""

from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from django.core.files.storage import default_storage, storages
from PIL import Image

from shop.media.models import StoredImage
from shop.media.services.images import image_process, image_store

from .pictures import exif_with_gps, picture_bytes, stored_files, upload, wide_gamut_profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def store(django_capture_on_commit_callbacks):
    """Store an upload the way a request does: processing runs once the transaction commits."""

    def store_upload(file) -> StoredImage:
        with django_capture_on_commit_callbacks(execute=True):
            image = image_store(upload=file)
        image.refresh_from_db()
        return image

    return store_upload


def rendition_files(image: StoredImage) -> list[str]:
    return [rendition[fmt] for rendition in image.renditions.values() for fmt in ("webp", "jpeg")]


def opened(name: str) -> Image.Image:
    with default_storage.open(name, "rb") as file:
        picture = Image.open(BytesIO(file.read()))
        picture.load()
    return picture


def test_phone_photo_keeps_its_location_privately_and_serves_none_of_its_metadata(store):
    photo = picture_bytes("JPEG", size=(1600, 1200), exif=exif_with_gps(), icc_profile=b"not really a profile")

    image = store(upload("IMG_2041.jpg", photo))

    assert image.status == StoredImage.Status.READY
    assert (image.gps_latitude, image.gps_longitude) == (Decimal("-1.291667"), Decimal("36.820000"))
    assert sorted(int(width) for width in image.renditions) == [160, 480, 1200]
    for name in rendition_files(image):
        served = opened(name)
        assert not served.getexif(), name
        assert "exif" not in served.info and "icc_profile" not in served.info and "xmp" not in served.info
        with default_storage.open(name, "rb") as file:
            raw = file.read()
        assert b"Exif" not in raw and b"SokoPhone" not in raw


def test_original_is_never_linked_and_renditions_do_not_reveal_its_name(store):
    image = store(upload("IMG_2041.jpg", picture_bytes("JPEG", size=(800, 600), exif=exif_with_gps())))

    urls = image.srcset("webp") + image.srcset("jpeg") + image.url() + image.url(None, "jpeg")
    assert image.sha256 not in urls
    assert "originals" not in urls
    assert not hasattr(image, "original") and image.original_name.startswith(f"images/originals/{image.sha256[:2]}/")


def test_sideways_phone_photo_is_turned_upright(store):
    # Orientation 6: the sensor wrote 40×20, the viewer must see 20×40.
    image = store(upload("sideways.jpg", picture_bytes("JPEG", size=(40, 20), exif=exif_with_gps(orientation=6))))

    assert (image.width, image.height) == (20, 40)
    for name in rendition_files(image):
        served = opened(name)
        assert served.height > served.width, name
        assert served.size == (20, 40)


def test_identical_uploads_are_stored_once(store, media_root):
    photo = picture_bytes("JPEG", size=(500, 400))

    first = store(upload("a.jpg", photo))
    files_after_first = stored_files(media_root)
    second = store(upload("copy of a.jpg", photo))

    assert second.pk == first.pk
    assert StoredImage.objects.count() == 1
    assert stored_files(media_root) == files_after_first
    assert len([path for path in files_after_first if "originals" in path.parts]) == 1


def test_small_picture_is_never_enlarged(store):
    image = store(upload("badge.png", picture_bytes("PNG", size=(300, 200)), "image/png"))

    widths = sorted(rendition["width"] for rendition in image.renditions.values())
    assert widths == [160, 300]
    for name in rendition_files(image):
        assert opened(name).width <= 300
    assert image.url(1200) == image.url(300)


def test_processing_twice_changes_nothing(store, media_root):
    image = store(upload("photo.jpg", picture_bytes("JPEG", size=(900, 600))))
    files = {path: path.stat().st_mtime_ns for path in stored_files(media_root)}
    renditions = image.renditions

    again = image_process(image_id=image.pk)

    assert again.status == StoredImage.Status.READY
    assert again.renditions == renditions
    assert {path: path.stat().st_mtime_ns for path in stored_files(media_root)} == files


def test_every_size_comes_as_webp_and_jpeg(store):
    image = store(upload("photo.jpg", picture_bytes("JPEG", size=(1300, 1000))))

    for rendition in image.renditions.values():
        assert opened(rendition["webp"]).format == "WEBP"
        assert opened(rendition["jpeg"]).format == "JPEG"
        assert rendition["webp"].endswith(".webp") and rendition["jpeg"].endswith(".jpg")
    assert image.srcset("webp").count("w, ") == 2 and image.srcset("webp").endswith(" 1200w")


def test_animated_gif_is_accepted_and_served_as_its_first_frame(store):
    frames = [Image.new("P", (200, 120), colour) for colour in (1, 2, 3)]
    buffer = BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)

    image = store(upload("sale.gif", buffer.getvalue(), "image/gif"))

    assert (image.format, image.status) == ("GIF", StoredImage.Status.READY)
    assert sorted(int(width) for width in image.renditions) == [160, 200]


def test_transparent_png_keeps_alpha_in_webp_and_sits_on_white_in_jpeg(store):
    logo = picture_bytes("PNG", size=(240, 240), colour=(0, 0, 0, 0), mode="RGBA")

    image = store(upload("logo.png", logo, "image/png"))

    largest = image.renditions["240"]
    assert opened(largest["webp"]).mode == "RGBA"
    jpeg = opened(largest["jpeg"])
    assert jpeg.mode == "RGB" and jpeg.getpixel((10, 10)) == (255, 255, 255)


def test_wide_gamut_photo_is_converted_to_srgb_and_its_profile_dropped(store):
    photo = picture_bytes("JPEG", size=(200, 100), colour=(200, 30, 40), icc_profile=wide_gamut_profile())

    image = store(upload("iphone.jpg", photo))

    served = opened(image.renditions["200"]["webp"])
    assert "icc_profile" not in served.info
    red, green, blue = served.getpixel((100, 50))
    assert red > 210 and green < 10  # P3 red lies outside sRGB: it gets redder, not left as is


def test_picture_is_pending_until_processed_and_shows_the_placeholder():
    image = image_store(upload=upload("photo.jpg", picture_bytes("JPEG", size=(400, 300))))

    assert image.status == StoredImage.Status.PENDING
    assert image.url() == image.url(160, "jpeg") == "/static/media/placeholder.svg"
    assert image.srcset() == ""


def test_unreadable_original_marks_the_picture_failed():
    image = image_store(upload=upload("photo.jpg", picture_bytes("JPEG", size=(400, 300))))
    with storages["originals"].open(image.original_name, "wb") as original:
        original.write(b"\xff\xd8\xff\xe0 gone bad on disk")

    failed = image_process(image_id=image.pk)

    assert failed.status == StoredImage.Status.FAILED
    assert failed.failure_reason
    assert failed.url() == failed.placeholder_url


def test_original_with_gps_is_kept_outside_served_media(store, media_root, settings):
    image = store(upload("a.jpg", picture_bytes("JPEG", size=(300, 200))))

    served = Path(settings.MEDIA_ROOT)
    assert not [path for path in stored_files(served) if "originals" in path.parts]
    assert storages["originals"].exists(image.original_name)
    with pytest.raises(ValueError):
        storages["originals"].url(image.original_name)
