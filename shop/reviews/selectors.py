"""Reading reviews: who may review which order, the review lists of a product, a store and
a store's dashboard, rating distributions and buyers' feedback scores."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, When
from django.utils import timezone
from django.utils.translation import gettext as _

from shop.core.compiled import CompiledQuery
from shop.core.errors import NotFound
from shop.orders.models import Order, OrderStatus

from .models import BuyerFeedback, Review, ReviewPhoto, ReviewReport

REVIEWABLE = (OrderStatus.DELIVERED, OrderStatus.COMPLETED)
SORTS = ("newest", "helpful", "photos")


def review_author_name(user) -> str:
    """How a reviewer is named in public: first name and initial, never an email address."""
    words = (user.display_name or "").split()
    if len(words) > 1:
        return f"{words[0]} {words[-1][0]}."[:80]
    if words:
        return words[0][:80]
    return user.email.split("@")[0][:3] + "***"


def order_for_reviewer(*, user, number: str) -> Order:
    """The buyer's delivered (or completed) order, with its lines: anyone else, or an order
    not delivered yet, finds nothing."""
    order = (
        Order.objects.filter(number=number, buyer_id=getattr(user, "pk", None), status__in=REVIEWABLE)
        .select_related("store", "delivery_job__courier", "delivery_job__rating")
        .prefetch_related("items")
        .first()
    )
    if order is None:
        raise NotFound
    return order


def review_editable(review: Review, *, now=None) -> bool:
    now = now or timezone.now()
    return review.created_at + timedelta(days=settings.SOKO_REVIEW_EDIT_DAYS) > now


def _with_photos(queryset):
    return queryset.prefetch_related(Prefetch("photos", queryset=ReviewPhoto.objects.select_related("image")))


@dataclass
class ReviewLine:
    item: object
    review: Review | None


def order_reviews(*, order: Order) -> tuple[list[ReviewLine], Review | None]:
    """Each line of the order with its review (or None), and the store review."""
    reviews = list(_with_photos(Review.objects.filter(order=order)))
    by_item = {review.order_item_id: review for review in reviews if review.kind == Review.Kind.PRODUCT}
    store_review = next((review for review in reviews if review.kind == Review.Kind.STORE), None)
    lines = [ReviewLine(item=item, review=by_item.get(item.pk)) for item in order.items.all()]
    return lines, store_review


def orders_awaiting_review(*, order: Order) -> bool:
    """Something of this order is not reviewed yet (the lines and the store)."""
    reviewed = Review.objects.filter(order=order).count()
    return reviewed < len(order.items.all()) + 1


def product_reviews_sorted(*, product_id: int, sort: str = "newest") -> QuerySet[Review]:
    """The product's visible reviews with their photos: newest, most helpful, or only those
    with photos (newest first); an unknown ``sort`` is newest."""
    reviews = Review.objects.filter(product_id=product_id, kind=Review.Kind.PRODUCT, hidden_at__isnull=True)
    if sort == "helpful":
        reviews = reviews.order_by("-helpful_count", "-created_at", "-id")
    elif sort == "photos":
        reviews = reviews.filter(has_photos=True).order_by("-created_at", "-id")
    else:
        reviews = reviews.order_by("-created_at", "-id")
    return _with_photos(reviews.select_related("store"))


def product_reviews_page(*, product_id: int, sort: str = "newest", page: int | str = 1, count: int | None = None):
    """A page of ``product_reviews_sorted``. ``count``, when the caller knows how many
    there are, saves counting them again."""
    paginator = Paginator(product_reviews_sorted(product_id=product_id, sort=sort), settings.SOKO_REVIEWS_PAGE_SIZE)
    if count is not None:
        paginator.count = count
    return paginator.get_page(page)


def product_reviews_context(*, product, sort: str = "newest", page=1) -> dict:
    sort = sort if sort in SORTS else "newest"
    if product.rating_count:
        distribution = rating_distribution(product_id=product.pk)
        known = None if sort == "photos" else distribution.count
        reviews_page = product_reviews_page(product_id=product.pk, sort=sort, page=page, count=known)
    else:  # the count kept with the reviews says there are none: nothing to read
        distribution = Distribution(count=0, rows=[(stars, 0, 0) for stars in range(5, 0, -1)])
        reviews_page = Paginator([], settings.SOKO_REVIEWS_PAGE_SIZE).get_page(1)
    return {
        "product": product,
        "reviews_page": reviews_page,
        "distribution": distribution,
        "sort": sort,
        "sorts": [("newest", _("Newest")), ("helpful", _("Most helpful")), ("photos", _("With photos"))],
        "report_reasons": ReviewReport.Reason.choices,
    }


@dataclass
class Distribution:
    count: int
    rows: list  # (stars, count, percent), 5 stars first


def _stars_counted(**filters) -> QuerySet:
    return Review.objects.filter(hidden_at__isnull=True, **filters).values_list("stars").annotate(n=Count("id")).values_list("stars", "n")


# Each product page shows its product's distribution: the query is compiled once (shop.core.compiled).
_PRODUCT_STARS = CompiledQuery(Review, lambda product_id: _stars_counted(product_id=product_id, kind=Review.Kind.PRODUCT))
_STORE_STARS = CompiledQuery(Review, lambda store_id: _stars_counted(store_id=store_id, kind=Review.Kind.STORE))


def rating_distribution(*, product_id: int | None = None, store_id: int | None = None) -> Distribution:
    """How many visible reviews of the product (or of the store itself) gave each number of stars."""
    counts = dict(_PRODUCT_STARS.rows(product_id) if product_id is not None else _STORE_STARS.rows(store_id))
    total = sum(counts.values())
    rows = [
        (stars, counts.get(stars, 0), round(100 * counts.get(stars, 0) / total) if total else 0)
        for stars in range(5, 0, -1)
    ]
    return Distribution(count=total, rows=rows)


def store_recent_reviews(*, store_id: int, limit: int = 5) -> list[Review]:
    return list(
        Review.objects.filter(store_id=store_id, kind=Review.Kind.STORE, hidden_at__isnull=True)
        .select_related("store")
        .order_by("-created_at", "-id")[:limit]
    )


def store_dashboard_reviews(*, store, stars: int | None = None):
    """Every review of the store (products and the store itself), those without a response
    first, newest first within."""
    reviews = Review.objects.filter(store=store)
    if stars:
        reviews = reviews.filter(stars=stars)
    reviews = reviews.annotate(
        answered=Case(When(responded_at__isnull=True, then=0), default=1, output_field=IntegerField())
    ).order_by("answered", "-created_at", "-id")
    return _with_photos(reviews.select_related("product", "order", "order_item", "responded_by"))


def store_review_counts(*, store) -> dict:
    return Review.objects.filter(store=store).aggregate(
        total=Count("id"), unanswered=Count("id", filter=Q(responded_at__isnull=True))
    )


def review_for_member(*, user, pk: int) -> Review:
    """A review of a store ``user`` works for; NotFound for anyone else."""
    review = Review.objects.filter(pk=pk, store__members=getattr(user, "pk", None)).select_related("store").first()
    if review is None:
        raise NotFound
    return review


def review_visible(*, pk: int) -> Review:
    review = Review.objects.filter(pk=pk, hidden_at__isnull=True).select_related("store").first()
    if review is None:
        raise NotFound
    return review


@dataclass(frozen=True)
class FeedbackScore:
    positive: int = 0
    neutral: int = 0
    negative: int = 0

    @property
    def total(self) -> int:
        return self.positive + self.neutral + self.negative

    @property
    def percent_positive(self) -> int:
        rated = self.positive + self.negative
        return round(100 * self.positive / rated) if rated else 0


def feedback_scores(*, buyer_ids) -> dict[int, FeedbackScore]:
    """Each buyer's feedback from stores, in one query."""
    rows = (
        BuyerFeedback.objects.filter(buyer_id__in=set(buyer_ids))
        .values("buyer_id")
        .annotate(
            positive=Count("id", filter=Q(rating=BuyerFeedback.Rating.POSITIVE)),
            neutral=Count("id", filter=Q(rating=BuyerFeedback.Rating.NEUTRAL)),
            negative=Count("id", filter=Q(rating=BuyerFeedback.Rating.NEGATIVE)),
        )
    )
    return {row["buyer_id"]: FeedbackScore(row["positive"], row["neutral"], row["negative"]) for row in rows}


def feedback_of_buyer(*, buyer) -> list[BuyerFeedback]:
    return list(BuyerFeedback.objects.filter(buyer=buyer).select_related("store", "order"))


def feedback_counts(feedback: list[BuyerFeedback]) -> dict[str, int]:
    """How many of ``feedback`` are positive, neutral and negative."""
    return {rating: sum(1 for item in feedback if item.rating == rating) for rating in BuyerFeedback.Rating.values}


def product_page_reviewed_by(request, view_name: str, kwargs) -> bool:
    """The signed-in reader wrote a review of the product page asked for."""
    if view_name != "product_detail" or "slug" not in kwargs:
        return False
    return Review.objects.filter(author=request.user, product__slug=kwargs["slug"]).exists()
