"""What the buyer's order endpoints send: an order card for the list, and the order page's
whole content (lines, store, delivery, totals, payment, refunds and where their money goes,
the timeline with the steps still to come, what the buyer may do now, the invoice and credit
notes). Money is a decimal string beside its currency; times are ISO 8601 with their zone."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shop.orders.models import OrderStatus
from shop.orders.selectors.transitions import status_label
from shop.payments.models import Refund

from .catalog import StoreBriefSerializer
from .fields import Text


def money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True, read_only=True, **kwargs)


def absolute(request, url: str) -> str:
    return request.build_absolute_uri(url) if request is not None else url


class OrderCardSerializer(serializers.Serializer):
    """An order in the buyer's list."""

    number = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=OrderStatus.choices, read_only=True)
    status_label = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(read_only=True)
    store = StoreBriefSerializer(read_only=True)
    item_count = serializers.IntegerField(read_only=True)
    total = money()
    currency = serializers.CharField(read_only=True)
    payment_status = serializers.CharField(source="checkout.payment_status", read_only=True)

    def get_status_label(self, order) -> str:
        return str(status_label(order.status, order))


class OrderLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    product_title = serializers.CharField(read_only=True)
    variant_name = serializers.CharField(read_only=True)
    sku = serializers.CharField(read_only=True)
    unit_price = money()
    quantity = serializers.IntegerField(read_only=True)
    line_total = money()


class DeliverySerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=["delivery", "pickup"], source="delivery_mode", read_only=True)
    recipient = serializers.CharField(source="checkout.recipient", read_only=True)
    phone = serializers.CharField(source="checkout.phone", read_only=True)
    area = serializers.CharField(source="checkout.area_label", read_only=True)
    street = serializers.CharField(source="checkout.street", read_only=True)
    instructions = serializers.CharField(source="checkout.instructions", read_only=True)
    note = serializers.CharField(source="buyer_note", read_only=True, help_text="The buyer's delivery note.")
    delivered_at = serializers.DateTimeField(read_only=True, allow_null=True)


class TotalsSerializer(serializers.Serializer):
    items = money(source="items_total")
    delivery_fee = money()
    promo_code = serializers.CharField(read_only=True)
    code_discount = money()
    points_used = serializers.IntegerField(read_only=True)
    points_discount = money()
    total = money()
    currency = serializers.CharField(read_only=True)


class PaymentSerializer(serializers.Serializer):
    method = serializers.CharField(source="checkout.payment_method", read_only=True)
    status = serializers.CharField(source="checkout.payment_status", read_only=True)
    paid_at = serializers.DateTimeField(source="checkout.paid_at", read_only=True, allow_null=True)


class CreditNoteLinkSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    url = serializers.SerializerMethodField(help_text="The PDF, with the same access token.")

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, note) -> str:
        number = self.context["order_number"]
        return absolute(self.context.get("request"), reverse("api:order_credit_note", args=[number, note.pk]))


class RefundSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    amount = money()
    currency = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=Refund.Status.choices, read_only=True)
    provider = serializers.CharField(read_only=True)
    way = serializers.CharField(read_only=True, help_text="Where the money goes, in words (empty when unknown).")
    credit_note = CreditNoteLinkSerializer(source="note_ready", read_only=True, allow_null=True)


class TimelineRowSerializer(serializers.Serializer):
    status = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)
    at = serializers.DateTimeField(read_only=True, allow_null=True, help_text="Null for a step still to come.")
    who = serializers.CharField(read_only=True)
    note = serializers.CharField(read_only=True)
    state = serializers.ChoiceField(choices=["done", "current", "ahead", "stopped"], read_only=True)


class ActionsSerializer(serializers.Serializer):
    """What the buyer may do now: each is a button on the order's page."""

    cancel = serializers.BooleanField(read_only=True)
    confirm_receipt = serializers.BooleanField(read_only=True)
    edit_note = serializers.BooleanField(read_only=True)
    request_return = serializers.BooleanField(read_only=True)
    review = serializers.BooleanField(read_only=True)


class HandoverSerializer(serializers.Serializer):
    """The cash-on-delivery or pick-up handover code, while it can be used."""

    state = serializers.ChoiceField(choices=["", "active", "expired", "locked"], read_only=True)
    code = serializers.CharField(read_only=True, help_text="The QR code's text.")
    short_code = serializers.CharField(read_only=True)
    waiting = serializers.BooleanField(read_only=True)


class OrderReturnBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    status = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class OrderSerializer(serializers.Serializer):
    """The order page: ``instance`` is the dict ``order_page`` in views/orders.py builds."""

    number = serializers.CharField(source="order.number", read_only=True)
    status = serializers.ChoiceField(choices=OrderStatus.choices, source="order.status", read_only=True)
    status_label = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(source="order.created_at", read_only=True)
    store = StoreBriefSerializer(source="order.store", read_only=True)
    lines = OrderLineSerializer(source="order.items.all", many=True, read_only=True)
    delivery = DeliverySerializer(source="order", read_only=True)
    totals = TotalsSerializer(source="order", read_only=True)
    payment = PaymentSerializer(source="order", read_only=True)
    refunds = RefundSerializer(many=True, read_only=True)
    refunded = money()
    net_paid = money(help_text="The total less every refund not refused.")
    timeline = TimelineRowSerializer(many=True, read_only=True)
    actions = ActionsSerializer(read_only=True)
    handover = HandoverSerializer(read_only=True)
    returns = OrderReturnBriefSerializer(many=True, read_only=True)
    return_deadline = serializers.DateTimeField(read_only=True, allow_null=True)
    invoice_url = serializers.URLField(read_only=True, allow_null=True, help_text="The invoice PDF, once issued.")


class OrderListQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=OrderStatus.choices, required=False)


class CancelSerializer(serializers.Serializer):
    reason = Text(max_length=300, required=False, allow_blank=True, default="", help_text="Why, for the store.")


def query_values(params, *names) -> dict:
    """The named query parameters for a query serializer: a value sent twice, or empty, is
    passed on as a list, which a choice refuses (a 400)."""
    found = {}
    for name in names:
        values = params.getlist(name)
        if len(values) > 1 or values == [""]:
            found[name] = values
        elif values:
            found[name] = values[0]
    return found
