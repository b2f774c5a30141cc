"""``{% load refunds %}``: an order's refunds where people look (the buyer's and the
store's order pages): each refund with its amount, state, date and credit note, and what
the order cost after them (``order_refund_summary``)."""

from django import template

from ..refunds.selectors import order_refund_summary, refunded_units

register = template.Library()


def _summary(order) -> dict:
    """The order's refunds, read once for the page however many places show them."""
    if not hasattr(order, "_refund_summary"):
        order._refund_summary = order_refund_summary(order)
        order._refunded_units = refunded_units(order._refund_summary["refunds"])
    return order._refund_summary


@register.inclusion_tag("orders/_refunds.html")
def order_refunds(order, oob=False):
    """Under the order's totals: the refunds and the net paid (an empty place without
    refunds, which a push fills: ``oob``, swapped out of band)."""
    return {**_summary(order), "oob": oob}


@register.inclusion_tag("orders/_net_paid.html")
def order_net_paid(order, oob=False):
    """Next to the order's total at the top of its page: what is left paid after refunds."""
    return {**_summary(order), "oob": oob}


@register.inclusion_tag("orders/_line_refunded.html")
def line_refunded(order, item):
    """Beside an order's line: how many of its units were refunded ("1 of 2 refunded"),
    or that all were (nothing when none)."""
    _summary(order)
    units = order._refunded_units.get(item.pk, 0)
    return {"units": units, "quantity": item.quantity, "all": units >= item.quantity}
