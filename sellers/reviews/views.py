"""The store's reviews under /dashboard/reviews/: every review of its products and of the
store, those without a response first, filtered by stars, each answered inline; and the
store's feedback on a buyer, left from the order page."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shop.core.htmx import render_page
from shop.core.ids import int_or_none
from shop.core.refusals import REFUSED_STATUS, Refused, refused
from shop.orders.selectors.orders import order_get_for_member
from shop.reviews.selectors import review_for_member, store_dashboard_reviews, store_review_counts
from shop.reviews.services import ReviewError, buyer_feedback_leave, review_respond

from ..decorators import current_store, dashboard_context, seller_required
from ..orders.responses import order_page_response

PAGE_SIZE = 30


def _stars(value) -> int | None:
    stars = int_or_none(value)
    return stars if stars in (1, 2, 3, 4, 5) else None


def _reviews_page(request, *, stars: int | None, refused_review=None, refused: Refused | None = None):
    """The list; ``refused``: the response to ``refused_review`` refused, shown again (422)
    as written, with why."""
    current = current_store(request)
    shown = list(store_dashboard_reviews(store=current.store, stars=stars)[:PAGE_SIZE])
    if refused_review is not None and all(review.pk != refused_review.pk for review in shown):
        shown.insert(0, refused_review)
    context = {
        **dashboard_context(request, current),
        "dashboard_section": "reviews",
        "reviews": shown,
        "counts": store_review_counts(store=current.store),
        "stars": stars,
        "star_filters": [5, 4, 3, 2, 1],
        "refused": refused,
        "refused_review": refused_review.pk if refused_review is not None else None,
    }
    return render_page(
        request, "sellers/reviews.html", context, fragment="list", status=REFUSED_STATUS if refused else None
    )


@seller_required
@require_GET
def reviews(request):
    return _reviews_page(request, stars=_stars(request.GET.get("stars")))


@seller_required
@require_POST
def review_response(request, pk: int):
    review = review_for_member(user=request.user, pk=pk)
    stars = _stars(request.POST.get("stars"))
    try:
        review_respond(review=review, user=request.user, text=request.POST.get("response", ""))
    except ReviewError as error:
        return _reviews_page(request, stars=stars, refused_review=review, refused=refused(request, "response", error))
    messages.success(request, _("Your response is published."))
    query = f"?stars={stars}" if stars else ""
    return redirect(reverse("sellers:reviews") + query + f"#review-{review.pk}")


@seller_required
@require_POST
def buyer_feedback(request, number: str):
    order = order_get_for_member(user=request.user, number=number)
    try:
        buyer_feedback_leave(
            order=order,
            user=request.user,
            rating=request.POST.get("rating", ""),
            comment=request.POST.get("comment", ""),
        )
    except ReviewError as error:
        return order_page_response(request, order.number, refused=refused(request, "buyer_feedback", error))
    messages.success(request, _("Thank you: your feedback on the buyer is saved."))
    return redirect("sellers:order_detail", number=order.number)
