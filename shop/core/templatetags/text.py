"""``{{ value|bdi }}``: text people typed, isolated from the page's own words
(shop.core.selectors.scripts.isolated). A builtin of the template engine, like ``{% translate %}``."""

from django import template
from django.utils.safestring import mark_safe

from shop.core.selectors.scripts import isolated

register = template.Library()


@register.filter(needs_autoescape=True)
def bdi(value, autoescape=True):
    return isolated(value if autoescape else mark_safe(value))  # noqa: S308 (the template turned escaping off)
