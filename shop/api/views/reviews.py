"""Reviews: the buyer reviews a line of a delivered order, or its store, as the order's
review page does (the same eligibility: only the buyer's own delivered or completed orders;
an edit within ``SOKO_REVIEW_EDIT_DAYS``); a listing's public reviews, sorted as its page
sorts them; the feedback stores left on the buyer."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.catalog.selectors.products import product_get_visible
from shop.core.errors import NotFound
from shop.reviews.selectors import SORTS, feedback_counts, feedback_of_buyer, order_for_reviewer, product_reviews_sorted
from shop.reviews.services import review_save

from ..pagination import Cursor
from ..serializers.orders import query_values
from ..serializers.reviews import (
    FeedbackPageSerializer,
    OrderReviewSerializer,
    ReviewInput,
    ReviewListQuery,
    ReviewSerializer,
)


class OrderReviewSave(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ReviewInput, responses=OrderReviewSerializer)
    def post(self, request, number: str):
        """Review a line of a delivered order (``item``), or its store (no ``item``); sent
        again within the editing days, it changes the review."""
        order = order_for_reviewer(user=request.user, number=number)
        body = ReviewInput(data=request.data)
        body.is_valid(raise_exception=True)
        item = None
        if body.validated_data["item"] is not None:
            item = next((line for line in order.items.all() if line.pk == body.validated_data["item"]), None)
            if item is None:
                raise NotFound
        review = review_save(
            order=order,
            author=request.user,
            item=item,
            stars=body.validated_data["stars"],
            text=body.validated_data["text"],
        )
        return Response(OrderReviewSerializer(review, context={"request": request}).data)


@extend_schema(
    parameters=[OpenApiParameter("sort", str, enum=list(SORTS), description="newest (the default), helpful, photos.")]
)
class ProductReviewList(generics.ListAPIView):
    """A listing's visible reviews: newest first, the most helpful first, or those with photos."""

    permission_classes = [AllowAny]
    serializer_class = ReviewSerializer
    pagination_class = Cursor

    def get_queryset(self):
        product = product_get_visible(slug=self.kwargs["slug"], user=self.request.user)
        query = ReviewListQuery(data=query_values(self.request.query_params, "sort"))
        query.is_valid(raise_exception=True)
        return product_reviews_sorted(product_id=product.pk, sort=query.validated_data.get("sort", "newest"))


class FeedbackList(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=FeedbackPageSerializer)
    def get(self, request):
        """What stores said about the buyer after their orders, newest first, with the counts."""
        items = feedback_of_buyer(buyer=request.user)
        return Response(FeedbackPageSerializer({**feedback_counts(items), "results": items}).data)
