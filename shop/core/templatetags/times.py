"""``{% load times %}``: ``{{ moment|ago }}`` ("3 hours ago"), ``{{ moment|time_until }}`` and
``{{ moment|time_since }}`` ("2 hours, 40 minutes") in the page's language
(shop.core.selectors.times); ``{% local_time moment "j M, H:i" %}``: ``moment|date:"j M, H:i"``
in the reader's zone, also when one copy goes to readers in many zones."""

from django import template
from django.utils import timezone
from django.utils.formats import date_format

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


@register.simple_tag(takes_context=True)
def local_time(context, moment, form: str) -> str:
    """``moment`` as ``{{ moment|date:form }}`` shows it; in a copy rendered for readers in
    many zones (``times_marked`` in the context), a marker each socket fills in for its
    reader (``local_times_fill``)."""
    if not moment:
        return ""
    if context.get("times_marked"):
        return times.local_time_mark(moment, form)
    return date_format(timezone.localtime(moment), form)
