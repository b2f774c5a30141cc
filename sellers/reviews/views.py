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
from shop.orders.selectors.orders import order_get_for_member
from shop.reviews.selectors import review_for_member, store_dashboard_reviews, store_review_counts
from shop.reviews.services import ReviewError, buyer_feedback_leave, review_respond

from ..decorators import current_store, dashboard_context, seller_required

PAGE_SIZE = 30


@seller_required
@require_GET
def reviews(request):
    current = current_store(request)
    stars = int_or_none(request.GET.get("stars"))
    stars = stars if stars in (1, 2, 3, 4, 5) else None
    context = {
        **dashboard_context(request, current),
        "dashboard_section": "reviews",
        "reviews": list(store_dashboard_reviews(store=current.store, stars=stars)[:PAGE_SIZE]),
        "counts": store_review_counts(store=current.store),
        "stars": stars,
        "star_filters": [5, 4, 3, 2, 1],
    }
    return render_page(request, "sellers/reviews.html", context, fragment="list")


@seller_required
@require_POST
def review_response(request, pk: int):
    review = review_for_member(user=request.user, pk=pk)
    try:
        review_respond(review=review, user=request.user, text=request.POST.get("response", ""))
    except ReviewError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Your response is published."))
    stars = int_or_none(request.POST.get("stars"))
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
        messages.error(request, str(error))
    else:
        messages.success(request, _("Thank you: your feedback on the buyer is saved."))
    return redirect("sellers:order_detail", number=order.number)
