"""What the auction endpoints send: an auction as its page shows it (price, the least next
bid, the end, buy-it-now while it is offered), its bid history with bidders named as the
page names them, and the viewer's own maximum. Money is a decimal string in the
auction's currency."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from sellers.auctions.forms import MAX_SOFT_CLOSE_MINUTES
from shop.auctions.models import Auction

from .catalog import StoreBriefSerializer, _absolute
from .fields import Moment, Text
from .selling import Amount

MONEY = {"max_digits": 12, "decimal_places": 2, "coerce_to_string": True, "read_only": True}


def _money(**extra):
    return serializers.DecimalField(**MONEY, **extra)


class BidSerializer(serializers.Serializer):
    bidder = serializers.CharField(read_only=True, help_text="As the page names bidders: “A***a”.")
    amount = _money()
    automatic = serializers.BooleanField(read_only=True, help_text="Placed by Soko for the bidder's maximum.")
    placed_at = serializers.DateTimeField(read_only=True)


class AuctionCardSerializer(serializers.ModelSerializer):
    """An auction in the list."""

    title = serializers.CharField(source="product.title", read_only=True)
    product = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    store = StoreBriefSerializer(read_only=True)
    start_price = _money()
    current_price = _money(allow_null=True)
    min_next_bid = _money()
    buy_now_price = _money(
        source="buy_now_offered", allow_null=True, help_text="Null once buy-it-now is no longer offered."
    )
    picture = serializers.SerializerMethodField()
    web_url = serializers.SerializerMethodField()

    class Meta:
        model = Auction
        fields = [
            "id",
            "title",
            "product",
            "store",
            "status",
            "outcome",
            "currency",
            "start_price",
            "current_price",
            "min_next_bid",
            "buy_now_price",
            "bid_count",
            "reserve_met",
            "starts_at",
            "ends_at",
            "picture",
            "web_url",
        ]

    @extend_schema_field({"type": ["string", "null"], "format": "uri"})
    def get_picture(self, auction) -> str | None:
        images = list(auction.product.images.all())[:1]
        return _absolute(self.context.get("request"), images[0].image.url(480)) if images else None

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, auction) -> str:
        return _absolute(self.context.get("request"), reverse("auctions:detail", args=[auction.pk]))


class AuctionSerializer(AuctionCardSerializer):
    """An auction's page: the card, whether it takes bids, the bid history, and the viewer's part."""

    is_open = serializers.BooleanField(read_only=True, help_text="Taking bids now.")
    leader = serializers.CharField(
        source="leader_handle", read_only=True, allow_null=True, help_text="The leading bidder, as the page names them."
    )
    watchers_count = serializers.IntegerField(read_only=True)
    bids = BidSerializer(
        source="history", many=True, read_only=True, help_text="The latest bids the page shows, highest first."
    )
    my_maximum = _money(allow_null=True, help_text="The most the viewer asked Soko to bid for them.")
    leading = serializers.BooleanField(read_only=True)
    watching = serializers.BooleanField(read_only=True)
    won = serializers.BooleanField(read_only=True)
    delivery_mode = serializers.ChoiceField(
        choices=["delivery", "pickup"],
        read_only=True,
        allow_null=True,
        help_text=(
            "How a win reaches the viewer: delivered to their default address when the store delivers there, "
            "else picked up at the store. Null when not signed in."
        ),
    )
    delivery_fee = _money(
        allow_null=True, help_text="What that delivery adds to the price the viewer pays. Null when not signed in."
    )

    class Meta(AuctionCardSerializer.Meta):
        fields = [
            *AuctionCardSerializer.Meta.fields,
            "is_open",
            "leader",
            "watchers_count",
            "bids",
            "my_maximum",
            "leading",
            "watching",
            "won",
            "delivery_mode",
            "delivery_fee",
        ]


class BidRequest(serializers.Serializer):
    amount = Amount(help_text="Your bid: at least the auction's min_next_bid.")
    maximum = Amount(
        required=False,
        allow_null=True,
        help_text=(
            "Up to how much Soko bids for you when others bid (proxy bidding); the page's one box is "
            "this maximum. Left out, the amount is your maximum; below the amount, the amount is."
        ),
    )


class BuyNowRequest(serializers.Serializer):
    price = Amount(help_text="The buy-it-now price the app showed the buyer; any other price is refused (price_changed).")
    total = Amount(
        required=False,
        help_text=(
            "What the app showed the buyer paying: the price and the auction's delivery_fee. When given, an order "
            "that would come to anything else is refused (price_changed) and nothing is bought."
        ),
    )


class BidOutcomeSerializer(serializers.Serializer):
    leading = serializers.BooleanField(help_text="False when another bidder's maximum outbid you at once.")
    message = serializers.CharField(help_text="What the page says to the bidder.")
    auction = AuctionSerializer()


class PurchaseSerializer(serializers.Serializer):
    order = serializers.CharField(help_text="The order's number; it awaits payment.")
    pay_url = serializers.URLField(help_text="Where the buyer chooses how to pay, on the site.")
    auction = AuctionSerializer()


class WatchSerializer(serializers.Serializer):
    watching = serializers.BooleanField()


class AuctionCreate(serializers.Serializer):
    """The dashboard's "Put up for auction" form: one of the store's products sold by auction,
    its prices in the store's currency and its times (with their zone)."""

    store = Text(max_length=50, help_text="The store's slug (one whose team you are on).")
    product = serializers.IntegerField(min_value=1, max_value=2147483647, help_text="The product's id.")
    start_price = Amount()
    reserve_price = Amount(required=False, allow_null=True)
    buy_now_price = Amount(required=False, allow_null=True)
    starts_at = Moment(required=False, allow_null=True, help_text="Left out or past: now.")
    ends_at = Moment()
    soft_close_minutes = serializers.IntegerField(min_value=1, max_value=MAX_SOFT_CLOSE_MINUTES, required=False)
