from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class OriginalsStorage(FileSystemStorage):
    """Uploaded originals keep their EXIF (GPS included), so they are never served: they
    live beside MEDIA_ROOT (``<MEDIA_ROOT>-private``) or in SOKO_PRIVATE_MEDIA_ROOT, with
    no URL. Swap this alias for a private bucket when media moves to S3."""

    @property
    def base_location(self):
        configured = getattr(settings, "SOKO_PRIVATE_MEDIA_ROOT", "")
        media_root = Path(settings.MEDIA_ROOT)
        return configured or str(media_root.parent / f"{media_root.name}-private")

    @property
    def location(self):
        return str(Path(self.base_location).resolve())

    def url(self, name):
        raise ValueError("Originals are private and have no URL.")


def private_storage():
    """The storage of files only the site hands out (invoices), through a view that checks
    who asks: the originals' storage, never served."""
    from django.core.files.storage import storages

    return storages["originals"]
