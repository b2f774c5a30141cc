"""Where Soko keeps files. Public pictures (renditions) go to the ``default`` storage; what
only the site hands out (uploaded originals with their EXIF, invoices, credit notes, staff
exports) to the ``originals`` storage, which is never served as it stands.

On one machine both are folders (``MEDIA_ROOT`` and ``<MEDIA_ROOT>-private``). With
``SOKO_S3_BUCKET`` set they are an S3-compatible object store (site_config.settings), shared
by every web process and worker: public pictures under ``media/`` (readable by anyone, or
through ``SOKO_MEDIA_URL``'s CDN), private files under ``private/`` (or in
``SOKO_S3_PRIVATE_BUCKET``), handed out only by ``private_download``: after the caller's
permission check, a short-lived signed address of the object store, or the file itself
from local disk."""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.functional import LazyObject, empty
from django.utils.http import content_disposition_header


class OriginalsStorage(FileSystemStorage):
    """Private files on local disk: beside MEDIA_ROOT (``<MEDIA_ROOT>-private``) or in
    SOKO_PRIVATE_MEDIA_ROOT, with no URL."""

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


class _PrivateStorage(LazyObject):
    """The ``originals`` storage as configured now (a model's file field keeps this, not the
    storage it found when the models loaded)."""

    def _setup(self):
        self._wrapped = storages["originals"]


_private = _PrivateStorage()


@receiver(setting_changed)
def _private_storage_changed(*, setting, **kwargs):
    if setting == "STORAGES":
        _private._wrapped = empty


def private_storage():
    """The storage of files only the site hands out (invoices, exports): the originals'."""
    return _private


def signs_addresses(storage) -> bool:
    """Whether ``storage`` hands out short-lived signed addresses (an S3 bucket) rather than
    being read through this site."""
    return bool(getattr(storage, "querystring_auth", False))


def private_download(file, *, filename: str, content_type: str) -> HttpResponse:
    """A private file for a reader the caller has already checked: a redirect to a signed
    address that expires in ``SOKO_S3_SIGNED_URL_SECONDS``, or the file itself. Never cached."""
    if signs_addresses(file.storage):
        response = HttpResponseRedirect(
            file.storage.url(
                file.name,
                parameters={
                    "ResponseContentDisposition": content_disposition_header(True, filename),
                    "ResponseContentType": content_type,
                },
                expire=settings.SOKO_S3_SIGNED_URL_SECONDS,
            )
        )
    else:
        response = FileResponse(file.open("rb"), as_attachment=True, filename=filename, content_type=content_type)
    add_never_cache_headers(response)
    patch_cache_control(response, private=True, no_store=True)
    return response
