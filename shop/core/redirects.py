"""Where a form may send the browser back to: the one "safe next URL" rule."""

from collections.abc import Iterable
from urllib.parse import urlsplit

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next_url(request, *, candidates: Iterable[str | None] | None = None, default: str = "") -> str:
    """The first candidate that is a page of this site, as an absolute path (with its query
    and fragment), else ``default``. Candidates default to the ``next`` form field or query
    parameter; a URL on another host, another scheme or ``//evil`` is never returned, nor a
    relative one (``foo``), which ``redirect()`` would take for a URL pattern's name."""
    if candidates is None:
        candidates = (request.POST.get("next"), request.GET.get("next"))
    for candidate in candidates:
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            parts = urlsplit(candidate)
            if parts.path and not parts.path.startswith("/"):
                continue
            return (
                (parts.path or "/")
                + (f"?{parts.query}" if parts.query else "")
                + (f"#{parts.fragment}" if parts.fragment else "")
            )
    return default
