"""Verified-purchase reviews of products and stores, the stores' public responses, helpful
votes, reports, and the stores' feedback on their buyers.

A product review belongs to one delivered order line (one review per line), a store review
to one order (one per order). The product's and the store's ``rating_avg``/``rating_count``
are recomputed from the visible reviews in the same transaction as any change, under the
product's or store's row lock (``shop.reviews.services``). Courier ratings are the couriers
app's own (``couriers.CourierRating``).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_lazy

from shop.core.models import EmailKept, TimeStamped

TEXT_MAX = 2000
RESPONSE_MAX = 1000
PHOTOS_MAX = 4


class Review(TimeStamped):
    class Kind(models.TextChoices):
        PRODUCT = "product", gettext_lazy("Product")
        STORE = "store", gettext_lazy("Store")

    kind = models.CharField(verbose_name=gettext_lazy("kind"), max_length=10, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("author"), on_delete=models.CASCADE, related_name="reviews"
    )
    # The name shown with the review, as it was when written (public pages read no user rows).
    author_name = models.CharField(verbose_name=gettext_lazy("author name"), max_length=80)
    order = models.ForeignKey(
        "orders.Order", verbose_name=gettext_lazy("order"), on_delete=models.CASCADE, related_name="reviews"
    )
    order_item = models.ForeignKey(
        "orders.OrderItem",
        verbose_name=gettext_lazy("order line"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reviews",
    )
    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=gettext_lazy("product"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviews",
    )
    variant_name = models.CharField(verbose_name=gettext_lazy("variant"), max_length=60, blank=True)
    store = models.ForeignKey(
        "sellers.Store", verbose_name=gettext_lazy("store"), on_delete=models.CASCADE, related_name="reviews"
    )
    stars = models.PositiveSmallIntegerField(verbose_name=gettext_lazy("stars"))
    text = models.TextField(verbose_name=gettext_lazy("text"), max_length=TEXT_MAX, blank=True)
    edited_at = models.DateTimeField(verbose_name=gettext_lazy("edited at"), null=True, blank=True)
    has_photos = models.BooleanField(verbose_name=gettext_lazy("has photos"), default=False)
    helpful_count = models.PositiveIntegerField(verbose_name=gettext_lazy("helpful votes"), default=0)
    hidden_at = models.DateTimeField(verbose_name=gettext_lazy("hidden at"), null=True, blank=True)
    hidden_reason = models.CharField(verbose_name=gettext_lazy("reason for hiding"), max_length=300, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("hidden by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    response = models.TextField(verbose_name=gettext_lazy("store response"), max_length=RESPONSE_MAX, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("responded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    responded_at = models.DateTimeField(verbose_name=gettext_lazy("responded at"), null=True, blank=True)
    response_edited_at = models.DateTimeField(verbose_name=gettext_lazy("response edited at"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("review")
        verbose_name_plural = gettext_lazy("reviews")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5), name="review_stars_range"),
            models.CheckConstraint(
                condition=(Q(kind="product", order_item__isnull=False) | Q(kind="store", order_item__isnull=True)),
                name="review_kind_matches_line",
            ),
            models.UniqueConstraint(
                fields=["order_item"], condition=Q(kind="product"), name="review_one_per_order_line"
            ),
            models.UniqueConstraint(
                fields=["order"], condition=Q(kind="store"), name="review_one_store_review_per_order"
            ),
        ]
        indexes = [
            models.Index(fields=["product", "hidden_at", "-created_at"], name="review_product_recent_idx"),
            models.Index(fields=["store", "kind", "hidden_at", "-created_at"], name="review_store_recent_idx"),
        ]

    def __str__(self):
        return gettext("%(stars)s★ by %(author)s") % {"stars": self.stars, "author": self.author_name}

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class ReviewPhoto(models.Model):
    review = models.ForeignKey(
        Review, verbose_name=gettext_lazy("review"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ForeignKey(
        "media.StoredImage", verbose_name=gettext_lazy("picture"), on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField(verbose_name=gettext_lazy("position"), default=0)

    class Meta:
        verbose_name = gettext_lazy("review photo")
        verbose_name_plural = gettext_lazy("review photos")
        ordering = ["position", "id"]

    def __str__(self):
        return gettext("Photo %(position)s of review %(review)s") % {
            "position": self.position + 1,
            "review": self.review_id,
        }


class ReviewRevision(models.Model):
    """What a review said before an edit: every edit keeps the previous stars and text."""

    review = models.ForeignKey(
        Review, verbose_name=gettext_lazy("review"), on_delete=models.CASCADE, related_name="revisions"
    )
    stars = models.PositiveSmallIntegerField(verbose_name=gettext_lazy("stars"))
    text = models.TextField(verbose_name=gettext_lazy("text"), blank=True)
    created_at = models.DateTimeField(verbose_name=gettext_lazy("replaced at"), auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("review revision")
        verbose_name_plural = gettext_lazy("review revisions")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.stars}★ · {self.created_at:%Y-%m-%d %H:%M}"


class HelpfulVote(models.Model):
    review = models.ForeignKey(
        Review, verbose_name=gettext_lazy("review"), on_delete=models.CASCADE, related_name="votes"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("user"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(verbose_name=gettext_lazy("created at"), auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("helpful vote")
        verbose_name_plural = gettext_lazy("helpful votes")
        constraints = [models.UniqueConstraint(fields=["review", "user"], name="review_one_helpful_vote_per_user")]

    def __str__(self):
        return f"{self.user_id} → {self.review_id}"


class ReviewReport(models.Model):
    class Reason(models.TextChoices):
        OFFENSIVE = "offensive", gettext_lazy("Offensive or abusive")
        SPAM = "spam", gettext_lazy("Spam or advertising")
        OFF_TOPIC = "off_topic", gettext_lazy("Not about the product or store")
        PERSONAL = "personal", gettext_lazy("Shares personal information")
        FAKE = "fake", gettext_lazy("Looks fake")
        OTHER = "other", gettext_lazy("Something else")

    review = models.ForeignKey(
        Review, verbose_name=gettext_lazy("review"), on_delete=models.CASCADE, related_name="reports"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("reporter"), on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(verbose_name=gettext_lazy("reason"), max_length=20, choices=Reason.choices)
    text = models.CharField(verbose_name=gettext_lazy("details"), max_length=500, blank=True)
    created_at = models.DateTimeField(verbose_name=gettext_lazy("created at"), auto_now_add=True)
    closed_at = models.DateTimeField(verbose_name=gettext_lazy("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("review report")
        verbose_name_plural = gettext_lazy("review reports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "reporter"],
                condition=Q(closed_at__isnull=True),
                name="review_one_open_report_per_reporter",
            )
        ]

    def __str__(self):
        return f"{self.get_reason_display()} · {self.review_id}"


class BuyerFeedback(models.Model):
    """A store's word on a buyer after an order: positive, neutral or negative, once per order."""

    class Rating(models.TextChoices):
        POSITIVE = "positive", gettext_lazy("Positive")
        NEUTRAL = "neutral", gettext_lazy("Neutral")
        NEGATIVE = "negative", gettext_lazy("Negative")

    order = models.OneToOneField(
        "orders.Order", verbose_name=gettext_lazy("order"), on_delete=models.CASCADE, related_name="buyer_feedback"
    )
    store = models.ForeignKey(
        "sellers.Store", verbose_name=gettext_lazy("store"), on_delete=models.CASCADE, related_name="buyer_feedback"
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("buyer"),
        on_delete=models.CASCADE,
        related_name="feedback_received",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("left by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rating = models.CharField(verbose_name=gettext_lazy("rating"), max_length=10, choices=Rating.choices)
    comment = models.CharField(verbose_name=gettext_lazy("comment"), max_length=200, blank=True)
    created_at = models.DateTimeField(verbose_name=gettext_lazy("created at"), auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("buyer feedback")
        verbose_name_plural = gettext_lazy("buyer feedback")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["buyer", "rating"], name="buyer_feedback_score_idx")]

    def __str__(self):
        return f"{self.get_rating_display()} · {self.order_id}"


class ReviewRequest(EmailKept):
    """The buyer of a delivered order asked for reviews: by notification once, by email
    once ``SOKO_REVIEW_EMAIL_HOURS`` after delivery. Each step is claimed by one worker."""

    order = models.OneToOneField(
        "orders.Order", verbose_name=gettext_lazy("order"), on_delete=models.CASCADE, related_name="review_request"
    )
    notified_at = models.DateTimeField(verbose_name=gettext_lazy("notified at"), auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("review request")
        verbose_name_plural = gettext_lazy("review requests")

    def __str__(self):
        return str(self.order_id)
