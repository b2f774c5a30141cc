"""``{% load times %}``: ``{{ moment|ago }}`` ("3 hours ago"), ``{{ moment|time_until }}`` and
``{{ moment|time_since }}`` ("2 hours, 40 minutes") in the page's language
(shop.core.selectors.times)."""

from django import template

from shop.core.selectors import times

register = template.Library()


@register.filter
def ago(moment) -> str:
    return times.time_ago(moment)


@register.filter
def time_until(moment) -> str:
    return times.time_until(moment)


@register.filter
def time_since(moment) -> str:
    return times.time_since(moment)
