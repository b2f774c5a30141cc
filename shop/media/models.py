import re

from django.conf import settings
from django.core.files.storage import storages
from django.core.validators import RegexValidator
from django.db import models
from django.templatetags.static import static
from django.utils.translation import gettext_lazy

RENDITION_FORMATS = ("webp", "jpeg")
PLACEHOLDER_PATH = "media/placeholder.svg"


class StoredImage(models.Model):
    """One uploaded picture, stored once however often it is uploaded (keyed by SHA-256).

    The original keeps its metadata and is never served: pages show renditions only,
    which are re-encoded without EXIF, XMP or colour profiles. Every file also has the
    content ID ``ipfs add`` gives its bytes (``cid`` for the original, kept as private as
    the original; each rendition's under its ``cids``).
    """

    class Status(models.TextChoices):
        PENDING = "pending", gettext_lazy("Being prepared")
        READY = "ready", gettext_lazy("Ready")
        FAILED = "failed", gettext_lazy("Could not be prepared")

    class Format(models.TextChoices):
        JPEG = "JPEG", gettext_lazy("JPEG")
        PNG = "PNG", gettext_lazy("PNG")
        WEBP = "WEBP", gettext_lazy("WebP")
        GIF = "GIF", gettext_lazy("GIF")

    sha256 = models.CharField(verbose_name=gettext_lazy("sha256"),
        max_length=64, unique=True, validators=[RegexValidator(r"^[0-9a-f]{64}$", "A lowercase hex SHA-256.")]
    )
    cid = models.CharField(verbose_name=gettext_lazy("content ID"), max_length=100, blank=True, help_text=gettext_lazy("What ipfs add gives the original's bytes (CIDv1, base32); private like the original."))
    original_name = models.CharField(verbose_name=gettext_lazy("original name"), max_length=255, help_text=gettext_lazy("Name in storage; private, never linked to."))
    format = models.CharField(verbose_name=gettext_lazy("format"), max_length=4, choices=Format.choices)
    width = models.PositiveIntegerField(verbose_name=gettext_lazy("width"), help_text=gettext_lazy("As displayed, after the EXIF orientation is applied."))
    height = models.PositiveIntegerField(verbose_name=gettext_lazy("height"), help_text=gettext_lazy("As displayed, after the EXIF orientation is applied."))
    bytes = models.PositiveIntegerField(verbose_name=gettext_lazy("bytes"), help_text=gettext_lazy("Size of the original upload."))
    status = models.CharField(verbose_name=gettext_lazy("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    failure_reason = models.CharField(verbose_name=gettext_lazy("failure reason"), max_length=300, blank=True)
    renditions = models.JSONField(verbose_name=gettext_lazy("renditions"),
        default=dict,
        blank=True,
        help_text=gettext_lazy('Width → {"webp": name, "jpeg": name, "width": w, "height": h, "cids": {"webp": cid, "jpeg": cid}, "pinned": [formats]}, names in storage.'),
    )
    # Read from the original's EXIF before it is stripped; for fraud checks only, never shown.
    gps_latitude = models.DecimalField(verbose_name=gettext_lazy("gps latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    gps_longitude = models.DecimalField(verbose_name=gettext_lazy("gps longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    created_at = models.DateTimeField(verbose_name=gettext_lazy("created at"), auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("stored image")
        verbose_name_plural = gettext_lazy("stored images")
        ordering = ["-created_at", "-id"]
        indexes = [
            # What the sweep for lost processing jobs reads: the few pictures still pending.
            models.Index(fields=["created_at"], condition=models.Q(status="pending"), name="storedimage_pending_idx"),
        ]

    def __str__(self):
        return f"{self.sha256[:12]} ({self.format}, {self.width}×{self.height}, {self.status})"

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY and bool(self.renditions)

    @property
    def placeholder_url(self) -> str:
        return static(PLACEHOLDER_PATH)

    def url(self, size: int | None = None, fmt: str = "webp") -> str:
        """The smallest rendition at least ``size`` pixels wide (the largest one when
        ``size`` is None), or the placeholder while the picture is being prepared."""
        _check_format(fmt)
        rendition = self._rendition(size)
        if rendition is None:
            return self.placeholder_url
        return _served_url(rendition, fmt)

    def rendition_cid(self, size: int | None = None, fmt: str = "webp") -> str:
        """The content ID of the rendition ``url`` serves for the same arguments ("" while
        the picture is being prepared)."""
        _check_format(fmt)
        rendition = self._rendition(size)
        return rendition.get("cids", {}).get(fmt, "") if rendition else ""

    def srcset(self, fmt: str = "webp") -> str:
        """``"url 160w, url 480w, …"`` for a ``srcset`` attribute; empty until ready."""
        _check_format(fmt)
        return ", ".join(
            f"{_served_url(rendition, fmt)} {rendition['width']}w" for rendition in self._renditions()
        )

    @property
    def display_width(self) -> int:
        largest = self._rendition(None)
        return largest["width"] if largest else self.width

    @property
    def display_height(self) -> int:
        largest = self._rendition(None)
        return largest["height"] if largest else self.height

    def _renditions(self) -> list[dict]:
        if not self.is_ready:
            return []
        return sorted(self.renditions.values(), key=lambda rendition: rendition["width"])

    def _rendition(self, size: int | None) -> dict | None:
        renditions = self._renditions()
        if not renditions:
            return None
        if size is not None:
            for rendition in renditions:
                if rendition["width"] >= size:
                    return rendition
        return renditions[-1]


class RenditionPin(models.Model):
    """One rendition file handed to the IPFS pinning service (SOKO_IPFS_PINNING_URL), with
    where that stands. Originals are never pinned: pinning publishes a file to anyone."""

    class Status(models.TextChoices):
        # The pinning service's own states (queued, pinning, pinned, failed), and ours
        # before it has answered.
        WAITING = "waiting", gettext_lazy("Waiting to be sent")
        QUEUED = "queued", gettext_lazy("Queued by the pinning service")
        PINNING = "pinning", gettext_lazy("Being pinned")
        PINNED = "pinned", gettext_lazy("Pinned")
        FAILED = "failed", gettext_lazy("Failed")

    image = models.ForeignKey(StoredImage, verbose_name=gettext_lazy("image"), on_delete=models.CASCADE, related_name="pins")
    name = models.CharField(verbose_name=gettext_lazy("name"), max_length=255, help_text=gettext_lazy("The rendition's name in storage."))
    format = models.CharField(verbose_name=gettext_lazy("format"), max_length=4, choices=[(fmt, fmt) for fmt in RENDITION_FORMATS])
    width = models.PositiveIntegerField(verbose_name=gettext_lazy("width"))
    cid = models.CharField(verbose_name=gettext_lazy("content ID"), max_length=100)
    status = models.CharField(verbose_name=gettext_lazy("status"), max_length=10, choices=Status.choices, default=Status.WAITING)
    request_id = models.CharField(verbose_name=gettext_lazy("request ID"), max_length=100, blank=True, help_text=gettext_lazy("The pinning service's requestid for this pin."))
    attempts = models.PositiveIntegerField(verbose_name=gettext_lazy("attempts"), default=0, help_text=gettext_lazy("Exchanges with the pinning service so far."))
    failure_reason = models.CharField(verbose_name=gettext_lazy("failure reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(verbose_name=gettext_lazy("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(verbose_name=gettext_lazy("updated at"), auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("rendition pin")
        verbose_name_plural = gettext_lazy("rendition pins")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["image", "name"], name="media_pin_one_per_rendition")]
        indexes = [models.Index(fields=["status", "updated_at"], name="media_pin_status_idx")]

    def __str__(self):
        return f"{self.cid} ({self.status})"


def _served_url(rendition: dict, fmt: str) -> str:
    """From the IPFS gateway (SOKO_IPFS_GATEWAY) once the pinning service holds the file,
    from Soko's own storage until then."""
    gateway = settings.SOKO_IPFS_GATEWAY
    if gateway and fmt in rendition.get("pinned", ()):
        return f"{gateway}/ipfs/{rendition['cids'][fmt]}"
    return stored_file_url(rendition[fmt])


# Names made of these characters are their own URL path (nothing to quote).
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*\Z")


def stored_file_url(name: str) -> str:
    """The default storage's ``url(name)``, without the storage's work for each file where its
    URLs are a fixed prefix and the name: a card's picture has ten renditions, and
    FileSystemStorage joins each with ``urljoin`` (a listing page of 24 cards spent about
    6 ms on it). The prefix is the storage's own answer for a probe name, worked out again
    when the storage or MEDIA_URL changes; a storage whose URLs carry a query (signed
    links to a private bucket) or differ otherwise is asked for each file."""
    storage = storages["default"]
    known = getattr(storage, "_soko_url_prefix", None)
    if known is None or known[0] != settings.MEDIA_URL:
        probe = "soko-probe/x.webp"
        url = storage.url(probe)
        prefix = url[: -len(probe)] if url.endswith(probe) and "?" not in url and "#" not in url else ""
        known = (settings.MEDIA_URL, prefix)
        storage._soko_url_prefix = known
    if known[1] and _PLAIN_NAME.match(name) and ".." not in name:
        return known[1] + name
    return storage.url(name)


def _check_format(fmt: str) -> None:
    if fmt not in RENDITION_FORMATS:
        raise ValueError(f"Renditions come as {' or '.join(RENDITION_FORMATS)}, not {fmt!r}.")
