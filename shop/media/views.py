"""Public pictures (renditions under MEDIA_ROOT) served by the web process itself, for a
deployment without a proxy or bucket in front (``SOKO_SERVE_MEDIA``). Originals live
outside MEDIA_ROOT and are never reachable from here."""

import mimetypes
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, Http404
from django.utils._os import safe_join
from django.views.decorators.http import require_safe

# Renditions are content-addressed (named by hash): they never change once written.
CACHE_CONTROL = "public, max-age=31536000, immutable"
SERVED_TYPES = {"image/webp", "image/jpeg", "image/png"}


@require_safe
def media_serve(request, path: str):
    try:
        full = Path(safe_join(settings.MEDIA_ROOT, path))
        found = full.is_file()
    except (SuspiciousFileOperation, OSError, ValueError):  # a climb out, a name too long, a NUL
        raise Http404("No such picture.") from None
    content_type, _ = mimetypes.guess_type(full.name)
    if not found or content_type not in SERVED_TYPES:
        raise Http404("No such picture.")
    response = FileResponse(full.open("rb"), content_type=content_type)
    response["Cache-Control"] = CACHE_CONTROL
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
