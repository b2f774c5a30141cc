"""The buyer's returns: asking to return units of a delivered order's lines (the return
page's rule: the store's window, never more units than are left to return, returnable
products only; a refusal is a 409 with its ``code``), the list, and a return with its state,
timeline and refund. Someone else's order or return is a 404."""

from django.utils.cache import add_never_cache_headers
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from returns.selectors import buyer_context, return_get_for_buyer, returns_for_buyer
from returns.services import return_request_create
from shop.orders.selectors.orders import order_get_for_buyer

from ..idempotency import idempotency_key, idempotent
from ..pagination import Cursor
from ..serializers.returns import ReturnCardSerializer, ReturnRequestInput, ReturnSerializer


def return_response(request, ret, status_code: int = 200) -> Response:
    context = {"request": request, "page": buyer_context(ret), "order_number": ret.order.number}
    response = Response(ReturnSerializer(ret, context=context).data, status=status_code)
    add_never_cache_headers(response)  # it may carry the pickup code
    return response


class ReturnCreate(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ReturnRequestInput, responses={201: ReturnSerializer})
    @idempotent
    def post(self, request, number: str):
        """Ask the store to take back units of the order's lines, saying why."""
        order = order_get_for_buyer(user=request.user, number=number)
        body = ReturnRequestInput(data=request.data)
        body.is_valid(raise_exception=True)
        lines: dict[int, int] = {}
        for line in body.validated_data["lines"]:
            lines[line["item"]] = lines.get(line["item"], 0) + line["quantity"]
        ret = return_request_create(
            order=order,
            buyer=request.user,
            lines=lines,
            reason=body.validated_data["reason"],
            text=body.validated_data["text"],
            client_key=idempotency_key(request),
        )
        return return_response(request, return_get_for_buyer(user=request.user, pk=ret.pk), status.HTTP_201_CREATED)


class ReturnList(generics.ListAPIView):
    """The buyer's returns, newest first."""

    permission_classes = [IsAuthenticated]
    serializer_class = ReturnCardSerializer
    pagination_class = Cursor

    def get_queryset(self):
        return returns_for_buyer(user=self.request.user).order_by("-created_at", "-id")


class ReturnDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ReturnSerializer)
    def get(self, request, return_id: int):
        """A return: its lines, state, timeline, refund, and what the buyer may do next."""
        return return_response(request, return_get_for_buyer(user=request.user, pk=return_id))
