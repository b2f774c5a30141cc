"""The ``money`` filter: ``{{ order.total|money:order.currency }}`` (see shop.core.money)."""

from django import template

from shop.core.money import money_format

register = template.Library()


@register.filter
def money(value, currency: str | None = None) -> str:
    return money_format(value, currency)
