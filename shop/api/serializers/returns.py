"""What the buyer's return endpoints read and send: a request to return some units of a
delivered order's lines, and a return with its state, its timeline and its refund (with
where the money goes)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from returns.models import TEXT_MAX, ReturnEvent, ReturnReason, ReturnStatus
from shop.payments.models import Refund
from shop.payments.refunds.selectors import REFUND_WAY

from .catalog import StoreBriefSerializer
from .fields import Text
from .orders import CreditNoteLinkSerializer, money

MAX_ID = 2**31 - 1


class ReturnLineInput(serializers.Serializer):
    item = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="A line of the order (its `id`).")
    quantity = serializers.IntegerField(min_value=1, max_value=999_999, help_text="Units of it to return.")


class ReturnRequestInput(serializers.Serializer):
    lines = ReturnLineInput(many=True, min_length=1, max_length=100)
    reason = serializers.ChoiceField(choices=ReturnReason.choices)
    text = Text(
        max_length=TEXT_MAX, required=False, allow_blank=True, default="", help_text="Details (required for `other`)."
    )


class ReturnLineSerializer(serializers.Serializer):
    item = serializers.IntegerField(source="item_id", read_only=True)
    product_title = serializers.CharField(source="item.product_title", read_only=True)
    variant_name = serializers.CharField(source="item.variant_name", read_only=True)
    unit_price = money(source="item.unit_price")
    quantity = serializers.IntegerField(read_only=True)


class ReturnRefundSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    amount = money()
    currency = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=Refund.Status.choices, read_only=True)
    way = serializers.SerializerMethodField(help_text="Where the money goes, in words.")
    credit_note = serializers.SerializerMethodField()

    def get_way(self, refund) -> str:
        return str(REFUND_WAY.get(refund.provider, ""))

    @extend_schema_field(CreditNoteLinkSerializer(allow_null=True))
    def get_credit_note(self, refund):
        note = refund.credit_note
        if note is None or not note.pdf or refund.status == Refund.Status.FAILED:
            return None
        return CreditNoteLinkSerializer(note, context=self.context).data


class ReturnEventSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ReturnStatus.choices, source="to_status", read_only=True)
    label = serializers.SerializerMethodField()
    role = serializers.ChoiceField(choices=ReturnEvent.Role.choices, read_only=True)
    note = serializers.CharField(read_only=True)
    at = serializers.DateTimeField(source="created_at", read_only=True)

    def get_label(self, event) -> str:
        return str(event.label)


class ReturnCardSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    order = serializers.CharField(source="order.number", read_only=True)
    store = StoreBriefSerializer(read_only=True)
    status = serializers.ChoiceField(choices=ReturnStatus.choices, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    reason = serializers.ChoiceField(choices=ReturnReason.choices, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    lines = ReturnLineSerializer(many=True, read_only=True)


class ReturnSerializer(ReturnCardSerializer):
    """A return as its page shows it to the buyer: ``instance`` is the return page's context
    (``returns.selectors.buyer_context``)."""

    text = serializers.CharField(read_only=True)
    method = serializers.CharField(read_only=True, help_text="How it comes back, once the store approved it.")
    instructions = serializers.CharField(read_only=True)
    reject_reason = serializers.CharField(read_only=True)
    staff_note = serializers.CharField(read_only=True)
    refund = ReturnRefundSerializer(read_only=True, allow_null=True)
    refund_error = serializers.CharField(read_only=True)
    events = serializers.SerializerMethodField()
    pickup_code = serializers.SerializerMethodField(help_text="For the courier who collects it, while one is coming.")
    can_cancel = serializers.SerializerMethodField()
    can_escalate = serializers.SerializerMethodField()
    escalate_until = serializers.SerializerMethodField()

    def _page(self) -> dict:
        return self.context["page"]

    @extend_schema_field(ReturnEventSerializer(many=True))
    def get_events(self, ret):
        return ReturnEventSerializer(self._page()["events"], many=True).data

    def get_pickup_code(self, ret) -> str:
        return self._page()["pickup_code"]

    def get_can_cancel(self, ret) -> bool:
        return bool(self._page()["can_cancel"])

    def get_can_escalate(self, ret) -> bool:
        return bool(self._page()["can_escalate"])

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_escalate_until(self, ret):
        until = self._page()["escalate_until"]
        return serializers.DateTimeField().to_representation(until) if until else None
