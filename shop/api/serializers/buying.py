"""What the buying endpoints read and answer: addresses, the cart (lines by store, each
flagged as the cart page flags it), the checkout's quote (the review step's figures and
its signed ``review_token``), a placed checkout and its payment. Money is a decimal
string with its currency beside it."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shop.accounts.models import Address
from shop.core.selectors.currencies import STORE_CURRENCIES
from shop.core.validators import phone_validator
from shop.orders.models import Order
from shop.payments.models import PaymentStatus

from .fields import Text


def money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True, read_only=True, **kwargs)


MODES = Order.DeliveryMode.values
METHOD_HELP = "A payment method's code (cod, card, mpesa, paypal): one of the quote's payment_methods."


# Addresses -----------------------------------------------------------------------------


class AddressSerializer(serializers.ModelSerializer):
    area = serializers.IntegerField(source="area_id", read_only=True)
    area_name = serializers.CharField(source="area.full_name", read_only=True)
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, coerce_to_string=True, allow_null=True, read_only=True
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, coerce_to_string=True, allow_null=True, read_only=True
    )

    class Meta:
        model = Address
        fields = [
            "id",
            "label",
            "recipient",
            "phone",
            "street",
            "area",
            "area_name",
            "latitude",
            "longitude",
            "is_default",
        ]
        read_only_fields = fields


class AddressChange(serializers.Serializer):
    """An address as the address page's form takes it; ``area`` is the deepest place
    chosen (the form refuses one that has places below it, as the page does)."""

    label = Text(max_length=40, trim_whitespace=False)
    recipient = Text(max_length=80, trim_whitespace=False)
    phone = Text(max_length=20, trim_whitespace=False, validators=[phone_validator])
    street = Text(max_length=200, trim_whitespace=False)
    area = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    latitude = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True)
    longitude = serializers.FloatField(min_value=-180, max_value=180, required=False, allow_null=True)
    make_default = serializers.BooleanField(required=False, default=False)


class LocationChange(serializers.Serializer):
    """Where the shopper is: the pin on an address of theirs (the default one unless
    ``address`` names another), as the address page's "Use my location" sets it."""

    latitude = serializers.FloatField(min_value=-90, max_value=90)
    longitude = serializers.FloatField(min_value=-180, max_value=180)
    address = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False)


# The cart ----------------------------------------------------------------------------


class CartStoreSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    currency = serializers.CharField()


class CartLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="item.pk")
    variant = serializers.IntegerField(source="variant.pk")
    product = serializers.CharField(source="product.slug")
    label = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = money()
    unit_price_seen = money(source="item.unit_price_seen")
    line_total = money()
    currency = serializers.CharField(source="product.store.currency")
    buyable = serializers.BooleanField(help_text="Counted in the totals: it exists and some are on hand.")
    price_changed = serializers.BooleanField()
    problem = serializers.CharField(help_text="Why this line stops the checkout; empty when it does not.")
    problem_code = serializers.CharField(
        help_text="out_of_stock, not_enough_stock, unavailable, auction_only or price_changed; empty when none."
    )


class CartGroupSerializer(serializers.Serializer):
    store = CartStoreSerializer()
    lines = CartLineSerializer(many=True)
    subtotal = money()
    currency = serializers.CharField(source="store.currency")
    delivers = serializers.BooleanField(help_text="Home delivery is offered somewhere (pick-up always is).")


class CurrencyTotalSerializer(serializers.Serializer):
    currency = serializers.CharField()
    total = money()
    units = serializers.IntegerField()


class CartSerializer(serializers.Serializer):
    """The cart page: lines by store, the totals per currency (each paid in a checkout of
    its own) and what stops the checkout."""

    stores = CartGroupSerializer(source="groups", many=True)
    count = serializers.IntegerField()
    totals = serializers.SerializerMethodField()
    problems = serializers.ListField(child=serializers.CharField())

    @extend_schema_field(CurrencyTotalSerializer(many=True))
    def get_totals(self, summary):
        rows = [{"currency": code, "total": total, "units": units} for code, total, units in summary.totals]
        return CurrencyTotalSerializer(rows, many=True).data


class CartChangeSerializer(serializers.Serializer):
    message = serializers.CharField(help_text="What the cart page would say: added, capped by stock, removed.")
    capped = serializers.BooleanField(help_text="Fewer than asked for are on hand: the line has what there is.")
    cart = CartSerializer()


class CartLineAdd(serializers.Serializer):
    variant = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    quantity = serializers.IntegerField(min_value=1, max_value=999, default=1)


class CartLineChange(serializers.Serializer):
    quantity = serializers.IntegerField(
        min_value=0, max_value=999, required=False, help_text="0 removes the line; left out, nothing changes."
    )


# The checkout ------------------------------------------------------------------------


class DeliveryChoice(serializers.Serializer):
    store = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    mode = serializers.ChoiceField(choices=MODES)


class CheckoutAsk(serializers.Serializer):
    """What the checkout page asks. Left out: the default address, each store's first
    delivery offer (home delivery where offered), no won auction (``won`` names those paid
    with it), the first currency in the cart."""

    currency = serializers.ChoiceField(choices=list(STORE_CURRENCIES), required=False)
    address = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False)
    delivery = DeliveryChoice(many=True, required=False)
    won = serializers.ListField(child=Text(max_length=20, trim_whitespace=False), required=False, max_length=50)
    promo_code = Text(max_length=40, required=False, allow_blank=True)
    use_points = serializers.BooleanField(required=False, default=False)
    payment_method = Text(max_length=20, required=False, trim_whitespace=False, help_text=METHOD_HELP)


class CheckoutPlace(CheckoutAsk):
    payment_method = Text(max_length=20, trim_whitespace=False, help_text=METHOD_HELP)
    instructions = Text(max_length=300, required=False, allow_blank=True, default="")
    review_token = Text(
        max_length=1000, trim_whitespace=False, help_text="The quote's review_token: what the buyer confirmed."
    )


class QuoteLineSerializer(serializers.Serializer):
    variant = serializers.IntegerField(source="variant.pk")
    label = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = money()
    line_total = money()
    problem = serializers.CharField()
    problem_code = serializers.CharField()


class DeliveryOptionSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=MODES)
    fee = money()


class QuoteOrderSerializer(serializers.Serializer):
    store = CartStoreSerializer()
    delivery = serializers.ChoiceField(choices=MODES)
    delivery_options = DeliveryOptionSerializer(many=True)
    home_delivery_refused = serializers.CharField(help_text="Why home delivery is not offered here; empty when it is.")
    lines = QuoteLineSerializer(many=True)
    items_total = money()
    delivery_fee = money()
    code_discount = money()
    points_used = serializers.IntegerField()
    points_discount = money()
    total = money()


class QuoteWonSerializer(serializers.Serializer):
    number = serializers.CharField()
    store = CartStoreSerializer()
    delivery = serializers.ChoiceField(choices=MODES)
    items_total = money()
    delivery_fee = money()
    total = money()


class PaymentMethodSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    description = serializers.CharField()
    online = serializers.BooleanField(help_text="Paid before delivery, by a deadline.")


class PromoProblemSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()


class QuoteSerializer(serializers.Serializer):
    """The checkout page's review: what placing now would charge, order by order."""

    currency = serializers.CharField()
    address = serializers.IntegerField(allow_null=True)
    orders = QuoteOrderSerializer(many=True)
    won = QuoteWonSerializer(many=True)
    items_total = money()
    delivery_total = money()
    code_discount = money()
    points_discount = money()
    total = money()
    promo_code = serializers.CharField()
    promo_problem = PromoProblemSerializer(allow_null=True)
    points_balance = serializers.IntegerField()
    use_points = serializers.BooleanField()
    payment_methods = PaymentMethodSerializer(many=True)
    problems = serializers.ListField(child=serializers.CharField())
    other_currencies = CurrencyTotalSerializer(many=True)
    review_token = serializers.CharField(help_text="Send it back to place exactly this.")


class PlacedOrderSerializer(serializers.ModelSerializer):
    store = CartStoreSerializer()
    items_total = money()
    delivery_fee = money()
    discount = money()
    total = money()

    class Meta:
        model = Order
        fields = [
            "number",
            "store",
            "status",
            "delivery_mode",
            "items_total",
            "delivery_fee",
            "discount",
            "total",
            "currency",
        ]


class CryptoQuoteSerializer(serializers.Serializer):
    """What a stablecoin wallet pays, locked at the quote's rate until ``expires_at``."""

    checkout_ref = serializers.CharField(help_text="The checkout's id in the escrow contract (bytes32, hex).")
    token_symbol = serializers.CharField()
    token_address = serializers.CharField()
    token_decimals = serializers.IntegerField()
    amount = serializers.CharField(help_text="The token amount to deposit, in whole tokens (a decimal string).")
    amount_minor = serializers.CharField(help_text="The same amount in the token's minor units (an integer string).")
    rate = serializers.CharField(help_text="Units of the checkout's currency per token, as quoted.")
    escrow_address = serializers.CharField(help_text="The contract to approve, then to call deposit(checkout_ref, amount) on.")
    chain_id = serializers.IntegerField()
    expires_at = serializers.DateTimeField()
    open = serializers.BooleanField(help_text="Whether a deposit now pays the checkout; once expired, start again for a new quote.")
    approve_uri = serializers.CharField(allow_null=True, help_text="EIP-681: the token's approve call, while open.")
    deposit_uri = serializers.CharField(allow_null=True, help_text="EIP-681: the escrow's deposit call, while open.")


class PaymentStateSerializer(serializers.Serializer):
    """Where a checkout's payment stands, read from the database (never from a redirect)."""

    status = serializers.ChoiceField(
        choices=["on_delivery", "pending", "paid", "failed", "expired"],
        help_text=(
            "on_delivery: paid to the courier or the store; pending: awaiting a payment (see under_way); "
            "failed: the last try failed, pay again; paid; expired: not paid in time, the orders were cancelled."
        ),
    )
    under_way = serializers.BooleanField(help_text="A payment was started and its result is not in yet.")
    method = serializers.CharField()
    amount = money()
    currency = serializers.CharField()
    due_by = serializers.DateTimeField(allow_null=True)
    paid_at = serializers.DateTimeField(allow_null=True)
    message = serializers.CharField(help_text="What the last try said (a refusal, a wait); empty when nothing.")
    redirect_url = serializers.CharField(
        allow_null=True,
        help_text="The provider's page to pay on (Stripe Checkout, PayPal's approval), while under way.",
    )
    crypto = CryptoQuoteSerializer(
        allow_null=True, help_text="The stablecoin quote, when the checkout is being paid with a wallet; else null."
    )


class CheckoutSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    reference = serializers.UUIDField(source="idempotency_key")
    payment_method = serializers.CharField()
    payment_status = serializers.ChoiceField(choices=PaymentStatus.values)
    total = money()
    currency = serializers.CharField()
    orders = PlacedOrderSerializer(many=True)
    payment = PaymentStateSerializer()


class PaymentStart(serializers.Serializer):
    method = Text(max_length=20, trim_whitespace=False, help_text=METHOD_HELP)
    phone = Text(
        max_length=20,
        required=False,
        allow_blank=True,
        validators=[phone_validator],
        help_text="For M-Pesa: the phone the request goes to (the delivery phone when left out).",
    )
