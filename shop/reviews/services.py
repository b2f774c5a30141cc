"""Writing reviews, responses, votes, reports and buyer feedback, and asking buyers for reviews.

Every change that can move a rating (a review written, edited, hidden or shown again) takes
the row lock of the product or store it rates first, then recomputes that row's
``rating_avg``/``rating_count`` from its visible reviews in the same transaction: two
reviews written at the same moment are counted exactly.
"""

import logging
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.catalog.models import Product
from shop.core.selectors.i18n import lazy_text, speaking_to
from shop.core.services.mail import email_once, mail_send, mail_subject, site_url
from shop.media.services.images import image_store
from shop.notifications.services.notifications import notify
from shop.orders.models import Order, OrderItem

from .models import (
    PHOTOS_MAX,
    RESPONSE_MAX,
    TEXT_MAX,
    BuyerFeedback,
    HelpfulVote,
    Review,
    ReviewPhoto,
    ReviewReport,
    ReviewRequest,
    ReviewRevision,
)
from .selectors import REVIEWABLE, review_author_name, review_editable
from .signals import store_rated

log = logging.getLogger(__name__)

Store = Review._meta.get_field("store").related_model
NEGATIVE_STARS = 2


class ReviewError(Exception):
    """A review action that cannot be done; the message says why, to the person who tried."""

    def __init__(self, message: str, *, code: str = "refused"):
        self.code = code
        super().__init__(message)


def _stars(value) -> int:
    try:
        stars = int(value)
    except (TypeError, ValueError):
        stars = 0
    if not 1 <= stars <= 5:
        raise ReviewError(_("Choose from 1 to 5 stars."), code="stars")
    return stars


# --- Aggregates --------------------------------------------------------------------------


def _figures(reviews) -> dict:
    figures = reviews.filter(hidden_at__isnull=True).aggregate(avg=Avg("stars"), n=Count("id"))
    avg = Decimal(figures["avg"] or 0).quantize(Decimal("0.01"))
    return {"rating_avg": avg, "rating_count": figures["n"]}


def _lock_rated(*, product_id: int | None, store_id: int | None) -> None:
    """The row lock of what a review rates, taken before the review changes."""
    if product_id is not None:
        list(Product.objects.select_for_update().filter(pk=product_id).values_list("pk", flat=True))
    if store_id is not None:
        list(Store.objects.select_for_update().filter(pk=store_id).values_list("pk", flat=True))


def rating_recompute(*, review: Review) -> None:
    """The rated product's (or store's) figures from its visible reviews; the caller holds its row lock."""
    if review.kind == Review.Kind.PRODUCT:
        if review.product_id is not None:
            reviews = Review.objects.filter(product_id=review.product_id, kind=Review.Kind.PRODUCT)
            Product.objects.filter(pk=review.product_id).update(**_figures(reviews))
    else:
        reviews = Review.objects.filter(store_id=review.store_id, kind=Review.Kind.STORE)
        store_rated.send(sender=Review, store_id=review.store_id, **_figures(reviews))  # sellers writes the row


# --- Writing -----------------------------------------------------------------------------


def _checked_order(*, order: Order, author) -> Order:
    order = Order.objects.select_related("store").get(pk=order.pk)
    if order.buyer_id != author.pk or order.status not in REVIEWABLE:
        raise ReviewError(_("You can review only orders delivered to you."), code="not_yours")
    return order


@transaction.atomic
def review_save(*, order: Order, author, stars, text: str = "", item: OrderItem | None = None, photos=()) -> Review:
    """Write (or, within ``SOKO_REVIEW_EDIT_DAYS``, edit) the author's review of ``item``, a
    line of their delivered ``order``, or of the order's store when ``item`` is None. An
    edit keeps the previous stars and text; new photos replace the old ones. A review of
    1 or 2 stars tells every member of the store at once."""
    order = _checked_order(order=order, author=author)
    if item is not None and item.order_id != order.pk:
        raise ReviewError(_("This line is not part of the order."), code="not_yours")
    stars = _stars(stars)
    text = (text or "").strip()[:TEXT_MAX]
    photos = list(photos)
    if len(photos) > PHOTOS_MAX:
        raise ReviewError(_("Add at most %(count)s photos.") % {"count": PHOTOS_MAX}, code="photos")
    kind = Review.Kind.PRODUCT if item is not None else Review.Kind.STORE
    product_id = item.variant.product_id if item is not None and item.variant_id else None
    _lock_rated(product_id=product_id, store_id=order.store_id if kind == Review.Kind.STORE else None)
    lookup = {"order_item": item} if item is not None else {"order": order, "kind": kind}
    review = Review.objects.select_for_update().filter(**lookup).first()
    images = [image_store(upload=photo) for photo in photos]
    now = timezone.now()
    if review is None:
        review = Review.objects.create(
            kind=kind,
            author=author,
            author_name=review_author_name(author),
            order=order,
            order_item=item,
            product_id=product_id,
            variant_name=item.variant_name if item else "",
            store_id=order.store_id,
            stars=stars,
            text=text,
            has_photos=bool(images),
        )
        created = True
    else:
        if not review_editable(review, now=now):
            raise ReviewError(
                _("Reviews can be changed for %(days)s days after they are written.")
                % {"days": settings.SOKO_REVIEW_EDIT_DAYS},
                code="closed",
            )
        ReviewRevision.objects.create(review=review, stars=review.stars, text=review.text)
        review.stars, review.text, review.edited_at = stars, text, now
        fields = ["stars", "text", "edited_at", "updated_at"]
        if images:
            review.photos.all().delete()
            review.has_photos = True
            fields.append("has_photos")
        review.save(update_fields=fields)
        created = False
    ReviewPhoto.objects.bulk_create(
        ReviewPhoto(review=review, image=image, position=n) for n, image in enumerate(images)
    )
    rating_recompute(review=review)
    if stars <= NEGATIVE_STARS and (created or review.revisions.first().stars > NEGATIVE_STARS):
        _notify_negative(review=review, order=order)
    return review


def _notify_negative(*, review: Review, order: Order) -> None:
    url = reverse("sellers:reviews") + f"?stars={review.stars}#review-{review.pk}"
    if review.kind == Review.Kind.PRODUCT:
        text = lazy_text(
            gettext_lazy("%(author)s gave %(product)s %(stars)s★ (order %(number)s). Respond while it is fresh."),
            author=review.author_name,
            product=review.order_item.product_title,
            stars=review.stars,
            number=order.number,
        )
    else:
        text = lazy_text(
            gettext_lazy("%(author)s gave %(store)s %(stars)s★ (order %(number)s). Respond while it is fresh."),
            author=review.author_name,
            store=order.store.name,
            stars=review.stars,
            number=order.number,
        )
    for member in order.store.members.all():
        notify(user=member, kind="review", text=text, url=url)


@transaction.atomic
def review_respond(*, review: Review, user, text: str) -> Review:
    """The store's one public response to a review, written or edited by any of its members."""
    review = Review.objects.select_for_update().select_related("store").get(pk=review.pk)
    if not review.store.members.filter(pk=user.pk).exists():
        raise ReviewError(_("Only the store's team can respond to this review."), code="forbidden")
    text = (text or "").strip()[:RESPONSE_MAX]
    if not text:
        raise ReviewError(_("Write a response first."), code="empty")
    now = timezone.now()
    if review.responded_at is None:
        review.responded_at = now
    else:
        review.response_edited_at = now
    review.response, review.responded_by = text, user
    review.save(update_fields=["response", "responded_by", "responded_at", "response_edited_at", "updated_at"])
    if review.author_id != user.pk:
        notify(
            user=review.author,
            kind="review",
            text=lazy_text(gettext_lazy("%(store)s responded to your review."), store=review.store.name),
            url=reverse("reviews:order", args=[review.order.number]),
        )
    return review


def review_vote_helpful(*, review: Review, user) -> Review:
    """One "helpful" vote per person and review, never on one's own."""
    if review.author_id == user.pk:
        raise ReviewError(_("You cannot vote on your own review."), code="own")
    try:
        with transaction.atomic():
            HelpfulVote.objects.create(review=review, user=user)
            Review.objects.filter(pk=review.pk).update(helpful_count=F("helpful_count") + 1)
    except IntegrityError:
        raise ReviewError(_("You already found this review helpful."), code="voted") from None
    review.refresh_from_db(fields=["helpful_count"])
    return review


def review_report(*, review: Review, reporter, reason: str, text: str = "") -> ReviewReport:
    """Store a report for the trust and safety team: one open report per person and review."""
    if review.author_id == reporter.pk:
        raise ReviewError(_("You cannot report your own review."), code="own")
    if reason not in ReviewReport.Reason.values:
        raise ReviewError(_("Choose a reason."), code="reason")
    try:
        with transaction.atomic():
            return ReviewReport.objects.create(
                review=review, reporter=reporter, reason=reason, text=(text or "").strip()[:500]
            )
    except IntegrityError:
        raise ReviewError(_("You already reported this review. Our team will look at it."), code="reported") from None


@transaction.atomic
def review_hide(*, review: Review, staff, reason: str, notice_url: str = "") -> Review:
    """Staff hide a review; its author sees why, in a notice linking to ``notice_url`` (where
    they may appeal, when the hiding can be appealed) or else to their order's reviews. The
    rating it counted in is recomputed."""
    reason = (reason or "").strip()[:300]
    if not reason:
        raise ReviewError(_("Give the reason for hiding; the author will see it."), code="reason")
    _lock_rated(product_id=review.product_id if review.kind == Review.Kind.PRODUCT else None, store_id=review.store_id)
    review = Review.objects.select_for_update().get(pk=review.pk)
    review.hidden_at, review.hidden_reason, review.hidden_by = timezone.now(), reason, staff
    review.save(update_fields=["hidden_at", "hidden_reason", "hidden_by", "updated_at"])
    ReviewReport.objects.filter(review=review, closed_at__isnull=True).update(closed_at=review.hidden_at)
    rating_recompute(review=review)
    notify(
        user=review.author,
        kind="review",
        text=lazy_text(gettext_lazy("Your review was hidden: %(reason)s"), reason=reason),
        url=notice_url or reverse("reviews:order", args=[review.order.number]),
    )
    return review


@transaction.atomic
def review_unhide(*, review: Review) -> Review:
    _lock_rated(product_id=review.product_id if review.kind == Review.Kind.PRODUCT else None, store_id=review.store_id)
    review = Review.objects.select_for_update().get(pk=review.pk)
    review.hidden_at, review.hidden_reason, review.hidden_by = None, "", None
    review.save(update_fields=["hidden_at", "hidden_reason", "hidden_by", "updated_at"])
    rating_recompute(review=review)
    return review


# --- Buyer feedback ----------------------------------------------------------------------


def buyer_feedback_leave(*, order: Order, user, rating: str, comment: str = "") -> BuyerFeedback:
    """The store's feedback on the buyer of a delivered or completed order, once."""
    if not order.store.members.filter(pk=user.pk).exists():
        raise ReviewError(_("Only the store's team can leave feedback on its buyers."), code="forbidden")
    if order.status not in REVIEWABLE:
        raise ReviewError(_("Leave feedback once the order is delivered."), code="status")
    if rating not in BuyerFeedback.Rating.values:
        raise ReviewError(_("Choose positive, neutral or negative."), code="rating")
    try:
        with transaction.atomic():
            feedback = BuyerFeedback.objects.create(
                order=order,
                store_id=order.store_id,
                buyer_id=order.buyer_id,
                author=user,
                rating=rating,
                comment=(comment or "").strip()[:200],
            )
    except IntegrityError:
        raise ReviewError(_("Feedback on this order was already left."), code="done") from None
    notify(
        user=order.buyer,
        kind="review",
        text=lazy_text(
            gettext_lazy("%(store)s left feedback on your order %(number)s."),
            store=order.store.name,
            number=order.number,
        ),
        url=reverse("reviews:feedback"),
    )
    return feedback


# --- Asking for reviews ------------------------------------------------------------------


def review_requests_send(*, now=None) -> dict:
    """Ask buyers of delivered orders for reviews: a notification once per order soon after
    delivery, then one email ``SOKO_REVIEW_EMAIL_HOURS`` after delivery, in their language.
    Each step is claimed (a row created, a conditional update) before it is done, so two
    workers never ask twice. Orders delivered more than ``SOKO_REVIEW_EDIT_DAYS`` ago are
    left alone."""
    now = now or timezone.now()
    since = now - timedelta(days=settings.SOKO_REVIEW_EDIT_DAYS)
    done = {"notified": 0, "emailed": 0}
    fresh = (
        Order.objects.filter(status__in=REVIEWABLE, delivered_at__gte=since, review_request__isnull=True)
        .select_related("store", "buyer")
        .order_by("delivered_at")[:200]
    )
    for order in fresh:
        try:
            with transaction.atomic():
                ReviewRequest.objects.create(order=order)
                notify(
                    user=order.buyer,
                    kind="review",
                    text=lazy_text(
                        gettext_lazy("How was your order %(number)s from %(store)s? Review what you bought."),
                        number=order.number,
                        store=order.store.name,
                    ),
                    url=reverse("reviews:order", args=[order.number]),
                )
        except IntegrityError:  # another worker asked first
            continue
        done["notified"] += 1
    due = (
        ReviewRequest.objects.filter(
            emailed_at__isnull=True,
            order__delivered_at__lte=now - timedelta(hours=settings.SOKO_REVIEW_EMAIL_HOURS),
            order__delivered_at__gte=since,
            order__status__in=REVIEWABLE,
        )
        .select_related("order__buyer", "order__store")
        .prefetch_related("order__items")[:200]
    )
    for request in due:
        done["emailed"] += bool(
            email_once(
                ReviewRequest,
                request.pk,
                unsent=Q(emailed_at__isnull=True),
                send=lambda order=request.order: _review_request_email(order),
                sent={"emailed_at": now},
            )
        )
    return done


def _review_request_email(order) -> bool:
    if Review.objects.filter(order=order).count() > len(order.items.all()):
        return False  # every line and the store are reviewed already
    with speaking_to(order.buyer):
        body = render_to_string(
            "reviews/email_request.txt",
            {
                "order": order,
                "site_name": settings.SOKO_SITE_NAME,
                "url": site_url(reverse("reviews:order", args=[order.number])),
            },
        )
        subject = mail_subject(
            _("%(site)s: how was your order from %(store)s?")
            % {"site": settings.SOKO_SITE_NAME, "store": order.store.name}
        )
    mail_send(subject=subject, body=body, to=[order.buyer.email])
    return True
