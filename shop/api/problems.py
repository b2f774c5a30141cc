"""Every refusal the API gives is an RFC 9457 problem (``application/problem+json``):

    {"type": "about:blank", "title": "Not Found", "status": 404,
     "detail": "Not found.", "code": "not_found"}

``code`` is stable: clients branch on it, people read ``detail`` (in the request's
language). Field errors come under ``errors`` as DRF gives them (field -> messages). The
services' own refusals keep the codes they raise (``AuctionError("...", code="too_low")``),
so an app and the page refuse the same thing for the same reason."""

from http import HTTPStatus

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from shop.accounts.selectors.standing import AccountRestricted
from shop.core.errors import NotFound

CONTENT_TYPE = "application/problem+json"


def problem_body(*, status_code: int, code: str, detail: str, **extra) -> dict:
    title = HTTPStatus(status_code).phrase
    return {"type": "about:blank", "title": title, "status": status_code, "detail": detail, "code": code, **extra}


def problem_response(*, status_code: int, code: str, detail: str, headers=None, **extra) -> Response:
    return Response(
        problem_body(status_code=status_code, code=code, detail=detail, **extra),
        status=status_code,
        headers=headers,
        content_type=CONTENT_TYPE,
    )


def _first_code(codes) -> str:
    while isinstance(codes, (list, dict)):
        if not codes:
            return "invalid"
        codes = next(iter(codes.values())) if isinstance(codes, dict) else codes[0]
    return str(codes)


def problem_handler(exc, context):
    """DRF's ``EXCEPTION_HANDLER``: the answer to anything a view raised, as a problem."""
    if isinstance(exc, (NotFound, Http404)):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, AccountRestricted):
        set_rollback()
        return problem_response(status_code=status.HTTP_403_FORBIDDEN, code="account_restricted", detail=str(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    if not isinstance(exc, exceptions.APIException):
        return None  # a bug: the 500 handler answers it and it is logged
    set_rollback()
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.ValidationError):
        return problem_response(
            status_code=exc.status_code,
            code="invalid",
            detail=_("Some values were refused: see errors."),
            errors=exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail},
            headers=headers,
        )
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.default_detail)
    return problem_response(status_code=exc.status_code, code=_first_code(exc.get_codes()), detail=str(detail), headers=headers)


@csrf_exempt  # whatever the method: an answer in the API's shape, not the CSRF page
def not_found_view(request, *args, **kwargs):
    """Any path under /api/ that names no endpoint."""
    return JsonResponse(
        problem_body(status_code=404, code="not_found", detail=_("No such endpoint.")), status=404, content_type=CONTENT_TYPE
    )
