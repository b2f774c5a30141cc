"""``{% load complaints %}``: the complaint pieces that pages of lower apps show (the
"File a complaint" box on the buyer's and the store's order pages and on an ended auction's
page) and a complaint's status badge."""

from django import template
from django.conf import settings

from ..complaints.selectors import auction_side, order_complaints_for
from ..models import Complaint

register = template.Library()


@register.inclusion_tag("moderation/complaint_order_box.html", takes_context=True)
def order_complaints(context, order, side="buyer"):
    """The order's complaints this side sees, with the link to file one."""
    user = context["request"].user
    complaints = order_complaints_for(order=order, user=user, side=side)
    # An inclusion tag's template sees only what the tag returns, not the context processors'.
    return {"order": order, "side": side, "complaints": complaints, "site_name": settings.SOKO_SITE_NAME}


@register.inclusion_tag("moderation/complaint_auction_link.html", takes_context=True)
def auction_complaint_link(context, auction):
    """For an ended auction: its winner and bidders, and its store's team once it has a
    winner, may file a complaint."""
    user = context["request"].user
    side = auction_side(auction, user) if auction.status == "ended" else ""
    return {"auction": auction, "side": side}


@register.inclusion_tag("moderation/complaint_status.html")
def complaint_status(complaint: Complaint):
    return {"complaint": complaint, "site_name": settings.SOKO_SITE_NAME}
