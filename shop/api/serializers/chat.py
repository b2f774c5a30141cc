"""What the chat endpoints send and take: conversations as the inbox lists them, messages
as the conversation page shows them (a message Soko hid has no text), offers with their
lines and totals, and the requests that start a conversation, send a message and make an
offer. Money is a decimal string in the offer's currency."""

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shop.chat.forms import OfferForm
from shop.chat.models import TEXT_MAX, Conversation, Message, Offer
from shop.chat.services.offers import LINES_MAX

from .catalog import StoreBriefSerializer, _absolute
from .fields import Text
from .selling import Amount

MONEY = {"max_digits": 12, "decimal_places": 2, "coerce_to_string": True}
DB_INT = {"min_value": 1, "max_value": 2147483647}


class ProductBriefSerializer(serializers.Serializer):
    slug = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)


class ConversationSerializer(serializers.ModelSerializer):
    """A conversation as the inbox lists it, from the viewer's side."""

    store = StoreBriefSerializer(read_only=True)
    shopper = serializers.CharField(source="buyer.short_name", read_only=True)
    product = ProductBriefSerializer(read_only=True, allow_null=True)
    order = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)
    side = serializers.SerializerMethodField()
    unread = serializers.SerializerMethodField()
    last_sequence = serializers.IntegerField(source="seq", read_only=True)
    web_url = serializers.SerializerMethodField()

    class Meta:
        model = Conversation
        fields = [
            "id",
            "kind",
            "store",
            "shopper",
            "product",
            "order",
            "side",
            "unread",
            "last_sequence",
            "last_message_at",
            "last_preview",
            "web_url",
        ]

    def _side(self, conversation) -> str:
        """The viewer's side: given, or in an inbox the shopper's (a courier's: the team's)."""
        if side := self.context.get("side"):
            return side
        request = self.context.get("request")
        return "buyer" if request is not None and conversation.buyer_id == request.user.pk else "team"

    @extend_schema_field({"type": "string", "enum": ["buyer", "team", "staff"]})
    def get_side(self, conversation) -> str:
        return self._side(conversation)

    def get_unread(self, conversation) -> int:
        side = self._side(conversation)
        return conversation.unread_for(side) if side in ("buyer", "team") else 0

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, conversation) -> str:
        return _absolute(self.context.get("request"), reverse("chat:conversation", args=[conversation.pk]))


class OfferLineSerializer(serializers.Serializer):
    variant = serializers.IntegerField(source="variant_id", read_only=True)
    product = serializers.CharField(source="variant.product.slug", read_only=True)
    title = serializers.CharField(source="variant.product.title", read_only=True)
    option = serializers.CharField(source="variant.name", read_only=True)
    quantity = serializers.IntegerField(read_only=True)
    unit_price = serializers.DecimalField(**MONEY, read_only=True)
    list_price = serializers.DecimalField(**MONEY, read_only=True)


class OfferSerializer(serializers.ModelSerializer):
    """An offer card: its lines, totals and state (an open offer past its time is expired)."""

    status = serializers.SerializerMethodField()
    conversation = serializers.IntegerField(source="conversation_id", read_only=True)
    lines = OfferLineSerializer(many=True, read_only=True)
    delivery_fee = serializers.DecimalField(**MONEY, read_only=True)
    items_total = serializers.DecimalField(**MONEY, read_only=True)
    total = serializers.DecimalField(**MONEY, read_only=True)
    order = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)

    class Meta:
        model = Offer
        fields = [
            "id",
            "conversation",
            "status",
            "currency",
            "lines",
            "delivery_mode",
            "delivery_fee",
            "items_total",
            "total",
            "note",
            "expires_at",
            "answered_at",
            "order",
        ]

    @extend_schema_field({"type": "string", "enum": list(Offer.Status.values)})
    def get_status(self, offer) -> str:
        if offer.status == Offer.Status.OPEN and offer.expires_at <= timezone.now():
            return Offer.Status.EXPIRED
        return offer.status


class MessageSerializer(serializers.ModelSerializer):
    """A message as the conversation page shows it to the viewer's side."""

    sequence = serializers.IntegerField(source="seq", read_only=True)
    mine = serializers.SerializerMethodField(help_text="Sent from the viewer's side.")
    sender = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField()
    hidden = serializers.SerializerMethodField(help_text="Hidden by Soko: its text and parts are not shown.")
    image = serializers.SerializerMethodField()
    product = serializers.SerializerMethodField()
    order = serializers.SerializerMethodField()
    offer = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = [
            "id",
            "sequence",
            "side",
            "mine",
            "sender",
            "kind",
            "text",
            "hidden",
            "image",
            "product",
            "order",
            "offer",
            "created_at",
        ]

    def get_mine(self, message) -> bool:
        return message.side == self.context.get("side")

    def get_hidden(self, message) -> bool:
        return message.hidden_at is not None

    @extend_schema_field({"type": ["string", "null"]})
    def get_sender(self, message) -> str | None:
        return message.sender.short_name if message.sender_id and message.sender else None

    def get_text(self, message) -> str:
        return "" if message.hidden_at else message.text

    @extend_schema_field({"type": ["string", "null"], "format": "uri"})
    def get_image(self, message) -> str | None:
        if message.hidden_at or message.image is None:
            return None
        return _absolute(self.context.get("request"), message.image.url())

    @extend_schema_field(ProductBriefSerializer(allow_null=True))
    def get_product(self, message):
        if message.hidden_at or message.product is None:
            return None
        return ProductBriefSerializer(message.product).data

    @extend_schema_field({"type": ["string", "null"]})
    def get_order(self, message) -> str | None:
        return message.order.number if message.order is not None and not message.hidden_at else None

    @extend_schema_field(OfferSerializer(allow_null=True))
    def get_offer(self, message):
        if message.hidden_at or message.offer is None:
            return None
        return OfferSerializer(message.offer, context=self.context).data


class ConversationStart(serializers.Serializer):
    """What the conversation is about (a product, a store or an order) and the first message."""

    product = Text(required=False, allow_blank=True, max_length=255, help_text="A listing's slug.")
    store = Text(required=False, allow_blank=True, max_length=255, help_text="A store's slug.")
    order = Text(required=False, allow_blank=True, max_length=20, help_text="One of the shopper's order numbers.")
    # Not trimmed here: a message of spaces is message_send's to refuse ("Write a message first.").
    text = Text(max_length=TEXT_MAX, trim_whitespace=False, help_text="The first message.")


class MessageText(serializers.Serializer):
    """Text or, from the store, a product card."""

    text = Text(required=False, allow_blank=True, max_length=TEXT_MAX)
    product = serializers.IntegerField(required=False, **DB_INT, help_text="The store shares a product card: its id.")


class MessageSend(MessageText):
    """Text, a picture or a product card, as a multipart form."""

    # Any file: the page's media checks say what they refuse (an empty one too), as a 409.
    image = serializers.FileField(required=False, allow_empty_file=True, help_text="A picture.")


class OfferLineAsked(serializers.Serializer):
    variant = serializers.IntegerField(**DB_INT)
    quantity = serializers.IntegerField(min_value=1, max_value=9999)
    unit_price = Amount(help_text="The agreed price of one: above zero, at most the list price.")


class OfferMake(serializers.Serializer):
    """The offer form's fields, with its lines as a list. How many lines, which prices and
    fees it takes, ``offer_make`` says (a 409), as to the page."""

    lines = OfferLineAsked(many=True, help_text=f"One to {LINES_MAX} items.")
    delivery_mode = serializers.ChoiceField(choices=Offer.DeliveryMode.choices)
    delivery_fee = Amount(required=False, help_text="Left out: none.")
    hours = serializers.ChoiceField(
        choices=[value for value, _label in OfferForm.base_fields["hours"].choices],
        required=False,
        help_text="How long it stays open; the page's choices.",
    )
    note = Text(required=False, allow_blank=True, max_length=300)


class OfferAccept(serializers.Serializer):
    address = serializers.IntegerField(
        required=False,
        **DB_INT,
        help_text="One of the shopper's addresses (a delivery offer); the default if left out.",
    )


class Acceptance(serializers.Serializer):
    offer = OfferSerializer()
    pay_url = serializers.URLField(help_text="Where the shopper chooses how to pay, on the site.")
