"""``{% load reviews %}``: the pieces of reviews that pages of lower apps show (the order
page's request for reviews, the product page's reviews, the store page's recent reviews,
a buyer's feedback score on a store's orders)."""

from django import template

from shop.orders.models import OrderStatus

from ..models import BuyerFeedback, Review
from ..selectors import REVIEWABLE, feedback_scores, product_reviews_context, rating_distribution, store_recent_reviews

register = template.Library()


@register.inclusion_tag("reviews/_prompt.html", takes_context=True)
def review_prompt(context, order):
    """On the buyer's order page, once delivered: how much of it is reviewed, and the link."""
    if order.status not in REVIEWABLE:
        return {"show": False}
    reviewed = Review.objects.filter(order=order).count()
    wanted = len(order.items.all()) + 1
    return {
        "show": True,
        "order": order,
        "reviewed": reviewed,
        "wanted": wanted,
        "done": reviewed >= wanted,
        "completed": order.status == OrderStatus.COMPLETED,
    }


@register.inclusion_tag("reviews/_product_reviews_block.html", takes_context=True)
def product_reviews(context, product):
    request = context.get("request")
    return {
        **product_reviews_context(product=product),
        "request": request,
        "user": getattr(request, "user", None),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("reviews/_store_reviews.html", takes_context=True)
def store_reviews(context, store):
    return {
        "store": store,
        "reviews": store_recent_reviews(store_id=store.pk),
        "distribution": rating_distribution(store_id=store.pk),
    }


@register.inclusion_tag("reviews/_feedback_badge.html")
def buyer_feedback_badge(score):
    return {"score": score}


@register.inclusion_tag("reviews/_feedback_card.html", takes_context=True)
def buyer_feedback_card(context, order):
    """On the store's order page: the buyer's feedback score, and the store's own feedback
    on this order (or the form to leave it, once the order is delivered; a refused one as
    it was filled in, with why: the page's ``refused``)."""
    refused = context.get("refused")
    return {
        "refused": refused if refused and refused.form == "buyer_feedback" else None,
        "order": order,
        "score": feedback_scores(buyer_ids=[order.buyer_id]).get(order.buyer_id),
        "feedback": BuyerFeedback.objects.filter(order=order).first(),
        "can_leave": order.status in REVIEWABLE,
        "ratings": BuyerFeedback.Rating.choices,
        "csrf_token": context.get("csrf_token"),
    }
