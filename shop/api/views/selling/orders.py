"""A store's orders: the dashboard's list (its status tabs and search), an order with the
moves the store may make now (``seller_live_context``: the status machine's answer for
the store), the moves themselves through ``order_transition`` (a store that cancels a
paid order refunds the buyer, as on the page), and giving the order to a courier
(``job_create``, as the order page's delivery choice)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response

from couriers.models import CourierProfile
from couriers.services import CourierError, job_create
from sellers.orders.selectors import order_delivery_choice
from sellers.selectors import store_membership_get
from shop.orders.models import OrderStatus
from shop.orders.selectors.orders import order_get_for_member, orders_for_store, seller_live_context
from shop.orders.selectors.transitions import NOTE_REQUIRED, Role, order_courier_job
from shop.orders.services.orders import order_transition

from ...idempotency import idempotency_key, idempotent
from ...pagination import Cursor
from ...queries import TEXT
from ...serializers.fields import Text
from ...serializers.selling import (
    SellerDeliveryRequest,
    SellerOrderCardSerializer,
    SellerOrderSerializer,
    SellerTransitionRequest,
)
from .base import SellerView


def _order_answer(request, number: str) -> Response:
    """The order as its dashboard page shows it to this member, read afresh."""
    order = order_get_for_member(user=request.user, number=number)
    live = seller_live_context(order=order)
    moves = [(to, label) for to, label in live["actions"]]
    if live["can_cancel"]:
        moves.append((OrderStatus.CANCELLED, OrderStatus.CANCELLED.label))
    choice = order_delivery_choice(order=order)
    job = order_courier_job(order)
    order.moves = [
        {"to": to, "label": str(label), "note_required": (Role.SELLER, to) in NOTE_REQUIRED} for to, label in moves
    ]
    order.timeline = [
        {
            "status": row.status,
            "label": str(row.label),
            "at": row.at,
            "who": str(row.who),
            "note": row.note,
            "state": row.state,
        }
        for row in live["timeline"]
    ]
    order.delivery = {
        "mode": order.delivery_mode,
        "may_arrange_courier": choice["delivery_choice"],
        "courier_job": job.status if job is not None else None,
        "couriers": choice.get("couriers", []),
    }
    return Response(SellerOrderSerializer(order, context={"request": request}).data)


QUERY_TEXT = {**TEXT, "maxLength": 100}


class OrderListQuery(serializers.Serializer):
    q = Text(required=False, allow_blank=True, max_length=100)
    status = serializers.ChoiceField(choices=OrderStatus.choices, required=False)


@extend_schema(
    parameters=[
        OpenApiParameter("q", QUERY_TEXT, description="An order number, or the buyer's name, e-mail or phone."),
        OpenApiParameter("status", str, enum=OrderStatus.values, description="Only orders in this status (a tab)."),
    ]
)
class StoreOrderList(SellerView, generics.ListAPIView):
    """The store's orders as its dashboard lists them, the newest first."""

    serializer_class = SellerOrderCardSerializer
    pagination_class = Cursor

    def get_queryset(self):
        store = store_membership_get(user=self.request.user, slug=self.kwargs["slug"]).store
        params = {key: value for key, value in self.request.query_params.items() if key != Cursor.cursor_query_param}
        query = OrderListQuery(data=params)
        query.is_valid(raise_exception=True)
        return orders_for_store(
            store=store, status=query.validated_data.get("status", ""), query=query.validated_data.get("q", "")
        )


class OrderDetail(SellerView):
    @extend_schema(responses=SellerOrderSerializer)
    def get(self, request, number: str):
        """An order of one of the person's stores: its lines, where it goes, what happened,
        the moves the store may make now (``moves``) and how it may be delivered."""
        return _order_answer(request, number)


class OrderTransition(SellerView):
    @idempotent
    @extend_schema(request=SellerTransitionRequest, responses=SellerOrderSerializer)
    def post(self, request, number: str):
        """Move the order (``to``, one of its ``moves``; a cancel needs a ``note`` for the
        buyer). Cancelling a paid order refunds the buyer, as the dashboard's cancel does.
        A move the status machine refuses is a 409 with its reason's code."""
        order = order_get_for_member(user=request.user, number=number)
        asked = SellerTransitionRequest(data=request.data)
        asked.is_valid(raise_exception=True)
        order_transition(
            order=order,
            to=asked.validated_data["to"],
            actor=request.user,
            role=Role.SELLER,
            note=asked.validated_data["note"],
            client_key=idempotency_key(request),
        )
        return _order_answer(request, number)


class OrderDelivery(SellerView):
    @extend_schema(request=SellerDeliveryRequest, responses=SellerOrderSerializer)
    def post(self, request, number: str):
        """Give a home-delivery order to a courier: the one named (``assign``), or any
        courier nearby (``board``). To deliver it itself, the store makes the
        ``out_for_delivery`` move; a pick-up order is collected at the store."""
        order = order_get_for_member(user=request.user, number=number)
        asked = SellerDeliveryRequest(data=request.data)
        asked.is_valid(raise_exception=True)
        wanted = asked.validated_data
        profile = None
        if wanted["mode"] == "assign":
            profile = CourierProfile.objects.filter(pk=wanted.get("courier") or 0).first()
            if profile is None:
                raise CourierError(_("Choose a courier to assign."), reason="no_courier")
        job_create(order=order, actor=request.user, courier_profile=profile, bonus=str(wanted.get("bonus", "0")))
        return _order_answer(request, number)
