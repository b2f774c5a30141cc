"""Whole catalog pages for visitors who are not signed in and have no session, cached
under the catalog's stamp, and answered 304 when the browser already has them.

Most catalog traffic is anonymous browsing: the same category, search and product pages in
a handful of languages. Such a page depends only on the URL, the language, the display
currency, the htmx headers and the catalog's data, so its HTML is cached under a key of
those plus the catalog's stamp (``shop.catalog.services.stamp``), which database triggers move on
with every change to a table the pages read: a new price, stock, title, picture or store
name is a new key at once, and the old page is never read again.

A page is stored the second time it is asked for (the first leaves a small marker), so a
stream of one-off addresses, such as random searches, cannot fill the cache with pages.

Two things in the HTML belong to one response only and are put back on every hit: the CSRF
token (masked afresh for this visitor's cookie) and the product page's add-to-cart click
key (a new one per page shown). A visitor with a session (a cart, messages, a login) or a
signed-in user always gets a freshly rendered page.

Pages without a click key also get an ``ETag`` made of the same key and the visitor's CSRF
cookie, with ``Cache-Control: private, no-cache``: the browser asks each time, and gets a
bodiless 304 while nothing has changed, which saves the shopper's mobile data. (A product
page is always sent whole: a copy kept by the browser would repeat its click key.)
"""

import hashlib
import logging
import re
import uuid
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language

from shop.catalog.services.stamp import catalog_stamp
from shop.core.selectors.currencies import display_currency

log = logging.getLogger(__name__)

CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"')
CLICK_KEY = re.compile(r'name="click_key" value="([0-9a-f-]{36})"')
CSRF_SLOT = "\ue000soko-csrf\ue000"
CLICK_KEY_SLOT = "\ue000soko-click-key\ue000"
# Headers of the view's response that a cached copy repeats (Vary, HX-*…); cookies never.
SKIPPED_HEADERS = {"set-cookie", "content-length", "etag", "cache-control", "expires"}
HTMX_HEADERS = ("HX-Request", "HX-History-Restore-Request", "HX-Target", "HX-Boosted")


def _cacheable_request(request) -> bool:
    return (
        settings.SOKO_CATALOG_PAGE_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and not request.user.is_authenticated
    )


def page_key(request) -> str:
    parts = (
        catalog_stamp(request),
        request.get_host(),
        request.is_secure(),
        request.get_full_path(),
        get_language(),
        display_currency(),
        timezone.get_current_timezone_name(),
        *(request.headers.get(name, "") for name in HTMX_HEADERS),
    )
    return "catalog:page:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _etag(key: str, request) -> str:
    cookie = request.COOKIES.get(settings.CSRF_COOKIE_NAME, "")
    return '"' + hashlib.sha256(f"{key}|{cookie}".encode()).hexdigest()[:32] + '"'


def _template_of(response) -> dict | None:
    """The response as a reusable entry, or None when it must not be shared."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return None
    if not response.get("Content-Type", "").startswith("text/html"):
        return None
    if "private" in response.get("Cache-Control", "") or "no-store" in response.get("Cache-Control", ""):
        return None
    html = response.content.decode(response.charset)
    tokens = set(CSRF_TOKEN.findall(html))
    for token in tokens:
        html = html.replace(token, CSRF_SLOT)
    keys = set(CLICK_KEY.findall(html))
    for key in keys:
        html = html.replace(key, CLICK_KEY_SLOT)
    headers = {name: value for name, value in response.items() if name.lower() not in SKIPPED_HEADERS}
    return {"html": html, "headers": headers}


def _response_from(entry: dict, request) -> HttpResponse:
    html = entry["html"]
    if CSRF_SLOT in html:
        html = html.replace(CSRF_SLOT, get_token(request))
    if CLICK_KEY_SLOT in html:
        html = html.replace(CLICK_KEY_SLOT, str(uuid.uuid4()))
    response = HttpResponse(html)
    for name, value in entry["headers"].items():
        response[name] = value
    return response


def _revalidatable(response, key: str, request, has_click_key: bool) -> HttpResponse:
    if not has_click_key:
        response["ETag"] = _etag(key, request)
        patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ("Cookie",))
    return response


def _keep(key: str, entry: dict) -> None:
    """A page is kept from its second request on: a stream of one-off addresses (random
    searches) writes a marker each, not a whole page. An unreachable cache keeps nothing."""
    try:
        if not cache.add(f"{key}:seen", True, settings.SOKO_CATALOG_PAGE_CACHE_SECONDS):
            cache.set(key, entry, settings.SOKO_CATALOG_PAGE_CACHE_SECONDS)
    except Exception:
        log.warning("catalog page not cached: %s", key, exc_info=True)


def anonymous_page_cache(view):
    """Serves ``view``'s page from the cache to visitors without a session (see above)."""

    @wraps(view)
    def cached_view(request, *args, **kwargs):
        if not _cacheable_request(request):
            return view(request, *args, **kwargs)
        key = page_key(request)
        entry = cache.get(key)
        has_click_key = entry is not None and CLICK_KEY_SLOT in entry["html"]
        if entry is not None and not has_click_key and request.headers.get("If-None-Match") == _etag(key, request):
            not_modified = HttpResponseNotModified()
            for name, value in entry["headers"].items():
                if name.lower() in ("vary", "content-language"):
                    not_modified[name] = value
            return _revalidatable(not_modified, key, request, has_click_key)
        if entry is None:
            response = view(request, *args, **kwargs)
            entry = _template_of(response)
            if entry is None:
                return response
            _keep(key, entry)
            return _revalidatable(response, key, request, CLICK_KEY_SLOT in entry["html"])
        return _revalidatable(_response_from(entry, request), key, request, has_click_key)

    return cached_view
