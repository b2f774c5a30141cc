"""What the seller's endpoints send and accept: the stores a person works for, a store's
profile and delivery settings, listings with their variants, stock and pictures, the
store's orders with the moves it may make, its money lines and its promotions.

Inputs declare what the dashboard's forms would refuse on sight (lengths, ranges,
choices); the forms check everything again when they save. Prices are decimal strings
in the store's currency, named beside them."""

import re

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from sellers.models import Store, StoreMember
from shop.catalog.models import Product, ProductImage
from shop.orders.models import Order, OrderStatus
from shop.orders.selectors.transitions import status_label
from shop.payments.models import LedgerTransaction
from shop.promotions.models import PromoCode, Sale

from .fields import Moment, Text

MONEY = {"max_digits": 12, "decimal_places": 2, "coerce_to_string": True}
STOCK_MAX = 1_000_000


class Flag(serializers.BooleanField):
    """A JSON true or false, and only that (not "yes", 1 or "true")."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class Whole(serializers.IntegerField):
    """A JSON integer, and only that (5 or 5.0, not "5" or 5.5)."""

    def to_internal_value(self, data):
        if isinstance(data, float) and data.is_integer():
            data = int(data)
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


AMOUNT_PATTERN = r"^[0-9]{1,10}(\.[0-9]{1,2})?$"
COORDINATE_PATTERN = r"^-?[0-9]{1,3}(\.[0-9]{1,6})?$"


@extend_schema_field({"type": "string", "format": "decimal", "pattern": AMOUNT_PATTERN})
class Amount(serializers.DecimalField):
    """An amount in the store's currency as a decimal string ("1200.00"). Whether it may be
    zero, or has more decimals than the currency has, the dashboard's form says (a 409)."""

    pattern = AMOUNT_PATTERN

    def __init__(self, **kwargs):
        super().__init__(max_digits=12, decimal_places=2, **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not re.fullmatch(self.pattern, data):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field({"type": ["string", "null"], "format": "decimal", "pattern": COORDINATE_PATTERN})
class Coordinate(Amount):
    """Degrees as a decimal string ("-1.286389"); the settings form checks the range."""

    pattern = COORDINATE_PATTERN

    def __init__(self, **kwargs):
        serializers.DecimalField.__init__(self, max_digits=9, decimal_places=6, **kwargs)


def _absolute(request, url: str) -> str:
    return request.build_absolute_uri(url) if request is not None else url


class MyStoreSerializer(serializers.Serializer):
    """A store the person works for, and their role on its team."""

    slug = serializers.CharField(source="store.slug")
    name = serializers.CharField(source="store.name")
    currency = serializers.CharField(source="store.currency")
    role = serializers.ChoiceField(choices=StoreMember.Role.choices)
    web_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, membership) -> str:
        return _absolute(self.context.get("request"), reverse("stores:detail", args=[membership.store.slug]))


class StoreSettingsSerializer(serializers.ModelSerializer):
    """The store as its settings page shows it to its team."""

    categories = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    email = serializers.CharField()
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True, coerce_to_string=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True, coerce_to_string=True)
    area = serializers.SerializerMethodField()
    area_id = serializers.IntegerField(allow_null=True)

    class Meta:
        model = Store
        fields = [
            "slug",
            "name",
            "tagline",
            "description",
            "phone",
            "email",
            "categories",
            "tags",
            "currency",
            "delivers_local",
            "delivers_national",
            "delivers_international",
            "delivers_digital",
            "courier_fee_payer",
            "return_window_days",
            "area",
            "area_id",
            "area_label",
            "latitude",
            "longitude",
            "time_zone",
            "x_handle",
            "discord",
            "telegram",
            "ens_name",
            "verified",
            "rating_avg",
            "rating_count",
        ]
        read_only_fields = fields

    def get_area(self, store) -> str | None:
        return store.area.name if store.area_id else None


class StoreChange(serializers.Serializer):
    """What the API may change about a store: the settings page's fields (pictures, the
    area's selects and the opening hours stay on the page)."""

    name = Text(trim_whitespace=False, max_length=80, required=False)
    slug = Text(trim_whitespace=False, max_length=60, required=False)
    tagline = Text(trim_whitespace=False, max_length=120, required=False, allow_blank=True)
    description = Text(trim_whitespace=False, max_length=4000, required=False, allow_blank=True)
    phone = Text(trim_whitespace=False, max_length=20, required=False)
    email = Text(trim_whitespace=False, max_length=254, required=False, allow_blank=True)
    categories = serializers.ListField(child=serializers.SlugField(max_length=60), required=False, max_length=50)
    tags = Text(trim_whitespace=False, max_length=400, required=False, allow_blank=True)
    delivers_local = Flag(required=False)
    delivers_national = Flag(required=False)
    delivers_international = Flag(required=False)
    delivers_digital = Flag(required=False)
    courier_fee_payer = serializers.ChoiceField(choices=["seller", "buyer"], required=False)
    return_window_days = Whole(min_value=0, max_value=365, required=False)
    area = Whole(
        min_value=1, max_value=2**31 - 1, required=False, help_text="The id of the place the store sells from."
    )
    area_label = Text(trim_whitespace=False, max_length=120, required=False, allow_blank=True)
    latitude = Coordinate(required=False, allow_null=True)
    longitude = Coordinate(required=False, allow_null=True)
    time_zone = Text(trim_whitespace=False, max_length=64, required=False)
    x_handle = Text(trim_whitespace=False, max_length=40, required=False, allow_blank=True)
    discord = Text(trim_whitespace=False, max_length=60, required=False, allow_blank=True)
    telegram = Text(trim_whitespace=False, max_length=60, required=False, allow_blank=True)
    ens_name = Text(trim_whitespace=False, max_length=255, required=False, allow_blank=True)


class StoreTeamMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="user.short_name")
    role = serializers.ChoiceField(choices=StoreMember.Role.choices)
    joined_at = serializers.DateTimeField(source="created_at")


class StoreInviteSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    expires_at = serializers.DateTimeField()


class StoreTeamSerializer(serializers.Serializer):
    members = StoreTeamMemberSerializer(many=True)
    invites = StoreInviteSerializer(many=True)


class StoreInviteRequest(serializers.Serializer):
    email = Text(trim_whitespace=False, max_length=254)


class SellerVariantSerializer(serializers.Serializer):
    """A variant as its store sees it: how many units it has, its price and sale price
    (read-only: stock has one writer, shop.inventory, reached through the stock endpoint)."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    sku = serializers.CharField(read_only=True)
    colour = serializers.SerializerMethodField()
    size = serializers.SerializerMethodField()
    price = serializers.DecimalField(**MONEY, read_only=True)
    compare_at_price = serializers.DecimalField(**MONEY, allow_null=True, read_only=True)
    stock = serializers.IntegerField(read_only=True)
    low_stock_threshold = serializers.IntegerField(read_only=True)
    low_stock = serializers.BooleanField(source="is_low_stock", read_only=True)
    duration_minutes = serializers.IntegerField(read_only=True, allow_null=True)
    position = serializers.IntegerField(read_only=True)

    def get_colour(self, variant) -> str:
        return (variant.attributes or {}).get("colour", "")

    def get_size(self, variant) -> str:
        return (variant.attributes or {}).get("size", "")


class SellerPictureSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    cid = serializers.SerializerMethodField()
    variant = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = ProductImage
        fields = ["id", "url", "cid", "alt", "variant", "position"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, picture) -> str:
        return _absolute(self.context.get("request"), picture.image.url())

    @extend_schema_field({"type": ["string", "null"]})
    def get_cid(self, picture) -> str | None:
        """The content ID of the file at ``url`` (what ``ipfs add`` gives it); null while being prepared."""
        return picture.image.rendition_cid() or None


class SellerProductCardSerializer(serializers.ModelSerializer):
    """A row of the dashboard's product list."""

    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    currency = serializers.CharField(source="store.currency", read_only=True)
    price_low = serializers.DecimalField(**MONEY, allow_null=True, read_only=True)
    price_high = serializers.DecimalField(**MONEY, allow_null=True, read_only=True)
    stock_total = serializers.IntegerField(read_only=True)
    variant_count = serializers.IntegerField(read_only=True)
    low_stock_count = serializers.IntegerField(read_only=True)
    sold_out_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "slug",
            "title",
            "kind",
            "listing_type",
            "status",
            "category",
            "currency",
            "price_low",
            "price_high",
            "stock_total",
            "variant_count",
            "low_stock_count",
            "sold_out_count",
            "updated_at",
        ]
        read_only_fields = fields


class SellerProductSerializer(serializers.ModelSerializer):
    """A listing as its edit page shows it."""

    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    currency = serializers.CharField(source="store.currency", read_only=True)
    store = serializers.CharField(source="store.slug", read_only=True)
    tags = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    variants = SellerVariantSerializer(many=True, read_only=True)
    pictures = SellerPictureSerializer(source="images", many=True, read_only=True)
    web_url = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = [
            "id",
            "slug",
            "store",
            "title",
            "description",
            "kind",
            "listing_type",
            "status",
            "rejection_reason",
            "category",
            "brand",
            "condition",
            "returnable",
            "tags",
            "currency",
            "in_stock",
            "published_at",
            "updated_at",
            "variants",
            "pictures",
            "web_url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, product) -> str:
        return _absolute(self.context.get("request"), reverse("catalog:product", args=[product.slug]))


class VariantInputSerializer(serializers.Serializer):
    """A variant row of the product form."""

    name = Text(trim_whitespace=False, max_length=60)
    sku = Text(trim_whitespace=False, max_length=40, required=False, allow_blank=True)
    colour = Text(trim_whitespace=False, max_length=30, required=False, allow_blank=True)
    size = Text(trim_whitespace=False, max_length=30, required=False, allow_blank=True)
    price = Amount()
    compare_at_price = Amount(required=False, allow_null=True)
    stock = Whole(min_value=0, max_value=STOCK_MAX, required=False, default=0)
    low_stock_threshold = Whole(min_value=0, max_value=STOCK_MAX, required=False, default=3)
    duration_minutes = Whole(min_value=0, max_value=100_000, required=False, allow_null=True)


class VariantChange(serializers.Serializer):
    """What may change about a variant: its text, price and sale ("compare-at") price.
    Stock has its own endpoint."""

    name = Text(trim_whitespace=False, max_length=60, required=False)
    sku = Text(trim_whitespace=False, max_length=40, required=False, allow_blank=True)
    colour = Text(trim_whitespace=False, max_length=30, required=False, allow_blank=True)
    size = Text(trim_whitespace=False, max_length=30, required=False, allow_blank=True)
    price = Amount(required=False)
    compare_at_price = Amount(required=False, allow_null=True)
    low_stock_threshold = Whole(min_value=0, max_value=STOCK_MAX, required=False)
    duration_minutes = Whole(min_value=0, max_value=100_000, required=False, allow_null=True)


PRODUCT_STATUSES = ["draft", "submitted", "archived", "active"]


class ProductChange(serializers.Serializer):
    """The product form's details. ``status``: ``draft`` saves it as a draft (the page's
    "Save draft"), ``submitted`` sends it to review or live as the page's "Submit" does,
    ``archived`` and ``active`` are the product list's archive and make-live-again."""

    title = Text(trim_whitespace=False, max_length=120, required=False)
    description = Text(trim_whitespace=False, max_length=20_000, required=False, allow_blank=True)
    category = serializers.SlugField(max_length=60, required=False)
    kind = serializers.ChoiceField(choices=Product.Kind.choices, required=False)
    listing_type = serializers.ChoiceField(choices=Product.Listing.choices, required=False)
    brand = Text(trim_whitespace=False, max_length=60, required=False, allow_blank=True)
    condition = serializers.ChoiceField(choices=Product.Condition.choices, required=False)
    returnable = Flag(required=False)
    tags = serializers.ListField(child=Text(trim_whitespace=False, max_length=40), required=False, max_length=15)
    status = serializers.ChoiceField(choices=PRODUCT_STATUSES, required=False)


class ProductCreate(ProductChange):
    title = Text(trim_whitespace=False, max_length=120)
    category = serializers.SlugField(max_length=60)
    status = serializers.ChoiceField(choices=["draft", "submitted"], required=False, default="submitted")
    variants = serializers.ListField(child=VariantInputSerializer(), min_length=1, max_length=50)


class StockChange(serializers.Serializer):
    """Either ``set`` the figure counted (with ``seen``, the figure the app showed: a
    figure that moved since is refused, not overwritten), or ``adjust`` by units in or out."""

    set = Whole(min_value=0, max_value=STOCK_MAX, required=False)
    seen = Whole(min_value=0, max_value=STOCK_MAX, required=False)
    adjust = Whole(min_value=-STOCK_MAX, max_value=STOCK_MAX, required=False)

    def refusal(self) -> dict | None:
        """Why the change cannot be made as sent (the API's 409), or None."""
        data = self.validated_data
        if ("set" in data) == ("adjust" in data):
            return {"non_field_errors": [_("Send either set (with seen) or adjust.")]}
        if "set" in data and "seen" not in data:
            return {"seen": [_("Send the figure the app showed with set.")]}
        return None


class VariantStockSerializer(serializers.Serializer):
    variant = serializers.IntegerField()
    stock = serializers.IntegerField()
    in_stock = serializers.BooleanField()


class PictureUpload(serializers.Serializer):
    images = serializers.ListField(child=serializers.FileField(), min_length=1, max_length=20)


class SellerOrderItemSerializer(serializers.Serializer):
    product_title = serializers.CharField()
    variant_name = serializers.CharField()
    sku = serializers.CharField()
    unit_price = serializers.DecimalField(**MONEY)
    quantity = serializers.IntegerField()
    line_total = serializers.DecimalField(**MONEY)


class SellerOrderCardSerializer(serializers.ModelSerializer):
    """A row of the store's order list."""

    status_label = serializers.SerializerMethodField()
    buyer = serializers.CharField(source="buyer.short_name")
    payment_method = serializers.CharField(source="checkout.payment_method")
    payment_status = serializers.CharField(source="checkout.payment_status")
    items_total = serializers.DecimalField(**MONEY)
    delivery_fee = serializers.DecimalField(**MONEY)
    total = serializers.DecimalField(**MONEY)
    items = SellerOrderItemSerializer(many=True)

    class Meta:
        model = Order
        fields = [
            "number",
            "status",
            "status_label",
            "delivery_mode",
            "buyer",
            "payment_method",
            "payment_status",
            "items_total",
            "delivery_fee",
            "total",
            "currency",
            "created_at",
            "items",
        ]

    def get_status_label(self, order) -> str:
        return status_label(order.status, order)


class SellerMoveSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=OrderStatus.choices)
    label = serializers.CharField()
    note_required = serializers.BooleanField()


class SellerTimelineSerializer(serializers.Serializer):
    status = serializers.CharField()
    label = serializers.CharField()
    at = serializers.DateTimeField(allow_null=True)
    who = serializers.CharField()
    note = serializers.CharField()
    state = serializers.ChoiceField(choices=["done", "current", "ahead", "stopped"])


class SellerCourierChoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="user.short_name")
    vehicle = serializers.CharField()


class SellerDeliveryChoiceSerializer(serializers.Serializer):
    """How the order reaches the buyer, and what the store may still choose: deliver it
    itself (the ``out_for_delivery`` move), give it to a courier it picks, or put it on
    the couriers' job board. A pick-up order is collected at the store."""

    mode = serializers.ChoiceField(choices=Order.DeliveryMode.choices)
    may_arrange_courier = serializers.BooleanField()
    courier_job = serializers.CharField(allow_null=True, help_text="The courier job's status, if there is one.")
    couriers = SellerCourierChoiceSerializer(many=True)


class SellerOrderSerializer(SellerOrderCardSerializer):
    """The order page: its lines, where it goes, what happened and the moves the store
    may make now."""

    recipient = serializers.CharField(source="checkout.recipient")
    phone = serializers.CharField(source="checkout.phone")
    address = serializers.CharField(source="checkout.area_label")
    street = serializers.CharField(source="checkout.street")
    instructions = serializers.CharField(source="checkout.instructions")
    discount = serializers.DecimalField(**MONEY)
    moves = SellerMoveSerializer(many=True)
    timeline = SellerTimelineSerializer(many=True)
    delivery = SellerDeliveryChoiceSerializer()

    class Meta(SellerOrderCardSerializer.Meta):
        fields = SellerOrderCardSerializer.Meta.fields + [
            "recipient",
            "phone",
            "address",
            "street",
            "instructions",
            "discount",
            "moves",
            "timeline",
            "delivery",
        ]


class SellerTransitionRequest(serializers.Serializer):
    to = serializers.ChoiceField(choices=OrderStatus.choices)
    note = Text(trim_whitespace=False, max_length=300, required=False, allow_blank=True, default="")


class SellerDeliveryRequest(serializers.Serializer):
    """``assign``: the courier named (from the order's ``delivery.couriers``); ``board``:
    the job board, for any courier nearby. ``bonus`` is added to the courier's fare."""

    mode = serializers.ChoiceField(choices=["assign", "board"])
    courier = Whole(min_value=1, max_value=2**31 - 1, required=False)
    bonus = Amount(required=False)


class StoreBalanceSerializer(serializers.Serializer):
    currency = serializers.CharField()
    due = serializers.DecimalField(**MONEY)
    held = serializers.DecimalField(**MONEY)
    paid_out = serializers.DecimalField(**MONEY)


class StorePayoutAccountSerializer(serializers.Serializer):
    payouts_enabled = serializers.BooleanField()
    details_submitted = serializers.BooleanField()


class StorePayoutsSerializer(serializers.Serializer):
    """What is due to the store, held for buyer protection and paid out, per currency."""

    balances = StoreBalanceSerializer(many=True)
    account = StorePayoutAccountSerializer(allow_null=True)
    protection_days = serializers.IntegerField()


class StoreLedgerLineSerializer(serializers.Serializer):
    """One money event of the store, as the payouts page lists it: what it did to the
    share held for buyer protection (``held``) and to what is due (``due``), from the
    store's side (negative: less for the store); on a refund, what left (``out``,
    negative) and the part of it Soko's fee gives back (``fee_back``)."""

    id = serializers.IntegerField(source="pk")
    kind = serializers.ChoiceField(choices=LedgerTransaction.Kind.choices)
    at = serializers.DateTimeField(source="created_at")
    currency = serializers.CharField()
    held = serializers.DecimalField(**MONEY)
    due = serializers.DecimalField(**MONEY)
    out = serializers.DecimalField(**MONEY)
    fee_back = serializers.DecimalField(**MONEY, allow_null=True)
    order_fee = serializers.DecimalField(**MONEY, allow_null=True)
    order = serializers.CharField(source="order_number", allow_null=True)
    refund_provider = serializers.CharField(allow_null=True)
    reversal = serializers.BooleanField()


class StoreSaleSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(**MONEY)
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    products = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Sale
        fields = ["id", "name", "kind", "amount", "category", "products", "starts_at", "ends_at", "status"]
        read_only_fields = fields


class SaleRequest(serializers.Serializer):
    """The sale form: what comes off (a percentage, or an amount in the store's currency),
    of which products (their ids) or one category, and when (ISO 8601 with the zone)."""

    name = Text(trim_whitespace=False, max_length=80)
    kind = serializers.ChoiceField(choices=Sale.Kind.choices)
    amount = Amount()
    products = serializers.ListField(child=Whole(min_value=1, max_value=2**31 - 1), required=False, max_length=500)
    category = serializers.SlugField(max_length=60, required=False)
    starts_at = Moment(required=False, allow_null=True)
    ends_at = Moment()


class StorePromoCodeSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(**MONEY)
    min_order = Amount(required=False)

    class Meta:
        model = PromoCode
        fields = [
            "id",
            "code",
            "kind",
            "amount",
            "currency",
            "min_order",
            "starts_at",
            "ends_at",
            "max_uses",
            "max_uses_per_customer",
            "first_order_only",
            "uses",
            "active",
        ]
        read_only_fields = fields


class PromoCodeRequest(serializers.Serializer):
    code = Text(trim_whitespace=False, max_length=40)
    kind = serializers.ChoiceField(choices=PromoCode.Kind.choices)
    amount = Amount()
    min_order = Amount(required=False)
    starts_at = Moment(required=False, allow_null=True)
    ends_at = Moment(required=False, allow_null=True)
    max_uses = Whole(min_value=1, max_value=2**31 - 1, required=False, allow_null=True)
    max_uses_per_customer = Whole(min_value=1, max_value=2**31 - 1, required=False, default=1)
    first_order_only = Flag(required=False, default=False)
