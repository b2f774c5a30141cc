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


def _refusals() -> dict[type[Exception], str]:
    """The services' refusals (a rule said no): each is a 409 with the service's own
    sentence and code (``code``, or ``reason``), else the code named here."""
    from couriers.services import CourierError
    from returns.services import ReturnError
    from sellers.services import InviteError, TeamError
    from shop.auctions.services import AuctionError
    from shop.cart.services import CartError
    from shop.catalog.services.products import ModerationError
    from shop.chat.services.conversations import ChatError
    from shop.inventory.services import StockError
    from shop.moderation.reports.services import ReportError
    from shop.orders.selectors.transitions import TransitionError
    from shop.orders.services.checkout import CheckoutError
    from shop.orders.services.handover import HandoverError
    from shop.payments.refunds.services import RefundError
    from shop.payments.services import PaymentRefused
    from shop.reviews.services import ReviewError

    return {
        AuctionError: "auction_refused",
        CartError: "cart_refused",
        ChatError: "chat_refused",
        CheckoutError: "checkout_refused",
        CourierError: "courier_refused",
        HandoverError: "handover_refused",
        InviteError: "invite_refused",
        ModerationError: "listing_refused",
        PaymentRefused: "payment_refused",
        RefundError: "refund_refused",
        ReportError: "report_refused",
        ReturnError: "return_refused",
        ReviewError: "review_refused",
        StockError: "stock_refused",
        TeamError: "team_refused",
        TransitionError: "transition_refused",
    }


def refusal_response(exc: Exception) -> Response | None:
    """A service's refusal as a 409 problem, or None when ``exc`` is not one."""
    for kind, default in _refusals().items():
        if isinstance(exc, kind):
            set_rollback()
            code = getattr(exc, "code", None) or getattr(exc, "reason", None) or default
            extra = {"problems": exc.problems} if getattr(exc, "problems", None) else {}
            return problem_response(status_code=status.HTTP_409_CONFLICT, code=str(code), detail=str(exc), **extra)
    return None


def problem_handler(exc, context):
    """DRF's ``EXCEPTION_HANDLER``: the answer to anything a view raised, as a problem."""
    refused = refusal_response(exc)
    if refused is not None:
        return refused
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
    return problem_response(
        status_code=exc.status_code, code=_first_code(exc.get_codes()), detail=str(detail), headers=headers
    )


@csrf_exempt  # whatever the method: an answer in the API's shape, not the CSRF page
def not_found_view(request, *args, **kwargs):
    """Any path under /api/ that names no endpoint."""
    return JsonResponse(
        problem_body(status_code=404, code="not_found", detail=_("No such endpoint.")),
        status=404,
        content_type=CONTENT_TYPE,
    )
