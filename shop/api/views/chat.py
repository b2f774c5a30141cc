"""Conversations, messages and offers as the messages pages have them: the inbox, "Ask the
store" with a first message, a conversation (opening it marks it read, as the page does),
its messages after a sequence number a page at a time, sending text, a picture (through
the page's form and media pipeline) or a product card, and the store's offers with the
shopper's accept and decline. Whoever is not in a conversation gets a 404; the services'
refusals are 409 problems with their codes (``own``, ``blocked``, ``expired``,
``lines``…)."""

from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from shop.chat.forms import MessageForm
from shop.chat.models import Side
from shop.chat.selectors import (
    conversation_for_user,
    conversation_subject,
    inbox_personal,
    messages_after,
    offer_for_user,
    shareable_product,
)
from shop.chat.services.conversations import ChatError, conversation_read, conversation_start, message_send
from shop.chat.services.offers import LineAsked, offer_accept, offer_decline, offer_make
from shop.core.errors import NotFound

from ..idempotency import idempotency_key, idempotent
from ..pagination import Cursor
from ..problems import problem_response
from ..serializers.chat import (
    Acceptance,
    ConversationSerializer,
    ConversationStart,
    MessageSend,
    MessageSerializer,
    MessageText,
    OfferAccept,
    OfferMake,
    OfferSerializer,
)
from ..serializers.fields import NO_NUL


def _viewer(request, pk: int, *, for_writing: bool = False):
    return conversation_for_user(user=request.user, pk=pk, for_writing=for_writing)


def _conversation_data(request, viewer) -> dict:
    return ConversationSerializer(viewer.conversation, context={"request": request, "side": viewer.side}).data


@extend_schema(
    parameters=[
        OpenApiParameter("q", {"type": "string", "pattern": NO_NUL}, description="Words in the messages or names.")
    ]
)
class ConversationList(generics.ListAPIView):
    """The shopper's inbox (and a courier's delivery conversations), newest message first,
    as the messages page lists them. A store's conversations are in its dashboard inbox."""

    permission_classes = [IsAuthenticated]
    serializer_class = ConversationSerializer
    pagination_class = Cursor

    def get_queryset(self):
        return inbox_personal(user=self.request.user, q=self.request.query_params.get("q", ""))

    @extend_schema(
        request=ConversationStart,
        responses={201: ConversationSerializer},
    )
    @idempotent
    def post(self, request):
        """ "Ask the store" about a product, a store or an order, with the first message: the
        shopper's one conversation with that store, started or continued."""
        asked = ConversationStart(data=request.data)
        asked.is_valid(raise_exception=True)
        data = asked.validated_data
        store, product, order = conversation_subject(
            buyer=request.user,
            store={"slug": data["store"]} if data.get("store") else None,
            product={"slug": data["product"]} if data.get("product") else None,
            order_number=data.get("order", ""),
        )
        conversation = conversation_start(buyer=request.user, store=store, product=product, order=order)
        message_send(conversation=conversation, user=request.user, text=data["text"], client_key=idempotency_key(request))
        viewer = _viewer(request, conversation.pk)
        return Response(_conversation_data(request, viewer), status=status.HTTP_201_CREATED)


class ConversationDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: ConversationSerializer})
    def get(self, request, pk: int):
        """A conversation, from the viewer's side. Opening it marks it read, as the page does."""
        viewer = _viewer(request, pk)
        if viewer.can_write:
            conversation_read(viewer=viewer, user=request.user)
        return Response(_conversation_data(request, viewer))


class MessageList(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "after",
                {"type": "integer", "minimum": 0, "maximum": 999999999999999999},
                description="A sequence number: the messages after it (0, or left out, from the first).",
            )
        ],
        responses={
            200: {
                "type": "object",
                "required": ["next", "results"],
                "properties": {
                    "next": {"type": ["string", "null"], "format": "uri"},
                    "results": {"type": "array", "items": {"$ref": "#/components/schemas/Message"}},
                },
            },
        },
    )
    def get(self, request, pk: int):
        """The messages after a sequence number, oldest first, a page at a time; ``next``
        asks for the following page (null when there is none yet)."""
        viewer = _viewer(request, pk)
        after = _after(request)
        size = settings.SOKO_CHAT_PAGE_SIZE
        found = messages_after(conversation=viewer.conversation, after=after, limit=size + 1)
        shown = found[:size]
        following = None
        if len(found) > size:
            following = replace_query_param(request.build_absolute_uri(), "after", shown[-1].seq)
        context = {"request": request, "side": viewer.side}
        return Response({"next": following, "results": MessageSerializer(shown, many=True, context=context).data})

    @extend_schema(
        request={"application/json": MessageText, "multipart/form-data": MessageSend},
        responses={201: MessageSerializer},
    )
    @idempotent
    def post(self, request, pk: int):
        """Send text, a picture (multipart, through the page's form and media checks) or,
        from the store, a product card."""
        viewer = _viewer(request, pk, for_writing=True)
        asked = MessageSend(data=request.data)
        asked.is_valid(raise_exception=True)
        data = asked.validated_data
        form = MessageForm({"text": data.get("text", "")}, {"image": data["image"]} if data.get("image") else {})
        if not form.is_valid():
            # A picture's bytes the media checks refuse: a rule said no, as on the page.
            refused = next(error for errors in form.errors.as_data().values() for error in errors)
            return problem_response(
                status_code=status.HTTP_409_CONFLICT,
                code=refused.code or "image_refused",
                detail=" ".join(refused.messages),
            )
        product = None
        if data.get("product"):
            product = shareable_product(conversation=viewer.conversation, product_id=data["product"])
            if product is None:
                raise ChatError(_("This product cannot be shared."), code="not_shareable")
        message = message_send(
            conversation=viewer.conversation,
            user=request.user,
            text=form.cleaned_data["text"],
            upload=form.cleaned_data.get("image"),
            product=product,
            client_key=idempotency_key(request),
        )
        context = {"request": request, "side": viewer.side}
        return Response(MessageSerializer(message, context=context).data, status=status.HTTP_201_CREATED)


def _after(request) -> int:
    values = request.query_params.getlist("after")
    if not values:
        return 0
    if len(values) > 1 or not values[0].isascii() or not values[0].isdigit() or len(values[0]) > 18:
        raise ValidationError({"after": [_("Send one sequence number: a whole number, 0 or more.")]})
    return int(values[0])


class OfferCreate(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=OfferMake, responses={201: OfferSerializer})
    @idempotent
    def post(self, request, pk: int):
        """The store offers the shopper items at agreed prices (never above the list price
        nor more than it has), posted as an offer card. Only the store's team may."""
        viewer = _viewer(request, pk, for_writing=True)
        if viewer.side != Side.TEAM or viewer.conversation.is_delivery:
            raise NotFound()  # as on the page: the offer form is the store's
        asked = OfferMake(data=request.data)
        asked.is_valid(raise_exception=True)
        data = asked.validated_data
        offer = offer_make(
            viewer=viewer,
            user=request.user,
            lines=[
                LineAsked(variant_id=line["variant"], quantity=line["quantity"], unit_price=line["unit_price"])
                for line in data["lines"]
            ],
            delivery_mode=data["delivery_mode"],
            delivery_fee=data.get("delivery_fee", Decimal("0")),
            hours=data.get("hours"),
            note=data.get("note", ""),
            client_key=idempotency_key(request),
        )
        return Response(OfferSerializer(offer).data, status=status.HTTP_201_CREATED)


class OfferAcceptView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=OfferAccept, responses={201: Acceptance})
    @idempotent
    def post(self, request, pk: int):
        """The shopper accepts: the items are reserved and an order at the agreed prices
        awaits payment."""
        viewer, offer = offer_for_user(user=request.user, offer_id=pk)
        asked = OfferAccept(data=request.data)
        asked.is_valid(raise_exception=True)
        offer = offer_accept(
            viewer=viewer, user=request.user, offer_id=offer.pk, address_id=asked.validated_data.get("address")
        )
        pay_url = request.build_absolute_uri(reverse("payments:status", args=[offer.order.checkout.idempotency_key]))
        return Response({"offer": OfferSerializer(offer).data, "pay_url": pay_url}, status=status.HTTP_201_CREATED)


class OfferDeclineView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: OfferSerializer})
    def post(self, request, pk: int):
        """The shopper declines, or the store withdraws, an open offer."""
        viewer, offer = offer_for_user(user=request.user, offer_id=pk)
        return Response(OfferSerializer(offer_decline(viewer=viewer, user=request.user, offer_id=offer.pk)).data)
