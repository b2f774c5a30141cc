"""``{% load refunds %}``: an order's refunds where people look (the buyer's and the
store's order pages): each refund with its amount, state, date and credit note, and what
the order cost after them (``order_refund_summary``)."""

from django import template

from ..refunds.selectors import order_refund_summary

register = template.Library()


@register.inclusion_tag("orders/_refunds.html")
def order_refunds(order):
    """Under the order's totals: the refunds and the net paid (nothing without refunds)."""
    return order_refund_summary(order)


@register.inclusion_tag("orders/_net_paid.html")
def order_net_paid(order):
    """Next to the order's total at the top of its page: what is left paid after refunds."""
    return order_refund_summary(order)
