"""The buyer's orders: the history (newest first, by status as the page's tabs), an order
with everything its page shows, cancelling and confirming receipt through the page's status
machine (a refusal is a 409 with the move's ``code``), and the invoice and credit notes as
PDFs under the pages' access rule. Someone else's order is a 404."""

from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from returns.selectors import order_box_context
from shop.orders.models import OrderStatus
from shop.orders.responses import pdf_response
from shop.orders.selectors.orders import (
    buyer_live_context,
    order_credit_note_for_reader,
    order_get_for_buyer,
    order_invoice_for_reader,
    orders_for_buyer,
)
from shop.orders.selectors.transitions import Role, status_label
from shop.orders.services.orders import order_transition
from shop.payments.refunds.selectors import order_refund_summary
from shop.reviews.selectors import REVIEWABLE

from ..idempotency import idempotency_key, idempotent
from ..pagination import Cursor
from ..serializers.orders import CancelSerializer, OrderCardSerializer, OrderListQuery, OrderSerializer, query_values


def order_page(request, order) -> dict:
    """What the buyer's order page shows, from the page's own selectors."""
    live = buyer_live_context(order=order)
    refunds = order_refund_summary(order)
    box = order_box_context(order)
    invoice = reverse("api:order_invoice", args=[order.number]) if order.invoice_ready else None
    return {
        "order": order,
        "status_label": status_label(order.status, order),
        "refunds": refunds["refunds"],
        "refunded": refunds["refunded"],
        "net_paid": refunds["net_paid"],
        "timeline": live["timeline"],
        "actions": {
            "cancel": live["can_cancel"],
            "confirm_receipt": live["can_receive"],
            "edit_note": live["can_edit_note"],
            "request_return": box["can_return"],
            "review": order.status in REVIEWABLE,
        },
        "handover": live["handover"],
        "returns": box["returns"],
        "return_deadline": box["deadline"],
        "invoice_url": request.build_absolute_uri(invoice) if invoice else None,
    }


def order_response(request, order, status: int = 200) -> Response:
    data = OrderSerializer(order_page(request, order), context={"request": request, "order_number": order.number}).data
    response = Response(data, status=status)
    # It may carry the buyer's handover code: never cached, never shared.
    add_never_cache_headers(response)
    patch_cache_control(response, private=True, no_store=True)
    return response


@extend_schema(
    parameters=[
        OpenApiParameter(
            "status",
            str,
            enum=list(OrderStatus.values),
            description="Only the orders in this status (the page's tabs).",
        )
    ]
)
class OrderList(generics.ListAPIView):
    """The buyer's orders, newest first."""

    permission_classes = [IsAuthenticated]
    serializer_class = OrderCardSerializer
    pagination_class = Cursor

    def get_queryset(self):
        query = OrderListQuery(data=query_values(self.request.query_params, "status"))
        query.is_valid(raise_exception=True)
        return orders_for_buyer(user=self.request.user, status=query.validated_data.get("status", ""))


class OrderDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=OrderSerializer)
    def get(self, request, number: str):
        """An order with its lines, store, delivery, totals, payment, refunds, timeline (the
        steps still to come have no time), what the buyer may do, and its documents."""
        return order_response(request, order_get_for_buyer(user=request.user, number=number))


def _move(request, number: str, to: str, note: str = "", *, client_key: str = "") -> Response:
    order = order_get_for_buyer(user=request.user, number=number)
    order_transition(order=order, to=to, actor=request.user, role=Role.BUYER, note=note, client_key=client_key)
    return order_response(request, order_get_for_buyer(user=request.user, number=number))


class OrderCancel(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=CancelSerializer, responses=OrderSerializer)
    @idempotent
    def post(self, request, number: str):
        """Cancel the order (until the store starts preparing it); a paid order's money goes
        back the way it came, as the order's ``refunds`` then say."""
        body = CancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return _move(
            request, number, OrderStatus.CANCELLED, body.validated_data["reason"], client_key=idempotency_key(request)
        )


class OrderConfirm(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=OrderSerializer)
    def post(self, request, number: str):
        """Confirm the order was received: it is complete."""
        return _move(request, number, OrderStatus.COMPLETED)


class PdfRenderer(BaseRenderer):
    """Lets an app ask for ``application/pdf``; the refusals are still problems (JSON)."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return JSONRenderer().render(data, renderer_context=renderer_context)


PDF = {
    (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF, to download."),
    302: OpenApiResponse(
        description="Where files are kept in an object store: `Location` is the PDF's address, signed for a minute."
    ),
}


class OrderInvoice(APIView):
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer, PdfRenderer]

    @extend_schema(responses=PDF)
    def get(self, request, number: str):
        """The order's invoice (PDF), once issued (orders are invoiced once paid), for its
        buyer, its store's team and staff."""
        return pdf_response(order_invoice_for_reader(user=request.user, number=number))


class OrderCreditNote(APIView):
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer, PdfRenderer]

    @extend_schema(responses=PDF)
    def get(self, request, number: str, credit_note_id: int):
        """A credit note of the order (PDF), under the invoice's rule."""
        return pdf_response(order_credit_note_for_reader(user=request.user, number=number, pk=credit_note_id))
