"""Review pages: the buyer's review page of a delivered order (/reviews/order/<number>/) with
a form per line, the store and the courier; a product's reviews (/reviews/product/<id>/,
also the fragment the product page swaps in to sort and page); helpful votes and reports;
the buyer's own feedback from stores (/reviews/feedback/).

Every form is a plain POST that redirects back with a message; htmx swaps the changed part.
A review or rating that is refused shows the page again (422) with the buyer's stars and
words kept in its form, and why.
Whoever may not act gets a 404 (the orders of others, orders not delivered yet)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from couriers.services import CourierError, courier_rate
from shop.catalog.models import Product
from shop.core.errors import NotFound
from shop.core.htmx import render_page, wants_fragment
from shop.core.redirects import safe_next_url

from .selectors import (
    feedback_counts,
    feedback_of_buyer,
    order_for_reviewer,
    order_reviews,
    product_reviews_context,
    review_editable,
    review_visible,
)
from .services import ReviewError, review_report, review_save, review_vote_helpful


def _order_page_context(request, order) -> dict:
    lines, store_review = order_reviews(order=order)
    for line in lines:
        line.editable = line.review is None or review_editable(line.review)
    job = getattr(order, "delivery_job", None)
    courier_job = job if job is not None and job.courier_id and job.status == "delivered" else None
    return {
        "order": order,
        "lines": lines,
        "store_review": store_review,
        "store_editable": store_review is None or review_editable(store_review),
        "courier_job": courier_job,
        "edit_days": settings.SOKO_REVIEW_EDIT_DAYS,
    }


@login_required
@require_GET
def order_page(request, number: str):
    order = order_for_reviewer(user=request.user, number=number)
    return render_page(request, "reviews/order.html", _order_page_context(request, order), fragment="content")


@login_required
@require_POST
def review_post(request, number: str, item_id: int | None = None):
    order = order_for_reviewer(user=request.user, number=number)
    item = None
    if item_id is not None:
        item = next((line for line in order.items.all() if line.pk == item_id), None)
        if item is None:
            raise NotFound
    try:
        review_save(
            order=order,
            author=request.user,
            item=item,
            stars=request.POST.get("stars"),
            text=request.POST.get("text", ""),
            photos=request.FILES.getlist("photos"),
        )
    except ReviewError as error:
        return _refused(request, order, item, str(error))
    except ValidationError as error:  # a picture the media pipeline refused says why
        return _refused(request, order, item, " ".join(error.messages))
    messages.success(request, _("Thank you! Your review is saved."))
    anchor = f"#line-{item.pk}" if item else "#store-review"
    return redirect(reverse("reviews:order", args=[order.number]) + anchor)


def _posted_stars(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _refused(request, order, item, error: str, *, courier: bool = False):
    """The review page again (422), its refused form keeping the stars and words the buyer
    posted, with why it was refused (the photos are chosen again: a browser cannot be
    given files back). ``item`` is the line, or None for the store's form; ``courier``,
    the courier's."""
    context = _order_page_context(request, order)
    if courier and context["courier_job"] is None:  # no form to keep (not delivered by a courier yet)
        messages.error(request, error)
        return redirect(reverse("reviews:order", args=[order.number]))
    refused = {
        "stars": _posted_stars(request.POST.get("stars")),
        "text": request.POST.get("comment" if courier else "text", ""),
        "error": error,
        "photos": bool(request.FILES.getlist("photos")),
    }
    if courier:
        context["courier_refused"] = refused
    elif item is None:
        context["store_refused"] = refused
    else:
        for line in context["lines"]:
            if line.item.pk == item.pk:
                line.refused = refused
    return render_page(request, "reviews/order.html", context, fragment="content", status=422)


@login_required
@require_POST
def courier_post(request, number: str):
    order = order_for_reviewer(user=request.user, number=number)
    job = getattr(order, "delivery_job", None)
    if job is None:
        raise NotFound
    try:
        courier_rate(
            job=job, buyer=request.user, stars=request.POST.get("stars"), comment=request.POST.get("comment", "")
        )
    except CourierError as error:
        return _refused(request, order, None, str(error), courier=True)
    messages.success(request, _("Thank you for rating the courier."))
    return redirect(reverse("reviews:order", args=[order.number]) + "#courier-review")


@require_GET
def product_reviews(request, product_id: int):
    product = get_object_or_404(Product.objects.visible().select_related("store"), pk=product_id)
    context = product_reviews_context(
        product=product, sort=request.GET.get("sort", ""), page=request.GET.get("page", 1)
    )
    return render_page(request, "reviews/product.html", context, fragment="reviews/_product_reviews.html")


def _back(request, review) -> str:
    fallback = (
        reverse("catalog:product", args=[review.product.slug])
        if review.product_id
        else reverse("stores:detail", args=[review.store.slug])
    )
    return safe_next_url(request, default=fallback).split("#")[0] + f"#review-{review.pk}"


@login_required
@require_POST
def helpful(request, pk: int):
    review = review_visible(pk=pk)
    try:
        review = review_vote_helpful(review=review, user=request.user)
        done = True
    except ReviewError as error:
        done = False
        if not wants_fragment(request):
            messages.info(request, str(error))
    if wants_fragment(request):
        return render_page(
            request,
            "reviews/_helpful.html",
            {"review": review, "voted": True, "done": done},
            fragment="reviews/_helpful.html",
            partial=True,
        )
    if done:
        messages.success(request, _("Thank you for your vote."))
    return redirect(_back(request, review))


@login_required
@require_POST
def report(request, pk: int):
    review = review_visible(pk=pk)
    try:
        review_report(
            review=review,
            reporter=request.user,
            reason=request.POST.get("reason", ""),
            text=request.POST.get("text", ""),
        )
    except ReviewError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Thank you. Our team will look at this review."))
    return redirect(_back(request, review))


@login_required
@require_GET
def feedback(request):
    items = feedback_of_buyer(buyer=request.user)
    context = {"feedback": items, "counts": feedback_counts(items)}
    return render_page(request, "reviews/feedback.html", context, fragment="content")
