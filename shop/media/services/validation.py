"""Check an uploaded file before anything is stored: is it really a picture we can serve?

Every refusal is a ``ValidationError`` whose message a seller can act on. The checks run
from cheapest to dearest, and pixels are decoded only after the header's dimensions passed.
"""

import hashlib
import os
import struct
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, UnidentifiedImageError

EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
ACCEPT = "image/jpeg,image/png,image/webp,image/gif"

# Browsers sniff the first bytes for HTML; polyglots also hide payloads at the very end.
MARKUP_WINDOW = 4096
MARKUP_MARKERS = (b"<html", b"<script", b"<?php", b"<svg", b"<!doctype html", b"<body", b"<iframe")

# EXIF orientations 5–8 turn the picture a quarter, so width and height swap on screen.
QUARTER_TURN_ORIENTATIONS = {5, 6, 7, 8}


@dataclass(frozen=True)
class ValidatedImage:
    name: str
    content: bytes
    format: str
    width: int
    height: int
    sha256: str
    gps_latitude: Decimal | None = None
    gps_longitude: Decimal | None = None

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]

    @property
    def size(self) -> int:
        return len(self.content)


class _Damaged(Exception):
    pass


class _TrailingData(Exception):
    pass


def image_validate(*, upload) -> ValidatedImage:
    """Return the upload's bytes and facts, or raise ``ValidationError`` saying what is wrong."""
    name = _display_name(upload)
    max_bytes = settings.SOKO_IMAGE_MAX_BYTES

    declared_size = getattr(upload, "size", None)
    if declared_size is not None and declared_size > max_bytes:
        raise _too_large(name, declared_size, max_bytes)
    if hasattr(upload, "seek"):
        upload.seek(0)
    # One byte past the limit is enough to know a file lied about its size.
    content = upload.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise _too_large(name, len(content), max_bytes)
    if not content:
        raise ValidationError(_("%(name)s is empty.") % {"name": name}, code="empty")

    image_format = _sniff_format(content)
    if image_format is None:
        raise ValidationError(
            _("%(name)s is not a JPEG, PNG, WebP or GIF picture, whatever its name says.") % {"name": name}, code="not_an_image"
        )
    if _contains_markup(content):
        raise ValidationError(
            _("%(name)s contains web page or script code hidden in the picture, so it was refused.") % {"name": name}, code="markup"
        )
    try:
        _check_structure(content, image_format)
    except _TrailingData:
        raise ValidationError(
            _("%(name)s has extra data after the end of the picture, so it was refused. Save it again as a plain picture (for example with your phone's or computer's photo editor) and upload that.") % {"name": name},
            code="trailing_data",
        ) from None
    except _Damaged:
        raise _damaged(name, image_format) from None

    width, height, orientation, gps = _decode(content, image_format, name)
    if orientation in QUARTER_TURN_ORIENTATIONS:
        width, height = height, width
    latitude, longitude = gps if gps else (None, None)
    return ValidatedImage(
        name=name,
        content=content,
        format=image_format,
        width=width,
        height=height,
        sha256=hashlib.sha256(content).hexdigest(),
        gps_latitude=latitude,
        gps_longitude=longitude,
    )


def _display_name(upload) -> str:
    name = os.path.basename(getattr(upload, "name", "") or "")
    if not name:
        return _("This file")
    return name if len(name) <= 80 else name[:77] + "…"


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _limit_megabytes(size: int) -> str:
    value = size / (1024 * 1024)
    return f"{value:g} MB" if value == int(value) else f"{value:.1f} MB"


def _too_large(name: str, size: int, limit: int) -> ValidationError:
    return ValidationError(
        _("%(name)s is %(megabytes)s; the limit is %(limit_megabytes)s. Make the picture smaller and try again.") % {"name": name, "megabytes": _megabytes(size), "limit_megabytes": _limit_megabytes(limit)},
        code="too_large",
    )


def _too_many_pixels(name: str, width: int | None = None, height: int | None = None) -> ValidationError:
    limit = _("%(count)s megapixels") % {"count": format(settings.SOKO_IMAGE_MAX_PIXELS / 1_000_000, "g")}
    if width and height:
        return ValidationError(
            _("%(name)s is %(width)s × %(height)s pixels (%(megapixels)s megapixels); the limit is %(limit)s. Make the picture smaller and try again.")
            % {"name": name, "width": width, "height": height, "megapixels": format(width * height / 1_000_000, ".0f"), "limit": limit},
            code="too_many_pixels",
        )
    return ValidationError(
        _("%(name)s has more pixels than the limit of %(limit)s. Make the picture smaller and try again.") % {"name": name, "limit": limit},
        code="too_many_pixels",
    )


def _damaged(name: str, image_format: str) -> ValidationError:
    label = {"WEBP": "WebP"}.get(image_format, image_format)
    return ValidationError(
        _("%(name)s looks like a %(label)s picture but is damaged or incomplete, so it could not be read.") % {"name": name, "label": label},
        code="damaged",
    )


def _sniff_format(content: bytes) -> str | None:
    if content.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if content[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "WEBP"
    return None


def _contains_markup(content: bytes) -> bool:
    head = content[:MARKUP_WINDOW].lower()
    tail = content[-MARKUP_WINDOW:].lower()
    return any(marker in head or marker in tail for marker in MARKUP_MARKERS)


def _check_structure(content: bytes, image_format: str) -> None:
    """Walk the container to its end marker; raise ``_TrailingData`` if bytes follow it."""
    if image_format == "PNG":
        end = _png_end(content)
    elif image_format == "GIF":
        end = _gif_end(content)
    elif image_format == "WEBP":
        end = _webp_end(content)
    else:
        end = _jpeg_end(content, 0)
        # Phones append further complete JPEGs (MPF: HDR gain maps, previews) and some
        # cameras pad with zeros; both are harmless, anything else is not.
        while content[end : end + 3] == b"\xff\xd8\xff":
            end = _jpeg_end(content, end)
        if not content[end:].strip(b"\x00"):
            end = len(content)
    if end < len(content):
        raise _TrailingData


def _png_end(content: bytes) -> int:
    position, size = 8, len(content)
    while True:
        if position + 12 > size:
            raise _Damaged
        length = int.from_bytes(content[position : position + 4], "big")
        chunk_type = content[position + 4 : position + 8]
        position += 12 + length
        if position > size:
            raise _Damaged
        if chunk_type == b"IEND":
            return position


def _jpeg_end(content: bytes, start: int) -> int:
    size = len(content)
    position = start + 2
    while True:
        if position >= size or content[position] != 0xFF:
            raise _Damaged
        while position < size and content[position] == 0xFF:
            position += 1
        if position >= size:
            raise _Damaged
        marker = content[position]
        position += 1
        if marker == 0xD9:
            return position
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            continue
        if position + 2 > size:
            raise _Damaged
        length = int.from_bytes(content[position : position + 2], "big")
        if length < 2 or position + length > size:
            raise _Damaged
        position += length
        if marker == 0xDA:
            position = _jpeg_scan_end(content, position)


def _jpeg_scan_end(content: bytes, position: int) -> int:
    """Skip entropy-coded data: it ends at the first 0xFF that starts a real marker."""
    size = len(content)
    while True:
        position = content.find(b"\xff", position)
        if position == -1 or position + 1 >= size:
            raise _Damaged
        following = content[position + 1]
        if following == 0xFF:
            position += 1
        elif following == 0x00 or 0xD0 <= following <= 0xD7:
            position += 2
        else:
            return position


def _gif_end(content: bytes) -> int:
    size = len(content)
    if size < 13:
        raise _Damaged
    position = 13 + _gif_colour_table_size(content[10])
    while True:
        if position >= size:
            # No trailer byte, but nothing follows the last block either.
            return position
        block = content[position]
        if block == 0x3B:
            return position + 1
        if block == 0x21:
            position = _gif_skip_sub_blocks(content, position + 2)
        elif block == 0x2C:
            if position + 11 > size:
                raise _Damaged
            position += 10 + _gif_colour_table_size(content[position + 9]) + 1
            position = _gif_skip_sub_blocks(content, position)
        else:
            raise _Damaged


def _gif_colour_table_size(flags: int) -> int:
    return 3 * 2 ** ((flags & 0x07) + 1) if flags & 0x80 else 0


def _gif_skip_sub_blocks(content: bytes, position: int) -> int:
    size = len(content)
    while True:
        if position >= size:
            raise _Damaged
        length = content[position]
        position += 1 + length
        if length == 0:
            return position


def _webp_end(content: bytes) -> int:
    if len(content) < 16:
        raise _Damaged
    end = 8 + int.from_bytes(content[4:8], "little")
    if end > len(content):
        raise _Damaged
    return end


def _decode(content: bytes, image_format: str, name: str) -> tuple[int, int, int | None, tuple | None]:
    """Open with Pillow (header only), check the declared size, then verify and decode."""
    try:
        with Image.open(BytesIO(content), formats=[image_format]) as image:
            width, height = image.size
            if width * height > settings.SOKO_IMAGE_MAX_PIXELS:
                raise _too_many_pixels(name, width, height)
            image.verify()
        with Image.open(BytesIO(content), formats=[image_format]) as image:
            image.load()
            exif = image.getexif()
            orientation = exif.get(ExifTags.Base.Orientation)
            gps = _gps_from_exif(exif)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(name) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, struct.error):
        raise _damaged(name, image_format) from None
    return width, height, orientation, gps


def _gps_from_exif(exif: Image.Exif) -> tuple[Decimal, Decimal] | None:
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    try:
        latitude = _degrees(gps[ExifTags.GPS.GPSLatitude], gps.get(ExifTags.GPS.GPSLatitudeRef), negative="S")
        longitude = _degrees(gps[ExifTags.GPS.GPSLongitude], gps.get(ExifTags.GPS.GPSLongitudeRef), negative="W")
    except (KeyError, IndexError, TypeError, ValueError, ZeroDivisionError, InvalidOperation):
        return None
    if abs(latitude) > 90 or abs(longitude) > 180:
        return None
    return latitude, longitude


def _degrees(value, reference, *, negative: str) -> Decimal:
    degrees, minutes, seconds = (_fraction(part) for part in value)
    total = degrees + minutes / 60 + seconds / 3600
    if isinstance(reference, bytes):
        reference = reference.decode("ascii", "ignore")
    if (reference or "").strip().upper() == negative:
        total = -total
    return (Decimal(total.numerator) / Decimal(total.denominator)).quantize(Decimal("0.000001"))


def _fraction(value) -> Fraction:
    numerator = getattr(value, "numerator", None)
    denominator = getattr(value, "denominator", None)
    if numerator is not None and denominator is not None:
        return Fraction(int(numerator), int(denominator))
    return Fraction(value)
