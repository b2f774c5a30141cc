"""Whole catalog pages (and stores' pages) for visitors who are not signed in and have no
session, cached under the catalog's stamp, and answered 304 when the browser already has them.

Most catalog traffic is anonymous browsing: the same category, search and product pages in
a handful of languages. Such a page depends only on the URL, the language, the display
currency, the htmx headers and the catalog's data, so its HTML is cached under a key of
those plus the catalog's stamp (``shop.catalog.services.stamp``), which database triggers move on
with every change to a table the pages read: a new price, title, picture or store name is a
new key at once, and the old page is never read again. A sale is not such a change (it
would drop every page at each sale): the product page, which shows the units left and the
orders counted, is also keyed by them (``keyed_by``), and selling out moves the stamp. A
product page follows only its own category's changes and the shared ones
(``product_page_key``), a category page those of the categories under it
(``category_page_key``), so a seller's edit does not drop every page.

A page is stored the second time it is asked for (the first leaves a small marker), so a
stream of one-off addresses, such as random searches, cannot fill the cache with pages.

Two things in the HTML belong to one response only and are put back on every hit: the CSRF
token (masked afresh for this visitor's cookie) and the product page's add-to-cart click
key (a new one per page shown). A visitor with a session but no account (a guest cart,
messages) always gets a freshly rendered page.

Signed-in shoppers share a second copy of each page, rendered once for the first of them
with its reader's own parts marked: the page frame's parts (navbar with its counts and
user menu, footer link, toasts, live socket: ``shop.core.page_parts``) and the favourite
hearts (``shop.catalog.selectors.shared_hearts``, both states kept beside the page). Each
other shopper gets that copy with their parts rendered for them and their hearts set from
one query of their favourites; no view runs. A shopper for whom the page's own content
would differ (a member of a store, who is not offered to report its listings, or a page a
``shared_page_refusal`` names, such as the author of a review shown) gets a page of their own.

Pages without a click key also get an ``ETag`` made of the same key and the visitor's CSRF
cookie, with ``Cache-Control: private, no-cache``: the browser asks each time, and gets a
bodiless 304 while nothing has changed, which saves the shopper's mobile data. (A product
page is always sent whole: a copy kept by the browser would repeat its click key.)
"""

import hashlib
import logging
import re
import uuid
from functools import partial, wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language

from shop.catalog.selectors.shared_hearts import hearts_fill, hearts_kept, hearts_unmarked
from shop.catalog.services.stamp import catalog_stamp
from shop.core.metrics import PAGE_CACHE
from shop.core.page_parts import page_parts_fill, page_parts_mark, page_parts_unmarked
from shop.core.selectors.currencies import display_currency
from shop.core.selectors.modes import user_modes

log = logging.getLogger(__name__)

CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"|"X-CSRFToken": "([A-Za-z0-9]{64})"')
CLICK_KEY = re.compile(r'name="click_key" value="([0-9a-f-]{36})"')
CSRF_SLOT = "\ue000soko-csrf\ue000"
CLICK_KEY_SLOT = "\ue000soko-click-key\ue000"
# Headers of the view's response that a cached copy repeats (Vary, HX-*…); cookies never.
SKIPPED_HEADERS = {"set-cookie", "content-length", "etag", "cache-control", "expires"}
HTMX_HEADERS = ("HX-Request", "HX-History-Restore-Request", "HX-Target", "HX-Boosted")


VISITOR, SHOPPER = "visitor", "shopper"
# Functions (request, view name, view kwargs) -> True when this shopper must get a page of
# their own (apps above the catalog add theirs: shop.reviews for the author of a review shown).
_refusals: list = []


def shared_page_refusal(refuses) -> None:
    """Register ``refuses(request, view_name, kwargs)``: True when the signed-in reader's page
    would differ from other shoppers' in its content, not only in its reader's parts."""
    _refusals.append(refuses)


def _audience(request, view_name: str, kwargs) -> str | None:
    """Who shares the page: visitors without a session, signed-in shoppers, or nobody."""
    if settings.SOKO_CATALOG_PAGE_CACHE_SECONDS <= 0 or request.method not in ("GET", "HEAD"):
        return None
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return VISITOR if "messages" not in request.COOKIES and not request.user.is_authenticated else None
    user = request.user
    if not user.is_authenticated:
        return None
    if any(mode.key == "store" for mode in user_modes(user=user, request=request)):
        return None  # a store's member is not offered to report its listings
    if any(refuses(request, view_name, kwargs) for refuses in _refusals):
        return None
    return SHOPPER


def page_key(request, audience: str = VISITOR, keyed: tuple | None = None) -> str:
    """``keyed``: what the page's data is keyed by (the catalog's stamp unless given)."""
    parts = (
        audience,
        (catalog_stamp(request),) if keyed is None else keyed,
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


def _template_of(response, request) -> dict | None:
    """The response as a reusable entry, or None when it must not be shared."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return None
    if not response.get("Content-Type", "").startswith("text/html"):
        return None
    if "private" in response.get("Cache-Control", "") or "no-store" in response.get("Cache-Control", ""):
        return None
    html = response.content.decode(response.charset)
    tokens = {token for pair in CSRF_TOKEN.findall(html) for token in pair if token}
    keys = set(CLICK_KEY.findall(html))
    hearts = {key: tuple(_slotted(state, tokens, keys) for state in states) for key, states in hearts_kept(request).items()}
    headers = {name: value for name, value in response.items() if name.lower() not in SKIPPED_HEADERS}
    return {"html": _slotted(html, tokens, keys), "headers": headers, "hearts": hearts}


def _slotted(html: str, tokens: set, keys: set) -> str:
    for token in tokens:
        html = html.replace(token, CSRF_SLOT)
    for key in keys:
        html = html.replace(key, CLICK_KEY_SLOT)
    return html


def _response_from(entry: dict, request, audience: str) -> HttpResponse:
    html = entry["html"]
    if audience == SHOPPER:
        html = page_parts_fill(hearts_fill(html, hearts=entry["hearts"], user=request.user), request)
    if CSRF_SLOT in html:
        html = html.replace(CSRF_SLOT, get_token(request))
    if CLICK_KEY_SLOT in html:
        html = html.replace(CLICK_KEY_SLOT, str(uuid.uuid4()))
    response = HttpResponse(html)
    for name, value in entry["headers"].items():
        response[name] = value
    return response


def _revalidatable(response, key: str, request, has_click_key: bool, audience: str = VISITOR) -> HttpResponse:
    if audience == SHOPPER:  # the reader's parts change without the key: always sent whole
        patch_cache_control(response, private=True, no_cache=True)
    elif not has_click_key:
        response["ETag"] = _etag(key, request)
        patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ("Cookie",))
    return response


def _keep(key: str, entry: dict, response) -> None:
    """A page is kept from its second request on: a stream of one-off addresses (random
    searches) writes a marker each, not a whole page. An unreachable cache keeps nothing.
    A view whose page says something that time alone changes (a store's "Open now") sets
    ``response.page_cache_until``, an aware datetime: its copy is not kept past it."""
    seconds = settings.SOKO_CATALOG_PAGE_CACHE_SECONDS
    until = getattr(response, "page_cache_until", None)
    if until is not None:
        seconds = min(seconds, int((until - timezone.now()).total_seconds()))
        if seconds <= 0:
            return
        entry = {**entry, "until": until}  # checked on reading too: the cache's clock may not be ours
    try:
        if not cache.add(f"{key}:seen", True, seconds):
            cache.set(key, entry, seconds)
    except Exception:
        log.warning("catalog page not cached: %s", key, exc_info=True)


def anonymous_page_cache(view=None, *, keyed_by=None):
    """Serves ``view``'s page from the cache to visitors without a session (see above).
    ``keyed_by(request, **url_kwargs)``: everything the page's data is keyed by, read on
    every request instead of the catalog's stamp alone (with it the sale counters a page
    shows, which the stamp does not follow), or None when this page must not be kept."""
    if view is None:
        return partial(anonymous_page_cache, keyed_by=keyed_by)

    @wraps(view)
    def cached_view(request, *args, **kwargs):
        audience = _audience(request, view.__name__, kwargs)
        if audience is None:
            return view(request, *args, **kwargs)
        keyed = keyed_by(request, **request.resolver_match.kwargs) if keyed_by else None
        if keyed_by and keyed is None:
            return view(request, *args, **kwargs)
        key = page_key(request, audience, keyed)
        entry = cache.get(key)
        if entry is not None and entry.get("until") is not None and entry["until"] <= timezone.now():
            entry = None
        PAGE_CACHE.labels("miss" if entry is None else "hit").inc()
        has_click_key = entry is not None and CLICK_KEY_SLOT in entry["html"]
        if (
            audience == VISITOR
            and entry is not None
            and not has_click_key
            and request.headers.get("If-None-Match") == _etag(key, request)
        ):
            not_modified = HttpResponseNotModified()
            for name, value in entry["headers"].items():
                if name.lower() in ("vary", "content-language"):
                    not_modified[name] = value
            return _revalidatable(not_modified, key, request, has_click_key)
        if entry is None:
            if audience == SHOPPER:
                page_parts_mark(request)
            response = view(request, *args, **kwargs)
            entry = _template_of(response, request)
            if audience == SHOPPER and not response.streaming:
                response.content = hearts_unmarked(page_parts_unmarked(response.content.decode(response.charset)))
            if entry is None:
                return response
            _keep(key, entry, response)
            return _revalidatable(response, key, request, CLICK_KEY_SLOT in entry["html"], audience)
        return _revalidatable(_response_from(entry, request, audience), key, request, has_click_key, audience)

    return cached_view
