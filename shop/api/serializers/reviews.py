"""What the review endpoints read and send: the buyer's review of a line of a delivered
order (or of its store), a listing's public reviews, and the feedback stores left on the
buyer."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shop.reviews.models import TEXT_MAX, BuyerFeedback, Review
from shop.reviews.selectors import SORTS

from .catalog import StoreBriefSerializer
from .fields import Text
from .returns import MAX_ID


class ReviewInput(serializers.Serializer):
    item = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        default=None,
        help_text="The order's line (its `id`) to review; leave it out (or null) to review the store.",
    )
    stars = serializers.IntegerField(min_value=1, max_value=5)
    text = Text(max_length=TEXT_MAX, required=False, allow_blank=True, default="")


class ReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=Review.Kind.choices, read_only=True)
    stars = serializers.IntegerField(read_only=True)
    text = serializers.CharField(read_only=True)
    author_name = serializers.CharField(read_only=True)
    variant_name = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    edited_at = serializers.DateTimeField(read_only=True, allow_null=True)
    helpful_count = serializers.IntegerField(read_only=True)
    photos = serializers.SerializerMethodField()
    response = serializers.CharField(read_only=True, help_text="The store's answer (empty when none).")
    responded_at = serializers.DateTimeField(read_only=True, allow_null=True)

    @extend_schema_field({"type": "array", "items": {"type": "string", "format": "uri"}})
    def get_photos(self, review) -> list[str]:
        request = self.context.get("request")
        urls = [photo.image.url() for photo in review.photos.all()]
        return [request.build_absolute_uri(url) if request is not None else url for url in urls]


class OrderReviewSerializer(ReviewSerializer):
    item = serializers.IntegerField(source="order_item_id", read_only=True, allow_null=True)


class FeedbackSerializer(serializers.Serializer):
    order = serializers.CharField(source="order.number", read_only=True)
    store = StoreBriefSerializer(read_only=True)
    rating = serializers.ChoiceField(choices=BuyerFeedback.Rating.choices, read_only=True)
    comment = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class FeedbackPageSerializer(serializers.Serializer):
    positive = serializers.IntegerField(read_only=True)
    neutral = serializers.IntegerField(read_only=True)
    negative = serializers.IntegerField(read_only=True)
    results = FeedbackSerializer(many=True, read_only=True)


class ReviewListQuery(serializers.Serializer):
    sort = serializers.ChoiceField(choices=SORTS, required=False)
