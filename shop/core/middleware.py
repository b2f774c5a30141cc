import logging
import sys
from functools import lru_cache

from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.db import OperationalError
from django.dispatch import receiver
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from psycopg_pool import PoolTimeout

from .errors import NotFound
from .postgresql.base import ConnectionUnavailable
from .services.cache import cache_unreachable

log = logging.getLogger(__name__)

LIVENESS_PATH = "/healthz/live"


def liveness_response() -> HttpResponse:
    """The process answers: no database, no cache, no session."""
    response = HttpResponse("ok", content_type="text/plain")
    add_never_cache_headers(response)
    return response


def liveness_probe(get_response):
    """Answer the liveness probe before any other middleware: a load balancer asks it
    every few seconds, and it needs no session, language, CSRF or security headers."""

    def middleware(request):
        if request.path_info == LIVENESS_PATH and request.method in ("GET", "HEAD"):
            return liveness_response()
        return get_response(request)

    return middleware


# Stands for the request's nonce in a policy built once (base64 never contains "!").
NONCE_SLOT = "!nonce!"


@lru_cache(maxsize=4)
def _policy(*, with_nonce: bool, report_only: bool) -> str:
    return build_policy(nonce=NONCE_SLOT if with_nonce else None, report_only=report_only)


@receiver(setting_changed)
def _policy_forget(*, setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _policy.cache_clear()


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware with the settings' policy built once per process (with a
    slot for the nonce, filled by a string replace) instead of once per response. A
    response with its own policy parts (``_csp_update`` and the like: the admin's) is
    built by django-csp as before."""

    def process_response(self, request, response):
        if any(getattr(response, name, None) is not None for name in _OWN_POLICY_PARTS):
            return super().process_response(request, response)
        if response.status_code in (404, 500) and settings.DEBUG:
            return response  # django-csp leaves Django's debug pages alone
        nonce = getattr(request, "_csp_nonce", None)
        for header, report_only, exempt in _HEADERS:
            policy = _policy(with_nonce=bool(nonce), report_only=report_only)
            if policy and header not in response and not getattr(response, exempt, False) and not _excluded(request, report_only):
                response[header] = policy.replace(NONCE_SLOT, nonce) if nonce else policy
        if nonce is None:  # a nonce asked for from now on would not be in the header: an error
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


_OWN_POLICY_PARTS = ("_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro")
_HEADERS = (
    ("Content-Security-Policy", False, "_csp_exempt"),
    ("Content-Security-Policy-Report-Only", True, "_csp_exempt_ro"),
)


def _excluded(request, report_only: bool) -> bool:
    policy = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY" if report_only else "CONTENT_SECURITY_POLICY", None) or {}
    prefixes = policy.get("EXCLUDE_URL_PREFIXES") or ()
    return bool(prefixes) and request.path_info.startswith(tuple(prefixes))



def raw_body(view):
    """Mark a view that reads ``request.body`` itself (a provider's signed webhook, a
    callback): no middleware parses its form data first. Parsing a multipart body consumes
    the stream, and ``request.body`` would then raise ``RawPostDataException`` (a 500).
    Such a view answers any body it cannot use with a 400 and its reason, whatever the
    content type; tests/security/test_raw_bodies.py finds every view that reads the body
    and holds it to both."""
    view.raw_body = True
    return view


class RejectNulCharacters:
    """Refuse NUL characters in the path, query string or form fields with a 400: no page
    wants them, and PostgreSQL cannot store or compare them (it would be a 500). Form
    fields are read once the view is known, and never for a ``raw_body`` view or the JSON
    API, which parses its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any("\x00" in value for value in [request.path, *request.GET.values()]):
            return self.refused(request)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        form = request.content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}
        if request.method != "POST" or not form or getattr(view_func, "raw_body", False):
            return None
        if request.path_info.startswith("/api/"):
            return None  # the JSON API reads its own bodies: its text fields refuse NUL, as problems
        return self.refused(request) if any("\x00" in value for value in request.POST.values()) else None

    @staticmethod
    def refused(request):
        message = _("Bad request: the address or form contains a NUL character.")
        if request.path_info.startswith("/api/"):  # the JSON API answers problems (RFC 9457)
            problem = {"type": "about:blank", "title": "Bad Request", "status": 400, "detail": message, "code": "nul_character"}
            return JsonResponse(problem, status=400, content_type="application/problem+json")
        return HttpResponseBadRequest(message)


# The name settings.MIDDLEWARE lists.
reject_nul_characters = RejectNulCharacters


class NotFoundMiddleware:
    """Translate a selector's ``NotFound`` into Django's 404 page for any view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotFound):
            raise Http404(str(exception)) from exception
        return None


def database_unavailable(exception: BaseException | None) -> bool:
    """The exception says no database connection could be had (the pool stayed empty, or
    the server refused), not that a query failed."""
    return isinstance(exception, OperationalError) and isinstance(
        exception.__cause__, (ConnectionUnavailable, PoolTimeout)
    )


def busy_response(request, exception: BaseException):
    """503 "busy, try again" with ``Retry-After``, for a request that got no connection."""
    log.warning("no database connection for %s %s: %s", request.method, request.path, exception)
    # The page renders without context processors: they would ask the database again.
    html = loader.get_template("503.html").render({"site_name": settings.SOKO_SITE_NAME})
    return HttpResponse(html, status=503, headers={"Retry-After": str(settings.SOKO_BUSY_RETRY_AFTER_SECONDS)})


class DatabaseBusyMiddleware:
    """A view that could not get a database connection answers 503 with ``Retry-After``
    instead of a 500; any other error goes on as before."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if database_unavailable(exception):
            return busy_response(request, exception)
        return None


def busy_response_for_current_error(request):
    """For the 500 handler: the busy page when the error being handled is a missing
    connection (raised outside a view, e.g. in a middleware), else None."""
    exception = sys.exc_info()[1]
    return busy_response(request, exception) if database_unavailable(exception) else None


# Browser features pages may use: the camera (the courier's QR scanner) and the location
# (distance to stores) on this site only; everything else is off for every page and frame.
# Only features Chromium knows: an unknown one (``bluetooth``) is a console warning on every page.
PERMISSIONS_POLICY = ", ".join(
    [
        "camera=(self)",
        "geolocation=(self)",
        "microphone=()",
        "payment=()",
        "usb=()",
        "serial=()",
        "midi=()",
        "magnetometer=()",
        "gyroscope=()",
        "accelerometer=()",
        "display-capture=()",
        "browsing-topics=()",
    ]
)


def permissions_policy(get_response):
    """Send ``Permissions-Policy`` with every response (Django has no setting for it)."""

    def middleware(request):
        response = get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response

    return middleware


class SharedCacheDownMiddleware:
    """A view that needed Redis for a decision while it was unreachable (allauth's log-in
    limits, say) answers 503 "try again shortly" with ``Retry-After``: refused, never let
    through unlimited, and never a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not cache_unreachable(exception):
            return None
        log.warning("cache unreachable for %s %s: %s", request.method, request.path, exception)
        detail = _("Part of the site is briefly unavailable. Nothing you did was lost: try again in a few seconds.")
        # Rendered without context processors, as the other error pages: they may need Redis too.
        html = loader.get_template("503.html").render({"site_name": settings.SOKO_SITE_NAME, "detail": detail})
        return HttpResponse(html, status=503, headers={"Retry-After": str(settings.SOKO_BUSY_RETRY_AFTER_SECONDS)})
