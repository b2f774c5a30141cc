"""Files that must be turned away before anything is written, with a message a seller understands."""

import pytest
from django.core.exceptions import ValidationError

from shop.media.models import StoredImage
from shop.media.services.images import image_store
from shop.media.services.validation import image_validate

from .pictures import picture_bytes, png_chunk, png_declaring, stored_files, upload

pytestmark = pytest.mark.django_db


def refusal(media_root, file) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        image_store(upload=file)
    assert StoredImage.objects.count() == 0
    assert stored_files(media_root) == []
    return caught.value


def test_text_file_renamed_to_photo_jpg_is_refused(media_root):
    error = refusal(media_root, upload("photo.jpg", b"Dear seller, this is not a photo at all.\n" * 20))

    assert error.code == "not_an_image"
    assert error.messages == ["photo.jpg is not a JPEG, PNG, WebP or GIF picture, whatever its name says."]


def test_html_appended_to_a_real_png_is_refused(media_root):
    polyglot = picture_bytes("PNG") + b"<html><script>alert(document.cookie)</script></html>"

    error = refusal(media_root, upload("listing.png", polyglot, "image/png"))

    assert error.code == "markup"
    assert "web page or script code" in error.messages[0]


def test_script_hidden_in_a_png_text_chunk_is_refused(media_root):
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "<script>fetch('/account/email/')</script>")

    error = refusal(media_root, upload("listing.png", picture_bytes("PNG", pnginfo=info), "image/png"))

    assert error.code == "markup"


def test_payload_after_the_png_end_marker_is_refused_even_without_markup(media_root):
    zipped_payload = b"PK\x03\x04" + b"\x01" * 200

    error = refusal(media_root, upload("listing.png", picture_bytes("PNG") + zipped_payload, "image/png"))

    assert error.code == "trailing_data"
    assert error.messages[0].startswith("listing.png has extra data after the end of the picture")


def test_payload_after_the_jpeg_end_marker_is_refused(media_root):
    error = refusal(media_root, upload("photo.jpg", picture_bytes("JPEG") + b"#!/bin/sh\nrm -rf /\n"))

    assert error.code == "trailing_data"


def test_payload_after_the_gif_trailer_is_refused(media_root):
    gif = picture_bytes("GIF", mode="P", colour=3)

    error = refusal(media_root, upload("banner.gif", gif + b"\x00MZ payload" * 10, "image/gif"))

    assert error.code == "trailing_data"


def test_payload_after_the_webp_riff_is_refused(media_root):
    error = refusal(media_root, upload("photo.webp", picture_bytes("WEBP") + b"MZ" * 50, "image/webp"))

    assert error.code == "trailing_data"


def test_png_declaring_20000_by_20000_pixels_is_refused_before_decoding(media_root):
    bomb = png_declaring(20_000, 20_000)
    assert len(bomb) < 200

    error = refusal(media_root, upload("huge.png", bomb, "image/png"))

    assert error.code == "too_many_pixels"
    assert error.messages == [
        "huge.png has more pixels than the limit of 40 megapixels. Make the picture smaller and try again."
    ]


def test_png_declaring_more_than_the_soko_pixel_limit_names_its_size(media_root):
    error = refusal(media_root, upload("poster.png", png_declaring(8000, 6000), "image/png"))

    assert error.code == "too_many_pixels"
    assert error.messages[0].startswith("poster.png is 8000 × 6000 pixels (48 megapixels); the limit is 40 megapixels.")


def test_upload_of_9_mb_is_refused_with_its_size_and_the_limit(media_root):
    nine_mb = b"\xff\xd8\xff\xe0" + b"\x00" * (9 * 1024 * 1024 - 4)

    error = refusal(media_root, upload("holiday.jpg", nine_mb))

    assert error.code == "too_large"
    assert error.messages[0].startswith("holiday.jpg is 9.0 MB; the limit is 8 MB")


def test_file_that_understates_its_size_is_still_measured(media_root, settings):
    settings.SOKO_IMAGE_MAX_BYTES = 1024
    file = upload("photo.jpg", picture_bytes("JPEG", size=(400, 400)))
    file.size = 10

    error = refusal(media_root, file)

    assert error.code == "too_large"


def test_png_signature_followed_by_junk_is_called_damaged(media_root):
    broken = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", b"\x00" * 13) + b"\x00\x00\xff\xffjunk"

    error = refusal(media_root, upload("photo.png", broken, "image/png"))

    assert error.code == "damaged"
    assert error.messages == [
        "photo.png looks like a PNG picture but is damaged or incomplete, so it could not be read."
    ]


def test_truncated_jpeg_is_called_damaged(media_root):
    jpeg = picture_bytes("JPEG", size=(300, 200))

    error = refusal(media_root, upload("photo.jpg", jpeg[: len(jpeg) // 2]))

    assert error.code == "damaged"


def test_png_with_a_bad_checksum_is_called_damaged(media_root):
    png = bytearray(picture_bytes("PNG", size=(50, 50)))
    idat = png.index(b"IDAT")
    length = int.from_bytes(png[idat - 4 : idat], "big")
    png[idat + 4 + length] ^= 0xFF  # first byte of the IDAT CRC

    error = refusal(media_root, upload("photo.png", bytes(png), "image/png"))

    assert error.code == "damaged"


def test_empty_file_is_refused(media_root):
    error = refusal(media_root, upload("photo.jpg", b""))

    assert error.code == "empty"


def test_a_png_named_jpg_is_accepted_for_what_it_really_is():
    validated = image_validate(upload=upload("photo.jpg", picture_bytes("PNG", size=(30, 20))))

    assert (validated.format, validated.extension, validated.width, validated.height) == ("PNG", "png", 30, 20)


def test_jpeg_with_phone_gain_map_appended_is_accepted():
    # iPhones append a second complete JPEG (MPF) after the first one's end marker.
    photo = picture_bytes("JPEG", size=(200, 100)) + picture_bytes("JPEG", size=(50, 25), colour=(0, 0, 0))

    assert image_validate(upload=upload("IMG_0001.jpg", photo)).format == "JPEG"
