"""The ``money`` filter: ``{{ order.total|money:order.currency }}`` (see shop.core.selectors.money).

When the shopper chose a display currency other than the amount's, a small approximate
conversion follows the amount ("KES 1,250 ≈ GNF 86,000").
"""

from decimal import Decimal

from django import template
from django.conf import settings
from django.utils.html import format_html

from shop.core.selectors.currencies import currency_places, money_from_minor, money_quantize
from shop.core.selectors.money import money_approximate, money_format

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


@register.filter
def money_abs(value, currency: str | None = None) -> str:
    """The amount without its sign (the words around it say which way it goes)."""
    return money_format(abs(value), currency)


@register.filter
def minor_money(value: int, currency: str) -> str:
    """A signed amount in minor units, as a movement: "+KES 2,541.00", "−KES 60.03"."""
    amount = money_from_minor(int(value), currency)
    return ("+" if amount > 0 else "−") + money_format(abs(amount), currency)


@register.filter
def money_input(value, currency: str | None = None) -> str:
    """The amount as a form field's value: plain digits in the currency's minor unit
    ("1250.00", "25000"), with no symbol or grouping."""
    if value is None or value == "":
        return ""
    return str(money_quantize(Decimal(value), currency or settings.SOKO_CURRENCY))


@register.filter
def money_step(currency: str | None) -> str:
    """A money input's ``step`` (and smallest amount): the currency's minor unit, "1" for
    GNF, "0.01" for KES, so the browser offers no fraction the currency cannot hold."""
    return str(Decimal(1).scaleb(-currency_places(currency or settings.SOKO_CURRENCY)))
