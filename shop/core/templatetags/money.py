"""The ``money`` filter: ``{{ order.total|money:order.currency }}`` (see shop.core.money).

When the shopper chose a display currency other than the amount's, a small approximate
conversion follows the amount ("KES 1,250 ≈ GNF 86,000").
"""

from django import template
from django.utils.html import format_html

from shop.core.money import money_approximate, money_format

register = template.Library()


@register.filter
def money(value, currency: str | None = None) -> str:
    text = money_format(value, currency)
    approximate = money_approximate(value, currency)
    if not approximate:
        return text
    return format_html('{} <small class="money-approx text-body-secondary">{}</small>', text, approximate)


@register.filter
def money_plain(value, currency: str | None = None) -> str:
    """The amount alone, for attributes and places an approximation does not fit."""
    return money_format(value, currency)
