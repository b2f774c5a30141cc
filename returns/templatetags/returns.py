"""``{% load returns %}``: the pieces of returns that pages of lower apps show (the
buyer's order page's returns box, the product page's return policy)."""

from django import template

from ..selectors import order_box_context, order_returns_for_buyer

register = template.Library()


@register.inclusion_tag("returns/_order_box.html")
def order_returns(order):
    return order_box_context(order)


@register.inclusion_tag("returns/_policy.html")
def return_policy(product):
    """Under the product page's buy box: how long the store takes returns, or that this item
    cannot be returned."""
    return {"product": product, "days": product.store.return_window_days}


@register.inclusion_tag("returns/_status_badge.html")
def return_status(ret):
    return {"ret": ret}


@register.inclusion_tag("returns/_store_order_box.html")
def store_order_returns(order):
    """The store's order page: the order's returns, each linking to the store's return page."""
    return {"order": order, "returns": order_returns_for_buyer(order=order)}
